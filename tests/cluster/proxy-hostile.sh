#!/bin/sh
# SPDX-License-Identifier: MIT
# cluster.proxy_hostile: a hostile peer (docs/PROXY.md, "Hostile peers").
# Two PXE-booted nodes run the proxy, node 2 serves pxecho. From the host
# side of the cluster's network, uk-proxy-attack opens real sessions with
# node 2's proxy as node 1024 and commits one protocol violation per
# attack (every attack of `uk-proxy-attack list`); after each it checks
# through node 2's PROXY_STATS that the violation was counted and the
# session reset (or the frame dropped and the session kept), that a new
# session opens and that node 2's tables are back to empty. Afterwards
# node 1 still calls pxecho@2 (all of pxtest call), uk-proxy-host still
# lists node 2's names, node 2's proxy never restarted nor panicked, and
# node 2's tables, kernel objects and free memory are back to what they
# were before the attacks (pxleak).
#   proxy-hostile.sh UKCLUSTER UK-PROXY-ATTACK UK-PROXY-HOST SOURCE-DIR NAME
# Exit status 77 when this machine cannot run clusters.
set -u
uk=$1 attack=$2 pxh=$3 src=$4 name=$5
tmp=$(mktemp -d) || exit 1
c() { "$uk" --name "$name" "$@"; }
fail() {
	echo "proxy-hostile: FAIL: $*" >&2
	c log 2 -n 60 >&2
	c down >/dev/null 2>&1
	rm -rf "$tmp"
	exit 1
}
ok() { echo "proxy-hostile: ok   $*"; }
trap 'c down >/dev/null 2>&1; rm -rf "$tmp"' EXIT INT TERM

c up --config "$src/tests/cluster/proxy-hostile.conf" --detach >/dev/null
rc=$?
[ $rc -eq 77 ] && exit 77
[ $rc -eq 0 ] || fail "up failed ($rc)"
c wait 2 "proxy: node 2 ready" --timeout 90 >/dev/null || fail "node 2's proxy did not start"
c wait 2 "pxtest: serving pxecho" --timeout 90 >/dev/null || fail "node 2 does not serve pxecho"
c wait all "uk shell: type help for the commands\." --timeout 60 >/dev/null ||
	fail "a node has no shell"

c send 2 "/bin/pxleak base" >/dev/null
c wait 2 "pxleak: base: " --timeout 30 >/dev/null || fail "node 2: pxleak base"
ok "node 2's base: $(c log 2 | grep -o 'pxleak: base: .*' | tail -1)"

start=$(date +%s)
c exec host -- "$attack" 2 all >"$tmp/out" 2>"$tmp/err"
rc=$?
sed 's/^/proxy-hostile:      /' "$tmp/out"
[ $rc -eq 0 ] || fail "uk-proxy-attack: exit $rc: $(cat "$tmp/err")"
n=$("$attack" list | wc -l)
[ "$(grep -c ': ok: ' "$tmp/out")" -eq "$n" ] || fail "not every one of the $n attacks reported ok"
ok "$n attacks on node 2's proxy in $(($(date +%s) - start)) s, each as promised"

c send 1 "/bin/pxtest call 2" >/dev/null
c wait 1 "pxtest: [0-9]+ passed, [0-9]+ failed" --timeout 180 >/dev/null ||
	fail "node 1's pxtest call 2 did not finish"
c log 1 | grep -Eq "pxtest: [0-9]+ passed, 0 failed" ||
	fail "node 1's calls to pxecho@2 failed after the attacks"
ok "node 1 still calls pxecho@2 ($(c log 1 | grep -Eo 'pxtest: [0-9]+ passed, 0 failed'))"

c exec host -- "$pxh" 2 services >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc -eq 0 ] && grep -q "^pxecho  " "$tmp/out" ||
	fail "uk-proxy-host 2 services after the attacks: exit $rc: $(cat "$tmp/err")"
ok "uk-proxy-host opens a new session and lists node 2's names"

c send 2 "/bin/pxleak check" >/dev/null
c wait 2 "pxleak: (no leak|LEAK)" --timeout 30 >/dev/null || fail "node 2: pxleak check did not finish"
line=$(c log 2 | grep -Eo "pxleak: (no leak|LEAK).*" | tail -1)
case $line in "pxleak: no leak"*) ;; *) fail "node 2: $line" ;; esac
ok "node 2: $line"

[ "$(c log 2 | grep -c 'proxy: node 2 ready')" -eq 1 ] || fail "node 2's proxy restarted"
if c log 1 | grep -Eq "KERNEL PANIC" || c log 2 | grep -Eq "KERNEL PANIC|page fault|(proxy|netd)( |:).*(exited|killed|crashed)"; then
	fail "a node logged a panic or the proxy died"
fi
c down >/dev/null || fail "down"
trap - EXIT
rm -rf "$tmp"
echo "proxy-hostile: all passed"
