#!/bin/sh
# SPDX-License-Identifier: MIT
# cluster.NAME.kvm: a scenario under KVM, where KVM can run guests here.
# The probe decides (`ukcluster accel --require kvm`, host stage only, so a
# kernel that fails under a working KVM fails the test instead of skipping
# it); where KVM is missing or cannot run guests the test exits 77, which
# ctest reports as skipped, never as passed.
#   kvm-variant.sh UKCLUSTER ARGS... (the ukcluster command line to run)
set -u
U=$1
shift
"$U" accel --require kvm
rc=$?
[ $rc -eq 77 ] && exit 77
[ $rc -eq 0 ] || {
	echo "FAIL: ukcluster accel --require kvm exited with $rc"
	exit 1
}
exec "$U" "$@" --accel kvm
