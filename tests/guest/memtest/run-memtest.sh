#!/bin/sh
# SPDX-License-Identifier: MIT
# run-memtest.sh RUNNER KERNEL ARCHIVE DISK LOGDIR [bench]
# Boots memtest on a 40 MiB node with mem (budget 8 MiB, 2 MiB per task,
# 96 MiB of swap) on a private copy of the disk image grown to 160 MiB
# (twice the node's free memory goes to swap), then checks the image is
# clean: the swap file went through fs like any file.
set -eu
runner=$1 kernel=$2 archive=$3 disk=$4 logdir=$5 mode=${6:-test}
work=$(mktemp -d "${TMPDIR:-/tmp}/memtest.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
img=$work/disk.img
PATH=$PATH:/sbin:/usr/sbin
tag=${UK_LOG_TAG:+.$UK_LOG_TAG}

# A fresh copy of the disk image, grown to 160 MiB.
fresh_disk() {
	cp "$disk" "$img"
	truncate -s 160M "$img"
	resize2fs -f "$img" >"$work/resize" 2>&1 || { cat "$work/resize"; exit 1; }
}
# boot LOG PROGRAM WITH MEM_ARGS [runner options]: memtest on a 40 MiB
# node with the services WITH and mem's arguments, until it passes.
boot() {
	log=$1 prog=$2 with=$3 memargs=$4
	shift 4
	"$runner" --kernel "$kernel" --archive "$archive" --disk "$img" \
		--memory 40 "$@" --log "$logdir/$log" --timeout 600 \
		--append "node=1 test=$prog with=$with $memargs" \
		--expect "memtest: passed (0 failures)"
}
small="mem.budget=8 mem.task_budget=2 mem.swap=96"
large="mem.budget=256 mem.task_budget=256 mem.reserve=4 mem.swap=96"

fresh_disk
if [ "$mode" = bench ]; then
	# Guest instructions per page (-icount): the swap file goes through
	# fs and virtio-blk, so the figures include them.
	boot bench.mem.log memtest:bench dev,virtio-blk,fs,proc,mem "$small" --icount
	exit
fi
boot "guest.memtest$tag.log" memtest dev,virtio-blk,fs,proc,mem "$small"
# The same touch with budgets larger than the node (256 MiB on 40):
# only the reserve (4 MiB of free memory) keeps the node from running out.
# No proc here: its quota (40 % of the node, carved from init's account
# at once) would leave the test's account short before the frames are.
fresh_disk
boot "guest.memtest_pressure$tag.log" memtest:pressure dev,virtio-blk,fs,mem "$large"
# The kernel's memory-low notice: mem's pages resident, nobody faulting,
# then plain allocations take the node's memory; mem must be told.
fresh_disk
boot "guest.memtest_notice$tag.log" memtest:notice dev,virtio-blk,fs,mem "$large"
if ! e2fsck -fn "$img" >"$work/fsck" 2>&1 ||
   grep -v -e '^Pass [1-5]:' -e '^e2fsck ' -e ' files (.* blocks$' -e '^$' \
	"$work/fsck" >/dev/null; then
	cat "$work/fsck"
	echo "memtest: e2fsck -fn found the image damaged after swapping to it"
	exit 1
fi
echo "memtest: e2fsck clean after swapping through fs"
