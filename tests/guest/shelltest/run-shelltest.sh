#!/bin/sh
# SPDX-License-Identifier: MIT
# run-shelltest.sh RUNNER KERNEL ARCHIVE LOGDIR IMAGE E2FSCK DEBUGFS guest|typed
#
# guest: boots shelltest (CONS, PROC, SH) with the file system on a copy
#   of IMAGE, then checks the copy on the host: e2fsck -fn finds it clean
#   after everything the shell did, and debugfs reads the file SH0012 had
#   the shell write.
# typed: keys typed on the host. The shell runs as the console's service
#   and QEMU's serial input is a file of keys (Enter, Backspace, arrows,
#   End, Up, Ctrl-U). QEMU takes the bytes only as fast as the UART has
#   room, so nothing is lost before the console server runs. shelltest
#   HOST0001 checks the files the typed commands made; this script checks
#   what the shell printed. uk-qemu-run has no option for serial input
#   yet, so this mode runs QEMU itself, with a deadline.
set -eu
runner=$1 kernel=$2 archive=$3 logdir=$4 image=$5 e2fsck=$6 debugfs=$7 mode=$8
if [ ! -f "$image" ]; then
	echo "shelltest: no disk image $image (built by disk/, needs mke2fs)"
	exit 1
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/shelltest.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
disk=$work/disk.img
cp --sparse=always "$image" "$disk"

if [ "$mode" = guest ]; then
	"$runner" --kernel "$kernel" --archive "$archive" \
		--log "$logdir/guest.shelltest.log" --disk "$disk" \
		--append "node=1 test=shelltest with=dev,console,virtio-blk,fs,mem,proc" \
		--timeout 300 --expect "shelltest: SH0012 file_for_the_host_to_check ok" \
		--expect " passed, 0 failed"
	# e2fsck -fn exits 0 for wrong counts it declines to fix: anything
	# beyond its headers and summary is a finding.
	if ! "$e2fsck" -fn "$disk" >"$work/fsck" 2>&1 ||
	   grep -v -e '^Pass [1-5]:' -e '^e2fsck ' -e ' files (.* blocks$' -e '^$' \
		"$work/fsck" >/dev/null; then
		cat "$work/fsck"
		echo "shelltest: e2fsck -fn found problems in the image the shell left"
		exit 1
	fi
	"$debugfs" -R "cat /shelltest/kept" "$disk" 2>/dev/null >"$work/got"
	if [ "$(cat "$work/got")" != "written by the shell" ]; then
		echo "shelltest: /shelltest/kept on the image is not what the shell wrote"
		exit 1
	fi
	echo "shelltest: host check of the image passed"
	exit 0
fi

# typed: one key file, as a person would type it (CR is Enter).
log=$logdir/guest.shelltest_typed.log
{
	# The kernel clears the UART's FIFO at boot: a byte QEMU delivered
	# before that is lost, so the keys start with a spare Enter.
	printf '\r'
	printf 'mkdir /typed\r'		# waits for the file server, which
	printf 'echo one > /typed/out\r'	# logs a line as it starts
	printf 'echo typed"-"from"-"the"-"host\r\n'	# CR LF is one Enter
	printf 'echo twX\177o >> /typed/out\r'		# DEL
	printf 'echo fur\033[D\033[Do\033[F >> /typed/out\r'	# Left, Left, End
	printf '\033[A\r'					# Up: again
	printf 'garbage\025ls /typed\r'			# Ctrl-U
	printf 'hello from the host\r'
	printf 'mem\r'			# no mem among with=: says so
	printf 'cat /nope\r'
	printf 'cd /typed\r'
	printf 'exit\r'					# logout: a fresh shell in /
	printf 'echo done > typed/done\r'
} >"$work/keys"
status=0
timeout 120 qemu-system-x86_64 -display none -monitor none -no-reboot -m 128 \
	-chardev stdio,id=serial0,signal=off -serial chardev:serial0 \
	-device isa-debug-exit,iobase=0xf4,iosize=4 -net none \
	-kernel "$kernel" -initrd "$archive" \
	-append "node=1 test=shelltest:HOST with=dev,console,virtio-blk,fs,proc,shell" \
	-drive "file=$disk,if=none,id=disk0,format=raw" \
	-device virtio-blk-pci,drive=disk0,addr=5 <"$work/keys" >"$log" || status=$?
fail=0
# isa-debug-exit: QEMU exits with (code << 1) | 1, so 1 is a pass.
if [ "$status" -ne 1 ]; then
	echo "shelltest typed: QEMU exit $status (1 is a pass; 124 the deadline)"
	fail=1
fi
for want in "HOST0001 typed_commands_reach_the_shell ok" "uk shell: type help" \
	"typed-from-the-host" "hello: from the host" \
	"cat: /nope: no such file or directory" "pager:   no memory server runs" \
	"shelltest: 1 passed, 0 failed"; do
	if ! grep -q -- "$want" "$log"; then
		echo "shelltest typed: the serial log lacks \"$want\""
		fail=1
	fi
done
if [ "$(grep -c "uk shell: type help" "$log")" -ne 2 ] || ! grep -q "^logout" "$log"; then
	echo "shelltest typed: exit did not give a fresh shell (logout, banner)"
	fail=1
fi
# Ctrl-U took "garbage" back before Enter: it never ran.
if grep -q "garbage: command not found" "$log"; then
	echo "shelltest typed: Ctrl-U did not kill the line"
	fail=1
fi
if [ $fail -ne 0 ]; then
	echo "---- serial log, last 40 lines ----"
	tail -n 40 "$log"
	exit 1
fi
echo "shelltest typed: PASS"
