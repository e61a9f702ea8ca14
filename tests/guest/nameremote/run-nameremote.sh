#!/bin/sh
# SPDX-License-Identifier: MIT
# run-nameremote.sh RUNNER KERNEL ARCHIVE DISK LOGDIR
# Boots nameremote against the real name and file servers on a private
# copy of the disk image (it writes), with two aliases on the command line.
set -eu
runner=$1 kernel=$2 archive=$3 disk=$4 logdir=$5
work=$(mktemp -d "${TMPDIR:-/tmp}/nameremote.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
cp "$disk" "$work/disk.img"
"$runner" --kernel "$kernel" --archive "$archive" --disk "$work/disk.img" \
	--log "$logdir/guest.nameremote.log" --timeout 300 \
	--append "node=1 test=nameremote with=dev,virtio-blk,fs alias=rfs:fs@2,gone:fs@3" \
	--expect "init: rfs is fs@2" \
	--expect "nameremote: NAMEREM0005 n_paths_reach_that_nodes_fs ok" \
	--expect "nameremote: 7 passed, 0 failed"
