#!/bin/sh
# SPDX-License-Identifier: MIT
# run-failover.sh RUNNER KERNEL ARCHIVE DISK LOGDIR
# Boots `failover restart` with fs and pxecho (pxtest) as services, on a
# private copy of the disk image (fs writes to it). Each kill must be
# followed by "served again"; the figures are shown (ctest -V).
set -eu
runner=$1 kernel=$2 archive=$3 disk=$4 logdir=$5
work=$(mktemp -d "${TMPDIR:-/tmp}/failover.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
cp "$disk" "$work/disk.img"
"$runner" --kernel "$kernel" --archive "$archive" --disk "$work/disk.img" \
	--log "$logdir/guest.failover_restart.log" --timeout 300 \
	--append "node=1 test=failover:restart with=dev,virtio-blk,fs,pxtest" \
	--expect "init: restarted fs" --expect "init: restarted pxtest" \
	--expect "failover: FOVR0001 fs_served_again_after_kill ok" \
	--expect "failover: FOVR0002 pxecho_served_again_after_kill ok" \
	--expect " passed, 0 failed" \
	--show "served again after"
