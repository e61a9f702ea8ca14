#!/bin/sh
# SPDX-License-Identifier: MIT
# mkdisk.sh MKE2FS STAGING ROOT IMAGES PROGRAMS...
# Fills STAGING with the tree ROOT, bin/NAME for every PROGRAM given as
# NAME=PATH, and data/big.txt (2 MiB of numbered lines "000000\n",
# "000001\n", ... so every byte is predictable from its offset), then makes
# one ext2 image per IMAGES entry PATH:BLOCK_SIZE:SIZE (comma-separated)
# with mke2fs -d. Images appear whole or not at all.
set -eu
mke2fs=$1 staging=$2 root=$3 images=$4
shift 4
rm -rf "$staging"
mkdir -p "$staging/bin" "$staging/data"
cp -R "$root"/. "$staging"/
for spec in "$@"; do
	cp "${spec#*=}" "$staging/bin/${spec%%=*}"
done
seq -w 0 299999 | head -c 2097152 > "$staging/data/big.txt"
IFS=,
for image in $images; do
	path=${image%%:*} rest=${image#*:}
	bs=${rest%%:*} size=${rest#*:}
	rm -f "$path.tmp"
	"$mke2fs" -q -F -t ext2 -r 1 -b "$bs" -d "$staging" "$path.tmp" "$size"
	mv "$path.tmp" "$path"
done
