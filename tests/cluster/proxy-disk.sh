#!/bin/sh
# SPDX-License-Identifier: MIT
# cluster.proxy-posix and cluster.proxy-blk: runs the scenario, keeps the
# nodes' disks at its `down` (run --save-disks, copied once every QEMU has
# stopped), then checks them from the host as run-posixtest.sh does:
#   - node 2's disk: e2fsck -fn finds nothing, and debugfs reads each
#     FILE with what node 1 wrote there (through the proxy): TEXT, or for
#     =PATH the bytes of PATH in the image the nodes booted with, or for
#     %SIZE posixtest's mapped-file pattern of SIZE bytes (byte i is
#     (7 i + i / 4096) mod 256: written only through a mapping);
#   - node 1's disk: none of the FILEs, and byte for byte the image it
#     booted with (node 1 never wrote its own disk).
#   proxy-disk.sh UKCLUSTER IMAGE SCENARIO NAME LOGDIR auto|kvm FILE TEXT...
# Exit status 77 when this machine cannot run the cluster (or KVM, for
# kvm), as ukcluster run.
set -u
uk=$1 image=$2 scn=$3 name=$4 logdir=$5 accel=$6
shift 6
[ $# -ge 2 ] || { echo "usage: proxy-disk.sh UKCLUSTER IMAGE SCENARIO NAME LOGDIR auto|kvm FILE TEXT..."; exit 2; }
PATH=$PATH:/sbin:/usr/sbin
tmp=$(mktemp -d "${TMPDIR:-/tmp}/proxy-disk.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
fail() {
	echo "proxy-disk: FAIL: $*"
	exit 1
}

if [ "$accel" = kvm ]; then
	# As kvm-variant.sh: skipped where KVM cannot run guests.
	"$uk" accel --require kvm
	rc=$?
	[ $rc -eq 77 ] && exit 77
	[ $rc -eq 0 ] || fail "ukcluster accel --require kvm exited with $rc"
fi
"$uk" --name "$name" run "$scn" --accel "$accel" --save-logs "$logdir" \
	--save-disks "$tmp"
rc=$?
[ $rc -eq 0 ] || exit $rc
for n in 1 2; do
	[ -f "$tmp/node$n.disk.img" ] || fail "node $n's disk was not saved"
done

# e2fsck -fn exits 0 even for wrong free counts it declines to fix:
# anything beyond its headers and summary is a finding.
if ! e2fsck -fn "$tmp/node2.disk.img" >"$tmp/fsck" 2>&1 ||
   grep -v -e '^Pass [1-5]:' -e '^e2fsck ' -e ' files (.* blocks$' -e '^$' \
	"$tmp/fsck" >/dev/null; then
	cat "$tmp/fsck"
	fail "e2fsck -fn found node 2's disk damaged"
fi
echo "proxy-disk: ok   e2fsck -fn: node 2's disk is clean ($(tail -n 1 "$tmp/fsck"))"
while [ $# -ge 2 ]; do
	file=$1 text=$2
	shift 2
	debugfs -R "dump $file $tmp/got" "$tmp/node2.disk.img" >/dev/null 2>&1
	case $text in
	=*)
		debugfs -R "dump ${text#=} $tmp/want" "$image" >/dev/null 2>&1
		[ -s "$tmp/want" ] || fail "no ${text#=} in $image"
		cmp -s "$tmp/got" "$tmp/want" ||
			fail "$file on node 2's disk is not ${text#=} of the image ($(wc -c <"$tmp/got") bytes)"
		echo "proxy-disk: ok   node 2's disk holds $file: ${text#=}, $(wc -c <"$tmp/got") bytes"
		;;
	%*)
		[ -f "$tmp/got" ] && od -An -v -tu1 -w1 "$tmp/got" |
			awk -v size="${text#%}" '
			{ i = NR - 1
			  if ($1 != (i * 7 + int(i / 4096)) % 256) {
				printf "byte %d is %d\n", i, $1; bad = 1; exit } }
			END { if (!bad && NR != size) {
				printf "%d bytes, not %d\n", NR, size; bad = 1 }
			      exit bad }' ||
			fail "$file on node 2's disk is not what node 1 wrote through its mapping"
		echo "proxy-disk: ok   node 2's disk holds $file: ${text#%} bytes written through a mapping on node 1"
		;;
	*)
		got=$(cat "$tmp/got" 2>/dev/null)
		[ "$got" = "$text" ] ||
			fail "debugfs read \"$got\" from $file on node 2's disk, not \"$text\""
		echo "proxy-disk: ok   node 2's disk holds $file: $got"
		;;
	esac
	rm -f "$tmp/got" "$tmp/want"
	debugfs -R "stat $file" "$tmp/node1.disk.img" 2>&1 | grep -q "File not found" ||
		fail "node 1's own disk has $file"
done
cmp -s "$tmp/node1.disk.img" "$image" ||
	fail "node 1's disk is not the image it booted with: node 1 wrote its own disk"
echo "proxy-disk: ok   node 1's disk has none of them and is the image it booted with"
echo "proxy-disk: all passed"
