#!/bin/sh
# SPDX-License-Identifier: MIT
# run-workload.sh RUNNER KERNEL ARCHIVE DISK LOGDIR UKCLUSTER (guest.workload)
# Boots `workload test` (register 3 4 3, append 3 3, final) against the
# local file server on a private copy of the disk image, then checks its
# history from the host (ukcluster history and check): no fault, so
# every op must be ok and every check clean. The torn append file and
# the foreign register record `workload test` reads last must come out
# as "?HEX", and the checker must report them. Exit status 77 (skipped)
# where the runner cannot run the variant (KVM).
set -eu
runner=$1 kernel=$2 archive=$3 disk=$4 logdir=$5 uk=$6
work=$(mktemp -d "${TMPDIR:-/tmp}/workload.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
cp "$disk" "$work/disk.img"
# The runner tags the log of a variant (UK_LOG_TAG=kvm: NAME.kvm.log).
log=$logdir/guest.workload${UK_LOG_TAG:+.$UK_LOG_TAG}.log
rc=0
"$runner" --kernel "$kernel" --archive "$archive" --disk "$work/disk.img" \
	--log "$logdir/guest.workload.log" --timeout 300 \
	--append "node=1 test=workload:test with=dev,virtio-blk,fs,proc" \
	--expect "workload: done (3 clients, " --expect "workload: test done" \
	--reject "ended badly" --reject "still running after" \
	--reject "left no count" --reject "workload: cannot" \
	--reject "KERNEL PANIC" || rc=$?
[ $rc -eq 0 ] || exit $rc
# What no client wrote is shown as "?HEX" tokens and values, which the
# checker must report.
tr -d '\r' <"$log" >"$work/log"
grep -e ' /chaos/torn ' -e ' foreign ' "$work/log" >"$work/crafted" || true
for want in \
	'^hist 1\.0 invoke final /chaos/torn nil - [0-9]+$' \
	'^hist 1\.0 part final /chaos/torn 1\.1\.0,\?78797a,\?312e32 - [0-9]+$' \
	'^hist 1\.0 ok final /chaos/torn 3 - [0-9]+$' \
	'^hist 1\.0 invoke read foreign nil - [0-9]+$' \
	'^hist 1\.0 ok read foreign \?68656c6c6f - [0-9]+$'; do
	grep -Eq "$want" "$work/crafted" || {
		echo "run-workload: FAIL: no line matching $want in"
		cat "$work/crafted"
		exit 1
	}
done
# The host's checker (ukcluster history --serial: this node's own clock is
# the timeline) must refuse them.
"$uk" history --serial "$work/crafted" -o "$work/crafted.hist"
if "$uk" check "$work/crafted.hist" >"$work/verdict"; then
	cat "$work/verdict"
	echo "run-workload: FAIL: the checker passed a torn file and a foreign record"
	exit 1
fi
for want in "?78797a" "?312e32" "?68656c6c6f" "INVALID"; do
	grep -qF -- "$want" "$work/verdict" || {
		cat "$work/verdict"
		echo "run-workload: FAIL: the checker did not report $want"
		exit 1
	}
done
echo "run-workload: ok   torn and foreign data read as ?HEX and reported"
grep -v -e ' /chaos/torn ' -e ' foreign ' "$work/log" >"$work/run"
"$uk" history --serial "$work/run" -o "$work/run.hist"
# No fault: every operation must be ok, and the history valid.
if grep -E '^op [0-9]+ [^ ]+ (fail|info) ' "$work/run.hist"; then
	echo "run-workload: FAIL: operations failed without a fault"
	exit 1
fi
"$uk" check "$work/run.hist" --svg "$logdir/guest.workload${UK_LOG_TAG:+.$UK_LOG_TAG}.svg"
