#!/bin/sh
# SPDX-License-Identifier: MIT
# run-blktest.sh RUNNER KERNEL ARCHIVE LOGDIR test|bench
# Makes a 16 MiB scratch disk, boots blktest against the virtio block
# driver with it attached, and (test mode) checks on the host that the
# text pattern BLK0012 wrote is in the image at the right offsets.
set -eu
runner=$1 kernel=$2 archive=$3 logdir=$4 mode=$5
work=$(mktemp -d "${TMPDIR:-/tmp}/blktest.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
img=$work/disk.img
dd if=/dev/zero of="$img" bs=1M count=16 status=none

if [ "$mode" = bench ]; then
	"$runner" --kernel "$kernel" --archive "$archive" \
		--log "$logdir/bench.virtio_blk.log" --disk "$img" --icount \
		--append "node=1 test=blktest:bench with=dev,virtio-blk" \
		--timeout 600 --expect "blktest: bench done"
	exit 0
fi

"$runner" --kernel "$kernel" --archive "$archive" \
	--log "$logdir/guest.blktest.log" --disk "$img" \
	--append "node=1 test=blktest with=dev,virtio-blk" \
	--timeout 300 --expect "blktest: BLK0012 pattern_for_the_host_check ok" \
	--expect " passed, 0 failed"

# check FIRST COUNT: sectors FIRST.. of the image hold the pattern.
check() {
	awk -v a="$1" -v b="$(($1 + $2 - 1))" 'BEGIN {
		for (s = a; s <= b; s++)
			for (l = 0; l < 16; l++)
				printf "blktest sector %08d pattern\n", s }' >"$work/want"
	dd if="$img" bs=512 skip="$1" count="$2" status=none >"$work/got"
	if ! cmp "$work/want" "$work/got"; then
		echo "blktest: the image does not hold the pattern at sectors $1..$(($1 + $2 - 1))"
		exit 1
	fi
}
check 0 1
check 100 8
check 30000 2048
check 32767 1
# And a region the guest never wrote is still zeros.
dd if="$img" bs=512 skip=29000 count=8 status=none | cmp -s - /dev/zero -n 4096 ||
	{ echo "blktest: sectors 29000.. are not zero"; exit 1; }
echo "blktest: host check of the image passed"
