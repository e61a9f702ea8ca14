#!/bin/sh
# SPDX-License-Identifier: MIT
# bench.proxy: the proxy's figures between two PXE-booted nodes, next to
# raw netd UDP and TCP between the same nodes in the same run (issue #12:
# remote null call at most 1.3 x raw, remote 1 MiB reads at least 90 % of
# raw TCP). Prints "bench:" lines and the ratios; fails only when a
# measurement does not complete, never on a figure.
#   proxybench.sh UKCLUSTER NAME [icount] [task]
# With icount the nodes run under QEMU's -icount shift=0 (TCG), so the
# "cpu:" lines count guest instructions per call and per MiB on each node
# (bench.proxy.icount); the times and rates are then those of a slowed
# guest and mean little. With task the proxy runs as a task of its own
# (netd.proxy=off, servers=proxy) instead of in netd's loop: the other
# design, measured the same way (docs/PROXY.md, "Where the proxy runs").
# Exit status 77 when this machine cannot run clusters.
set -u
uk=$1 name=$2
icount=no task=no
for a in "${3:-}" "${4:-}"; do
	case $a in icount) icount=yes ;; task) task=yes ;; esac
done
c() { "$uk" --name "$name" "$@"; }
conf=$(mktemp)
fail() { echo "proxybench: $*" >&2; c log all -n 30 >&2; c down >/dev/null 2>&1; rm -f "$conf"; exit 1; }
trap 'c down >/dev/null 2>&1; rm -f "$conf"' EXIT INT TERM
where=netd servers=pxbench
[ $task = yes ] && where=proxy servers=proxy,pxbench
printf 'nodes 2\nservers %s\n' $servers >"$conf"
[ $icount = yes ] && echo 'icount yes' >>"$conf"
[ $task = yes ] && echo 'args netd.proxy=off' >>"$conf"

c up --config "$conf" --detach >/dev/null
rc=$?
[ $rc -eq 77 ] && exit 77
[ $rc -eq 0 ] || fail "up failed ($rc)"
for n in 1 2; do
	c wait $n "netd: net0 address 10\.77\.0\.1$n " --timeout 90 >/dev/null ||
		fail "node $n got no address"
	c wait $n "uk shell: type help for the commands\." --timeout 60 >/dev/null ||
		fail "node $n has no shell"
	c wait $n "proxy: node $n ready in $where " --timeout 60 >/dev/null ||
		fail "node $n has no proxy in $where"
done
c wait 2 "pxbench: serving pxbulk" --timeout 60 >/dev/null || fail "no pxbulk on node 2"

# Prints the rest of the line node $1 logs matching $2 (after the '| ').
line() { c wait "$1" "$2" --timeout "${3:-120}" | sed 's/.*| //'; }
# The figure after "bench: ... : " up to " us per round trip".
us() { echo "$1" | sed -n 's/.*: \([0-9]*\) us per round trip.*/\1/p'; }

# Raw round trips node 1 -> node 2 (netd UDP and TCP, 64 bytes).
c send 2 "nc -u -l -e -w 2 9002" >/dev/null; c wait 2 "listening on udp 0.0.0.0:9002" >/dev/null
c send 1 "nc -u -w 2 -P 2000 10.77.0.12 9002" >/dev/null
udp=$(line 1 "bench: udp_pingpong 2000 ") || fail "udp ping-pong"
udp2=$(line 2 "nc: echoed [0-9]* datagrams") || fail "udp echo"
c send 2 "nc -l -e 9001" >/dev/null; c wait 2 "listening on tcp 0.0.0.0:9001" >/dev/null
c send 1 "nc -P 2000 10.77.0.12 9001" >/dev/null
tcp=$(line 1 "bench: tcp_pingpong 2000 ") || fail "tcp ping-pong"
# The remote null call through both proxies.
c send 1 "/bin/pxbench call 2 2000" >/dev/null
px=$(line 1 "bench: remote_null_call 2000 ") || fail "remote calls"
pxcpu=$(line 1 "bench: remote_null_call cpu: ") || fail "remote call cpu"
echo "bench: node->node ${udp#bench: }"
echo "bench: udp_pingpong cpu: node 2 ${udp2#*this node busy }"
echo "bench: node->node ${tcp#bench: }"
echo "bench: node->node ${px#bench: } (proxy in $where)"
echo "$pxcpu"
u=$(us "$udp") t=$(us "$tcp") p=$(us "$px")
[ -n "$u" ] && [ -n "$t" ] && [ -n "$p" ] && [ "$u" -gt 0 ] && [ "$t" -gt 0 ] &&
	echo "bench: remote null call / raw udp round trip = $(awk "BEGIN{printf \"%.2f\", $p/$u}"), / raw tcp = $(awk "BEGIN{printf \"%.2f\", $p/$t}") (goal: at most 1.3)"

# Throughput: 16 MiB over raw TCP, then 16 remote reads of 1 MiB.
c send 1 "nc -l -r 9000" >/dev/null; c wait 1 "listening on tcp 0.0.0.0:9000" >/dev/null
c send 2 "nc -s 16777216 10.77.0.11 9000" >/dev/null
raw=$(line 1 "nc: received 16777216 bytes") || fail "tcp transfer"
rawcpu=$(line 1 "nc: this node busy ") || fail "tcp transfer cpu"
c send 1 "/bin/pxbench read 2 16" >/dev/null
rd=$(line 1 "bench: remote_read 16 MiB") || fail "remote reads"
rdcpu=$(line 1 "bench: remote_read cpu: ") || fail "remote read cpu"
echo "bench: node->node tcp_throughput: ${raw#nc: }"
echo "bench: tcp_throughput cpu: node 1 ${rawcpu#nc: this node busy }"
echo "bench: node->node ${rd#bench: } (proxy in $where)"
echo "$rdcpu"
mbit() { echo "$1" | sed -n 's/.*(\([0-9.]*\) Mbit\/s).*/\1/p'; }
rawm=$(mbit "$raw") rdm=$(mbit "$rd")
[ -n "$rawm" ] && [ -n "$rdm" ] &&
	echo "bench: remote read / raw tcp throughput = $(awk "BEGIN{printf \"%.0f\", 100*$rdm/$rawm}") % (goal: at least 90 %)"
exit 0
