#!/bin/sh
# SPDX-License-Identifier: MIT
# run-posixtest.sh RUNNER KERNEL ARCHIVE DISK LOGDIR test|killfs|bench
# Boots posixtest against the real servers on a private copy of the disk
# image. After the test mode run (posixtest mmap: every call, then mapped
# files), the host checks the image: e2fsck -fn must find it clean and
# debugfs must read back what the guest wrote, also through a mapping.
set -eu
runner=$1 kernel=$2 archive=$3 disk=$4 logdir=$5 mode=$6
work=$(mktemp -d "${TMPDIR:-/tmp}/posixtest.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
img=$work/disk.img
cp "$disk" "$img"
PATH=$PATH:/sbin:/usr/sbin

case $mode in
test)
	"$runner" --kernel "$kernel" --archive "$archive" --disk "$img" \
		--log "$logdir/guest.posixtest.log" --timeout 600 \
		--append "node=1 test=posixtest:mmap with=dev,virtio-blk,fs,proc" \
		--expect "posixtest: passed (0 failures)"
	# e2fsck -fn exits 0 even for wrong free counts it declines to fix:
	# anything beyond its headers and summary is a finding.
	if ! e2fsck -fn "$img" >"$work/fsck" 2>&1 ||
	   grep -v -e '^Pass [1-5]:' -e '^e2fsck ' -e ' files (.* blocks$' -e '^$' \
		"$work/fsck" >/dev/null; then
		cat "$work/fsck"
		echo "posixtest: e2fsck -fn found the image damaged after the guest's writes"
		exit 1
	fi
	got=$(debugfs -R "cat /posixtest/kept.txt" "$img" 2>/dev/null)
	if [ "$got" != "written by posixtest in the guest" ]; then
		echo "posixtest: debugfs read \"$got\" from /posixtest/kept.txt"
		exit 1
	fi
	# mapped.bin was written only through a mapping (mmap.c): byte i is
	# (7 i + i / 4096) mod 256, and it has 5 * 4096 + 1000 bytes (what
	# the guest wrote past its end in its last page is not in the file).
	rm -f "$work/mapped.bin"
	debugfs -R "dump /posixtest/mapped.bin $work/mapped.bin" "$img" >/dev/null 2>&1 || true
	if [ ! -f "$work/mapped.bin" ] ||
	   ! od -An -v -tu1 -w1 "$work/mapped.bin" | awk -v size=21480 '
		{ i = NR - 1
		  if ($1 != (i * 7 + int(i / 4096)) % 256) {
			printf "byte %d is %d\n", i, $1; bad = 1; exit } }
		END { if (!bad && NR != size) {
			printf "%d bytes, not %d\n", NR, size; bad = 1 }
		      exit bad }'; then
		echo "posixtest: /posixtest/mapped.bin on the image is not what the guest wrote through its mapping"
		exit 1
	fi
	echo "posixtest: e2fsck clean; the host reads back what the guest wrote"
	;;
killfs)
	"$runner" --kernel "$kernel" --archive "$archive" --disk "$img" \
		--log "$logdir/guest.posixtest_killfs.log" --timeout 300 \
		--append "node=1 test=posixtest:killfs with=dev,virtio-blk" \
		--expect "posixtest: passed (0 failures)"
	;;
bench)
	"$runner" --kernel "$kernel" --archive "$archive" --disk "$img" --icount \
		--log "$logdir/bench.adapter.log" --timeout 600 \
		--append "node=1 test=posixtest:bench with=dev,virtio-blk,fs,proc" \
		--expect "posixtest: passed (0 failures)"
	;;
esac
