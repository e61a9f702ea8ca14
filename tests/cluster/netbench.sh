#!/bin/sh
# SPDX-License-Identifier: MIT
# bench.cluster_net: network figures between PXE-booted nodes on the
# cluster bridge, next to the same measurements between two Linux hosts on
# that bridge (probes p1, p2: the yardstick). Prints "bench:" lines.
#   netbench.sh UKCLUSTER UK-NET-PEER NAME
# Exit status 77 when this machine cannot run clusters.
set -u
uk=$1 peer=$2 name=$3
c() { "$uk" --name "$name" "$@"; }
fail() { echo "netbench: $*" >&2; c log all -n 30 >&2; c down >/dev/null 2>&1; exit 1; }
trap 'c down >/dev/null 2>&1' EXIT INT TERM

c up --nodes 2 --probes 2 --detach >/dev/null
rc=$?
[ $rc -eq 77 ] && exit 77
[ $rc -eq 0 ] || fail "up failed ($rc)"
for n in 1 2; do
	c wait $n "netd: net0 address 10\.77\.0\.1$n " --timeout 90 >/dev/null ||
		fail "node $n got no address"
	c wait $n "uk shell: type help for the commands\." --timeout 60 >/dev/null ||
		fail "node $n has no shell"
done

# Waits (5 s at most) until a probe host listens on a port: "listening
# PROBE PORT tcp|udp".
listening() {
	flag=-ltn
	[ "$3" = udp ] && flag=-lun
	i=0
	while [ $i -lt 50 ]; do
		c exec "$1" -- ss $flag 2>/dev/null | grep -q ":$2 " && return 0
		i=$((i + 1))
		sleep 0.1
	done
	fail "$1 is not listening on $3 port $2"
}

# Prints the rest of the line node $1 logs matching $2 (after the '| ').
line() { c wait "$1" "$2" --timeout "${3:-120}" | sed 's/.*| //'; }

# Node 2 -> node 1: 128 MiB, then TCP and UDP round trips.
c send 1 "nc -l -r 9000" >/dev/null; c wait 1 "listening on tcp 0.0.0.0:9000" >/dev/null
c send 2 "nc -s 134217728 10.77.0.11 9000" >/dev/null
r=$(line 2 "nc: sent 134217728 bytes") || fail "node to node transfer"
echo "bench: node->node tcp_throughput: ${r#nc: }"
c send 1 "nc -l -e 9001" >/dev/null; c wait 1 "listening on tcp 0.0.0.0:9001" >/dev/null
c send 2 "nc -P 2000 10.77.0.11 9001" >/dev/null
line 2 "bench: tcp_pingpong 2000 " | sed 's/^bench: /bench: node<->node /' || fail "tcp ping-pong"
c send 1 "nc -u -l -e -w 2 9002" >/dev/null; c wait 1 "listening on udp 0.0.0.0:9002" >/dev/null
c send 2 "nc -u -w 2 -P 2000 10.77.0.11 9002" >/dev/null
line 2 "bench: udp_pingpong 2000 " | sed 's/^bench: /bench: node<->node /' || fail "udp ping-pong"

# Node 1 -> a Linux host on the bridge (probe p1).
c exec p1 -- "$peer" --sink 9100 >/tmp/netbench.$$ 2>&1 &
listening p1 9100 tcp
c send 1 "nc -w 30 -s 134217728 10.77.0.201 9100" >/dev/null
r=$(line 1 "nc: sent 134217728 bytes") || fail "node to host transfer"
echo "bench: node->linux tcp_throughput: ${r#nc: }"
wait
sed 's/^uk-net-peer: /bench: linux side of node->linux: /' /tmp/netbench.$$
# The same bytes at both ends: the node's checksum is the Linux side's.
sum=$(echo "$r" | sed -n 's/.*checksum \([0-9a-f]*\).*/\1/p')
[ -n "$sum" ] && grep -q "received 134217728 bytes checksum $sum" /tmp/netbench.$$ ||
	fail "node->linux: the host did not receive the node's 128 MiB intact"
rm -f /tmp/netbench.$$

# The yardstick: Linux p1 -> Linux p2 over the same bridge.
c exec p2 -- "$peer" --sink 9200 >/dev/null 2>&1 &
listening p2 9200 tcp
c exec p1 -- "$peer" --send 10.77.0.202 9200 134217728 || fail "linux transfer"
wait
c exec p2 -- "$peer" --echo 9201 >/dev/null 2>&1 &
listening p2 9201 tcp
c exec p1 -- "$peer" --pingpong 10.77.0.202 9201 2000 || fail "linux tcp ping-pong"
wait
c exec p2 -- "$peer" --echo 9202 --udp >/dev/null 2>&1 &
listening p2 9202 udp
c exec p1 -- "$peer" --pingpong 10.77.0.202 9202 2000 --udp || fail "linux udp ping-pong"
wait
c down >/dev/null
trap - EXIT
echo "netbench: done"
