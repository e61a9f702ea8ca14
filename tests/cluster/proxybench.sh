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

# Each figure is taken in ROUNDS rounds that alternate raw and proxied
# measurements; the goal's ratio is the median of the rounds' ratios. Under
# TCG a slow second of the host moves a single figure by up to 2x, and
# alternating puts such a second on both sides of a round's ratio.
rounds=${UK_BENCH_ROUNDS:-5}
[ $icount = yes ] && rounds=1

# matches NODE PATTERN: how many lines node NODE logged that match.
matches() { c log "$1" | grep -cE "$2"; }
# after NODE PATTERN K: prints the text of the (K+1)th line matching
# PATTERN that NODE logged, waiting for it up to 120 s.
after() {
	end=$(($(date +%s) + 120))
	while :; do
		l=$(c log "$1" | grep -E "$2" | sed -n "$(($3 + 1))p")
		[ -n "$l" ] && { echo "${l#*| }"; return 0; }
		[ "$(date +%s)" -ge "$end" ] && return 1
		sleep 0.1
	done
}
# ask NODE PATTERN CMD: types CMD on NODE and prints the text of the first
# line matching PATTERN that NODE logs after it.
ask() {
	k=$(matches "$1" "$2")
	c send "$1" "$3" >/dev/null || return 1
	after "$1" "$2" "$k"
}
# last NODE PATTERN: the text of the last line matching PATTERN.
last() { c log "$1" | grep -E "$2" | tail -n 1 | sed 's/.*| //'; }
# The figure after "bench: ... : " up to " us per round trip".
us() { echo "$1" | sed -n 's/.*: \([0-9]*\) us per round trip.*/\1/p'; }
mbit() { echo "$1" | sed -n 's/.*(\([0-9.]*\) Mbit\/s).*/\1/p'; }
median() { tr ' ' '\n' | grep . | sort -n | awk '{v[NR]=$1} END{printf "%s", NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }

# Round trips node 1 -> node 2: raw netd UDP (nc), then the remote null
# call through both proxies; raw TCP once, for reference.
us_udp= us_px= q_px=
r=1
while [ $r -le $rounds ]; do
	ask 2 "listening on udp 0\.0\.0\.0:9002" "nc -u -l -e -w 2 9002" >/dev/null ||
		fail "udp echo server"
	udp=$(ask 1 "bench: udp_pingpong 2000 " "nc -u -w 2 -P 2000 10.77.0.12 9002") ||
		fail "udp ping-pong"
	# The echo server's figure is its node's busy time over its whole
	# life: it must end (2 s idle) before the proxied calls run there.
	udp2=$(after 2 "nc: echoed [0-9]* datagrams" $((r - 1))) || fail "udp echo"
	px=$(ask 1 "bench: remote_null_call 2000 " "/bin/pxbench call 2 2000") ||
		fail "remote calls"
	[ -n "$(us "$udp")" ] && [ -n "$(us "$px")" ] && [ "$(us "$udp")" -gt 0 ] ||
		fail "no round trip figure in: $udp / $px"
	q=$(awk "BEGIN{printf \"%.2f\", $(us "$px")/$(us "$udp")}")
	echo "bench: round $r: raw udp $(us "$udp") us, remote null call $(us "$px") us per round trip: $q x"
	us_udp="$us_udp $(us "$udp")" us_px="$us_px $(us "$px")" q_px="$q_px $q"
	r=$((r + 1))
done
pxcpu=$(last 1 "bench: remote_null_call cpu: ")
ask 2 "listening on tcp 0\.0\.0\.0:9001" "nc -l -e 9001" >/dev/null || fail "tcp echo server"
tcp=$(ask 1 "bench: tcp_pingpong 2000 " "nc -P 2000 10.77.0.12 9001") || fail "tcp ping-pong"
echo "bench: node->node ${udp#bench: }"
echo "bench: udp_pingpong cpu: node 2 ${udp2#*this node busy }"
echo "bench: node->node ${tcp#bench: }"
echo "bench: node->node ${px#bench: } (proxy in $where)"
echo "$pxcpu"
u=$(echo "$us_udp" | median) p=$(echo "$us_px" | median) t=$(us "$tcp")
[ -n "$u" ] && [ -n "$t" ] && [ -n "$p" ] && [ "$u" != 0 ] && [ "$t" -gt 0 ] &&
	echo "bench: median of $rounds rounds: raw udp $u us, remote null call $p us (/ raw tcp once = $(awk "BEGIN{printf \"%.2f\", $p/$t}")); remote null call / raw udp round trip = $(echo "$q_px" | median) (median of the rounds' ratios; goal: at most 1.3)"

# Under icount the deterministic figure is instructions: both nodes' busy
# time per null call against both nodes' per raw UDP round trip.
if [ $icount = yes ]; then
	i1=$(echo "$pxcpu" | sed -n 's/.*node 1 \([0-9]*\) per call.*/\1/p')
	i2=$(echo "$pxcpu" | sed -n 's/.*node 2 \([0-9]*\) per call.*/\1/p')
	u1=$(echo "$udp" | sed -n 's/.*this node busy \([0-9]*\) per round trip.*/\1/p')
	u2=$(echo "$udp2" | sed -n 's/.*this node busy \([0-9]*\) per datagram.*/\1/p')
	[ -n "$i1" ] && [ -n "$i2" ] && [ -n "$u1" ] && [ -n "$u2" ] &&
		echo "bench: instructions per remote null call $i1 + $i2 / per raw udp round trip $u1 + $u2 = $(awk "BEGIN{printf \"%.2f\", ($i1+$i2)/($u1+$u2)}") (goal: at most 1.3)"
fi

# A remote page fault (docs/MEMORY.md, "Remote pagers"): node 1's
# memory paged by node 2's mem, per page, on both nodes; under icount
# against the raw UDP round trip between the same nodes.
pf=$(ask 1 "bench: remote_page_fault cpu: " "/bin/memtest remote-bench 2 256") ||
	fail "remote page faults"
pg=$(after 1 "bench: remote_paging cpu: " 0) || fail "remote paging"
echo "$pf"
echo "$pg"
if [ $icount = yes ]; then
	f1=$(echo "$pf" | sed -n 's/.*node 1 \([0-9]*\) + node 2 \([0-9]*\) busy.*/\1/p')
	f2=$(echo "$pf" | sed -n 's/.*node 1 \([0-9]*\) + node 2 \([0-9]*\) busy.*/\2/p')
	[ -n "$f1" ] && [ -n "$f2" ] && [ -n "$u1" ] && [ -n "$u2" ] &&
		echo "bench: instructions per remote page fault $f1 + $f2 / per raw udp round trip $u1 + $u2 = $(awk "BEGIN{printf \"%.2f\", ($f1+$f2)/($u1+$u2)}")"
fi

# Throughput: 16 MiB over raw TCP, then 16 remote reads of 1 MiB.
m_raw= m_rd= q_rd=
r=1
while [ $r -le $rounds ]; do
	ask 1 "listening on tcp 0\.0\.0\.0:9000" "nc -l -r 9000" >/dev/null ||
		fail "tcp sink"
	k=$(matches 1 "nc: received 16777216 bytes")
	c send 2 "nc -s 16777216 10.77.0.11 9000" >/dev/null
	raw=$(after 1 "nc: received 16777216 bytes" "$k") || fail "tcp transfer"
	rd=$(ask 1 "bench: remote_read 16 MiB" "/bin/pxbench read 2 16") ||
		fail "remote reads"
	[ -n "$(mbit "$raw")" ] && [ -n "$(mbit "$rd")" ] ||
		fail "no throughput figure in: $raw / $rd"
	q=$(awk "BEGIN{printf \"%.0f\", 100*$(mbit "$rd")/$(mbit "$raw")}")
	echo "bench: round $r: raw tcp $(mbit "$raw") Mbit/s, remote read $(mbit "$rd") Mbit/s: $q %"
	m_raw="$m_raw $(mbit "$raw")" m_rd="$m_rd $(mbit "$rd")" q_rd="$q_rd $q"
	r=$((r + 1))
done
rawcpu=$(after 1 "nc: this node busy " $((rounds - 1))) || fail "tcp transfer cpu"
rdcpu=$(last 1 "bench: remote_read cpu: ")
echo "bench: node->node tcp_throughput: ${raw#nc: }"
echo "bench: tcp_throughput cpu: node 1 ${rawcpu#nc: this node busy }"
echo "bench: node->node ${rd#bench: } (proxy in $where)"
echo "$rdcpu"
rawm=$(echo "$m_raw" | median) rdm=$(echo "$m_rd" | median)
[ -n "$rawm" ] && [ -n "$rdm" ] &&
	echo "bench: median of $rounds rounds: raw tcp $rawm Mbit/s, remote read $rdm Mbit/s; remote read / raw tcp throughput = $(echo "$q_rd" | median) % (median of the rounds' ratios; goal: at least 90 %)"
exit 0
