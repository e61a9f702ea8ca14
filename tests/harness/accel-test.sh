#!/bin/sh
# SPDX-License-Identifier: MIT
# harness.accel_choice: how uk-qemu-run chooses the accelerator, on any
# host: a fake QEMU (fake-kvm-qemu) plays a broken, a kernel-breaking and a
# working KVM behind UK_KVM_DEVICE=/dev/null. Each case checks the exit
# status and the lines a user would read.
#   accel-test.sh UK-QEMU-RUN KERNEL ARCHIVE
set -u
run=$1 kernel=$2 archive=$3
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d /tmp/uk-accel-test.XXXXXX)
trap 'rm -rf "$work"' EXIT INT TERM
failures=0

# case NAME FAKE_KVM UK_ACCEL WANT_RC PATTERN... : PATTERN lines must all
# appear in the output; "!PATTERN" must not.
case_() {
	name=$1 mode=$2 accel=$3 want=$4
	shift 4
	out=$work/$name.out
	UK_ACCEL_CACHE=$work/cache-$mode UK_KVM_DEVICE=${DEVICE:-/dev/null} \
		UK_QEMU=$here/fake-kvm-qemu FAKE_KVM=$mode UK_ACCEL=$accel \
		"$run" --kernel "$kernel" --archive "$archive" --append node=1 \
		--until "init: ready" --timeout 60 --expect "init: started on node 1" \
		>"$out" 2>&1
	rc=$?
	ok=1
	[ $rc -eq "$want" ] || { echo "$name: exit $rc, want $want"; ok=0; }
	for p in "$@"; do
		case "$p" in
		!*) grep -qF -- "${p#!}" "$out" && { echo "$name: has \"${p#!}\""; ok=0; } ;;
		*) grep -qF -- "$p" "$out" || { echo "$name: lacks \"$p\""; ok=0; } ;;
		esac
	done
	if [ $ok = 1 ]; then
		echo "ok: $name"
	else
		failures=$((failures + 1))
		sed 's/^/    | /' "$out" | tail -25
	fi
}

mkdir -p "$work/cache-internal-error" "$work/cache-kernel-fails" \
	"$work/cache-works" "$work/cache-kernel-internal-error"

# No KVM device at all: required KVM skips, auto runs TCG with one line.
DEVICE=/nonexistent case_ no_device_kvm_skips works kvm 77 \
	"SKIP: KVM cannot run guests here: cannot open /nonexistent"
DEVICE=/nonexistent case_ no_device_auto_falls_back works auto 0 \
	"KVM is not usable here (cannot open /nonexistent" "-accel tcg" "PASS"

# A nested host whose KVM stops every guest: the tiny probe guest catches
# it, required KVM skips, auto falls back and says why, once.
case_ broken_kvm_skips internal-error kvm 77 \
	"SKIP: KVM cannot run guests here: the tiny probe guest by -kernel stopped: KVM internal error. Suberror: 1" \
	"!-accel kvm"
case_ broken_kvm_auto_falls_back internal-error auto 0 \
	"KVM is not usable here (the tiny probe guest by -kernel stopped: KVM internal error. Suberror: 1; cached verdict); running under TCG" \
	"-accel tcg" "PASS"
[ "$(grep -c "KVM is not usable" "$work/broken_kvm_auto_falls_back.out")" -eq 1 ] ||
	{ echo "broken_kvm_auto_falls_back: the notice is not one line"; failures=$((failures + 1)); }
grep -q "^kvm 0$" "$work/cache-internal-error/kvm-probe-host" ||
	{ echo "the broken verdict was not cached"; failures=$((failures + 1)); }

# KVM works but the kernel fails under it: auto stays usable (TCG, and the
# reason blames the kernel), but a test that requires KVM runs and FAILS:
# a kernel bug must never hide as a skip.
case_ kernel_bug_auto_falls_back kernel-fails auto 0 \
	"the kernel (test=hello) fails under KVM" "probably a kernel bug" \
	"-accel tcg" "PASS"
case_ kernel_bug_fails_kvm_tests kernel-fails kvm 1 \
	"-accel kvm -cpu host" "KERNEL PANIC" "!SKIP"

# A working KVM: both choices run under it.
case_ working_kvm_runs works kvm 0 "-accel kvm -cpu host" "PASS"
case_ working_kvm_auto works auto 0 "-accel kvm -cpu host" "PASS" "!not usable"
grep -q "^kvm 1$" "$work/cache-works/kvm-probe-kernel" ||
	{ echo "the working verdict was not cached"; failures=$((failures + 1)); }

# The VM stops on a KVM internal error in the middle of a test: reported
# as exactly that, at once, not as a timeout.
case_ internal_error_is_reported kernel-internal-error kvm 1 \
	"FAIL: the VM stopped on a KVM internal error (KVM internal error. Suberror: 1)" \
	"!no result within"

# Instruction counts need TCG: such a test skips when KVM is required.
out=$work/icount.out
UK_ACCEL=kvm "$run" --kernel "$kernel" --archive "$archive" --icount \
	--append node=1 --until "init: ready" >"$out" 2>&1
rc=$?
if [ $rc -eq 77 ] && grep -q "SKIP: this test counts instructions" "$out"; then
	echo "ok: icount_needs_tcg"
else
	echo "icount_needs_tcg: exit $rc"; failures=$((failures + 1))
fi

echo "accel-test: $failures failed"
[ $failures -eq 0 ]
