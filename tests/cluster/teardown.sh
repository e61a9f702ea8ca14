#!/bin/sh
# SPDX-License-Identifier: MIT
# cluster.teardown: nothing of a cluster stays on the host, however it
# ends: a scenario failing midway, a crashed supervisor cleaned up by
# `down`, Ctrl-C on a foreground `up`, and a runner killed outright (as a
# ctest timeout does). "Nothing" means: no process, no network namespace,
# no state directory, no new host link.
#   teardown.sh UKCLUSTER SCENARIO-DIR [NAME-PREFIX]
set -u
U=$1
DIR=$2
P=${3:-test-}

fail() {
	echo "FAIL: $*"
	exit 1
}

links() {
	ip -o link show | awk -F': ' '{print $2}' | sort
}

# Every check that a cluster left nothing, with what was found if not.
check_clean() {
	"$U" --name "$1" leftovers || fail "cluster $1 left something behind"
	if ip netns list 2>/dev/null | grep -q "^ukcluster-$1\b"; then
		fail "network namespace ukcluster-$1 remains"
	fi
	[ "$(links)" = "$LINKS_BEFORE" ] || fail "host links changed: $(links)"
	echo "ok: nothing of cluster $1 is left"
}

# Poll a condition every 0.1 s up to a deadline (seconds).
until_true() {
	deadline=$1
	shift
	i=0
	while ! "$@" >/dev/null 2>&1; do
		i=$((i + 1))
		[ "$i" -ge $((deadline * 10)) ] && return 1
		sleep 0.1
	done
}

cluster_exists() {
	[ -e "$("$U" --name "$1" path)/info" ]
}

no_processes() {
	! "$U" --name "$1" leftovers | grep -q '^process'
}

LINKS_BEFORE=$(links)

echo "== a scenario that fails midway tears its cluster down"
out=$("$U" --name "${P}midway" run "$DIR/midway-fail.scn" 2>&1)
rc=$?
echo "$out"
[ $rc -eq 77 ] && exit 77
[ $rc -eq 1 ] || fail "the failing scenario exited with $rc, not 1"
echo "$out" | grep -q ": 2 passed, 1 failed, 1 not run" || fail "no summary line"
check_clean "${P}midway"

echo "== down cleans up after a crashed supervisor"
"$U" --name "${P}crash" up --detach --nodes 1 || fail "up failed"
"$U" --name "${P}crash" wait 1 "^init: ready$" --timeout 60 || fail "no init"
state=$("$U" --name "${P}crash" path)
kill -9 "$(cat "$state/supervisor.pid")"
# Its children die with it (PDEATHSIG); the directory and namespace stay.
until_true 10 no_processes "${P}crash" ||
	fail "QEMU or dnsmasq outlived the supervisor"
"$U" --name "${P}crash" status && fail "status claims a crashed cluster runs"
"$U" --name "${P}crash" leftovers >/dev/null && fail "the crash left nothing to clean?"
"$U" --name "${P}crash" down || fail "down after a crash failed"
check_clean "${P}crash"

echo "== Ctrl-C on a foreground up stops everything"
"$U" --name "${P}fg" up --nodes 1 </dev/null >/dev/null 2>&1 &
up=$!
until_true 30 cluster_exists "${P}fg" || fail "the foreground cluster did not start"
"$U" --name "${P}fg" wait 1 "^init: ready$" --timeout 60 || fail "no init"
kill -INT $up
wait $up || fail "up exited with $? after Ctrl-C"
check_clean "${P}fg"

echo "== a runner killed outright takes its cluster with it"
"$U" --name "${P}owner" run "$DIR/hold.scn" >/dev/null 2>&1 &
runner=$!
until_true 30 cluster_exists "${P}owner" || fail "the runner's cluster did not start"
"$U" --name "${P}owner" wait 1 "^init: ready$" --timeout 60 || fail "no init"
kill -9 $runner
wait $runner 2>/dev/null
until_true 15 "$U" --name "${P}owner" leftovers ||
	fail "the cluster outlived its runner by 15 s"
check_clean "${P}owner"

echo "teardown: 4 passed, 0 failed"
