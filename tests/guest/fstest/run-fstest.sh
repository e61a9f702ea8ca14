#!/bin/sh
# SPDX-License-Identifier: MIT
# run-fstest.sh RUNNER KERNEL ARCHIVE LOGDIR IMAGE E2FSCK DEBUGFS NAME [bench]
# Boots fstest against the file server on a copy of IMAGE (uk-qemu-run
# writes a disk in place), then checks the copy on the host: e2fsck -fn
# must find it clean, and debugfs must read back what fstest wrote. With
# bench, runs fstest's benchmarks under --icount instead and prints them.
set -eu
runner=$1 kernel=$2 archive=$3 logdir=$4 image=$5 e2fsck=$6 debugfs=$7 name=$8
mode=${9:-test}
if [ ! -f "$image" ]; then
	echo "$name: no disk image $image (built by disk/, needs mke2fs)"
	exit 1
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/fstest.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
disk=$work/disk.img
cp --sparse=always "$image" "$disk"

# e2fsck -fn exits 0 for some problems it reports (a superblock free count
# that is off), so anything beyond its pass headers and summary fails too.
fsck_clean() {
	"$e2fsck" -fn "$disk" >"$work/fsck" 2>&1 &&
		! grep -v -e '^Pass [1-5]:' -e '^e2fsck ' -e ' files (.* blocks$' \
			-e '^$' "$work/fsck" >/dev/null
}

if [ "$mode" = bench ]; then
	"$runner" --kernel "$kernel" --archive "$archive" --log "$logdir/$name.log" \
		--disk "$disk" --icount --timeout 600 --expect "fstest: bench done" \
		--append "node=1 test=fstest:bench with=dev,virtio-blk,fs"
	fsck_clean || { cat "$work/fsck"; echo "$name: e2fsck found problems"; exit 1; }
	exit 0
fi

"$runner" --kernel "$kernel" --archive "$archive" --log "$logdir/$name.log" \
	--disk "$disk" --append "node=1 test=fstest with=dev,virtio-blk,fs" \
	--timeout 300 --expect "fstest: FS0016 sync_writes_everything_back ok" \
	--expect " passed, 0 failed"

if ! fsck_clean; then
	cat "$work/fsck"
	echo "$name: e2fsck -fn found problems in the image the guest left"
	exit 1
fi
i=0
while [ $i -lt 100 ]; do
	echo "fstest: written by the guest through the fs protocol"
	i=$((i + 1))
done >"$work/want"
"$debugfs" -R "cat /written/file" "$disk" 2>/dev/null >"$work/got"
if ! cmp "$work/want" "$work/got"; then
	echo "$name: /written/file on the image is not what the guest wrote"
	exit 1
fi
seq -w 0 299999 | head -c 1048576 >"$work/want"
"$debugfs" -R "cat /written/big.bin" "$disk" 2>/dev/null >"$work/got"
if ! cmp "$work/want" "$work/got"; then
	echo "$name: /written/big.bin on the image is not what the guest wrote"
	exit 1
fi
echo "$name: host check passed (e2fsck clean, debugfs reads what was written)"
