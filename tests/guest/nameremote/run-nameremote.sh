#!/bin/sh
# SPDX-License-Identifier: MIT
# run-nameremote.sh RUNNER KERNEL ARCHIVE DISK LOGDIR
# Boots nameremote against the real name and file servers on a private
# copy of the disk image (it writes), with aliases on the command line
# (some of several targets, one of too many: its fifth is refused).
set -eu
runner=$1 kernel=$2 archive=$3 disk=$4 logdir=$5
work=$(mktemp -d "${TMPDIR:-/tmp}/nameremote.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
cp "$disk" "$work/disk.img"
"$runner" --kernel "$kernel" --archive "$archive" --disk "$work/disk.img" \
	--log "$logdir/guest.nameremote.log" --timeout 300 \
	--append "node=1 test=nameremote with=dev,virtio-blk,fs alias=rfs:fs@2,gone:fs@3,fo:fs@4,fs@3,fs@2,late:fs@5,fs@3,quiet:fs@4,big:a@2,a@3,a@4,a@5,a@6" \
	--expect "init: rfs is fs@2" --expect "init: fo falls back to fs@2" \
	--expect "init: alias a@6: resource limit reached" \
	--expect "nameremote: NAMEREM0005 n_paths_reach_that_nodes_fs ok" \
	--expect "nameremote: 12 passed, 0 failed"
