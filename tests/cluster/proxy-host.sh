#!/bin/sh
# SPDX-License-Identifier: MIT
# cluster.proxy_host: the Linux host joins the cluster as node 1024
# (docs/PROXY.md, "The host"). Two PXE-booted nodes run the proxy; from
# the bridge side of the cluster's network, uk-proxy-host lists node 2's
# names, reads files of its disk through its fs (inline, and 2 MiB that
# arrive out of line and must match byte for byte), one written first
# from node 2's shell, lists a directory, and gets clear errors and exit
# statuses for a missing file, a node that does not exist and a node that
# is paused. The node's proxy must see the host's sessions come and go
# (RESET at the end of each run) and no bad record, and end with its
# tables empty and node 2's kernel objects and free memory back to their
# base (pxleak).
#   proxy-host.sh UKCLUSTER UK-PROXY-HOST SOURCE-DIR NAME
# Exit status 77 when this machine cannot run clusters.
set -u
uk=$1 pxh=$2 src=$3 name=$4
tmp=$(mktemp -d) || exit 1
c() { "$uk" --name "$name" "$@"; }
fail() {
	echo "proxy-host: FAIL: $*" >&2
	c log 2 -n 40 >&2
	c down >/dev/null 2>&1
	rm -rf "$tmp"
	exit 1
}
ok() { echo "proxy-host: ok   $*"; }
trap 'c down >/dev/null 2>&1; rm -rf "$tmp"' EXIT INT TERM
# Runs uk-proxy-host on the host side of the cluster's network: stdout in
# $tmp/out, stderr in $tmp/err, its exit status in $rc.
host() {
	c exec host -- "$pxh" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
}

c up --config "$src/tests/cluster/proxy-host.conf" --detach >/dev/null
rc=$?
[ $rc -eq 77 ] && exit 77
[ $rc -eq 0 ] || fail "up failed ($rc)"
c wait 2 "proxy: node 2 ready" --timeout 90 >/dev/null || fail "node 2's proxy did not start"
c wait 2 "fs: ext2 on" --timeout 60 >/dev/null || fail "node 2's fs did not start"
c wait 2 "uk shell: type help for the commands\." --timeout 60 >/dev/null ||
	fail "node 2 has no shell"
c send 2 "/bin/pxleak base" >/dev/null
c wait 2 "pxleak: base: " --timeout 30 >/dev/null || fail "node 2: pxleak base"

host 2 services
[ $rc -eq 0 ] || fail "services: exit $rc: $(cat "$tmp/err")"
grep -q "^fs  " "$tmp/out" && grep -q "^proxy  " "$tmp/out" && grep -q "^console  " "$tmp/out" ||
	fail "services: fs, proxy and console not listed: $(cat "$tmp/out")"
c wait 2 "proxy: node 1024: link up" --timeout 5 >/dev/null || fail "node 2 did not log the host's session"
ok "services lists node 2's names ($(($(wc -l <"$tmp/out") - 1)) entries)"

host 2 cat /README
[ $rc -eq 0 ] || fail "cat /README: exit $rc: $(cat "$tmp/err")"
cmp -s "$tmp/out" "$src/disk/root/README" || fail "cat /README: not the file of the disk image"
ok "cat /README ($(wc -c <"$tmp/out") bytes, inline)"

seq -w 0 299999 | head -c 2097152 >"$tmp/big"
host 2 cat /data/big.txt
[ $rc -eq 0 ] || fail "cat /data/big.txt: exit $rc: $(cat "$tmp/err")"
cmp -s "$tmp/out" "$tmp/big" || fail "cat /data/big.txt: $(wc -c <"$tmp/out") bytes, not the 2 MiB of the image"
ok "cat /data/big.txt (2 MiB out of line, identical)"

c send 2 "echo fr\"\"om-node-2 > /host.txt; echo wro\"\"te-it" >/dev/null
c wait 2 "wrote-it" --timeout 30 >/dev/null || fail "node 2's shell did not write /host.txt"
host 2 cat /host.txt
[ $rc -eq 0 ] && [ "$(cat "$tmp/out")" = "from-node-2" ] ||
	fail "cat /host.txt: exit $rc: $(cat "$tmp/out" "$tmp/err")"
ok "cat /host.txt, written by node 2's shell"

host 2 ls /docs
[ $rc -eq 0 ] && grep -qx "guide/" "$tmp/out" && grep -qx "hello.txt" "$tmp/out" ||
	fail "ls /docs: exit $rc: $(cat "$tmp/out" "$tmp/err")"
ok "ls /docs"

host 2 cat /nope
[ $rc -eq 1 ] && grep -q "/nope: not found" "$tmp/err" ||
	fail "cat /nope: exit $rc (want 1): $(cat "$tmp/err")"
ok "cat /nope: exit 1, $(cat "$tmp/err")"

host 9 services
[ $rc -eq 3 ] && grep -q "node 9 did not answer within 1000 ms" "$tmp/err" ||
	fail "a node that does not exist: exit $rc (want 3): $(cat "$tmp/err")"
ok "node 9 (none): exit 3, $(cat "$tmp/err")"

c pause 2 >/dev/null || fail "pause 2"
start=$(date +%s%N)
host --deadline 300 2 services
took=$((($(date +%s%N) - start) / 1000000))
c resume 2 >/dev/null || fail "resume 2"
[ $rc -eq 3 ] && grep -q "did not answer within 300 ms" "$tmp/err" ||
	fail "a paused node: exit $rc (want 3): $(cat "$tmp/err")"
[ $took -lt 3000 ] || fail "a paused node took $took ms to give up"
ok "paused node 2: exit 3 in $took ms"

# Once resumed, the node answers a new run (a larger epoch) at once.
host 2 cat /host.txt
[ $rc -eq 0 ] && [ "$(cat "$tmp/out")" = "from-node-2" ] ||
	fail "after resume: exit $rc: $(cat "$tmp/err")"
ok "node 2 answers again after resume"

c wait 2 "proxy: node 1024: session ended \(reset\)" --timeout 5 >/dev/null ||
	fail "node 2 did not see the host end its session"
c send 2 "/bin/pxleak check" >/dev/null
c wait 2 "pxleak: (no leak|LEAK)" --timeout 30 >/dev/null || fail "node 2: pxleak check did not finish"
line=$(c log 2 | grep -Eo "pxleak: (no leak|LEAK).*" | tail -1)
case $line in "pxleak: no leak"*) ;; *) fail "node 2: $line" ;; esac
ok "node 2: $line"
if c log 2 | grep -Eq "KERNEL PANIC|session reset|bad record"; then
	fail "node 2 logged a panic or a bad record"
fi
c down >/dev/null || fail "down"
trap - EXIT
rm -rf "$tmp"
echo "proxy-host: all passed"
