#!/bin/sh
# SPDX-License-Identifier: MIT
# cluster.accel_*: how ukcluster chooses QEMU's accelerator, tested on any
# host with the fake QEMU of tests/harness/fake-kvm-qemu, which plays a nested host's
# KVM (it opens, but every guest stops on a KVM internal error; issue #10).
#   fallback    `up --accel auto` probes, says in exactly one stderr line
#               that KVM is unusable and why, boots every node on TCG to
#               its shell; status and the cached verdict agree
#   kvm-error   `up --accel kvm` (no probe): status says kvm-internal-error,
#               not paused; `wait` and `run` end at once with exit status 3
#               and say to use --accel tcg
#   tcg-forced  `up --accel tcg` never probes and never asks for KVM, and
#               the command line beats the configuration beats $UK_ACCEL
# Every wait has a deadline; a failure prints the cluster's log tails.
#   accel.sh UKCLUSTER SCENARIO-DIR NAME MODE
set -u
U=$1
DIR=$2
NAME=$3
MODE=$4
EXIT_KVM_ERROR=3

tmp=$(mktemp -d /tmp/uk-accel-test.XXXXXX)
mkdir "$tmp/cache"
export UK_QEMU="$DIR/../harness/fake-kvm-qemu"
export FAKE_KVM=internal-error
export UK_ACCEL_CACHE="$tmp/cache"
export FAKE_KVM_CALLS="$tmp/calls"
: >"$FAKE_KVM_CALLS"
unset UK_ACCEL UK_KVM_DEVICE

cleanup() {
	"$U" --name "$NAME" down >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*"
	state=$("$U" --name "$NAME" path 2>/dev/null)
	for f in "$state"/node*.log "$state"/supervisor.log; do
		[ -f "$f" ] || continue
		echo "--- last lines of $f"
		tail -n 15 "$f"
	done
	exit 1
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

# up, or exit 77 when this machine cannot host a cluster at all.
up() {
	"$U" --name "$NAME" up --detach "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	cat "$tmp/out" "$tmp/err"
	if [ $rc -eq 77 ]; then
		echo "skipped: this machine cannot host a cluster"
		exit 77
	fi
	[ $rc -eq 0 ] || fail "up $* exited with $rc"
}

# The ACCEL column of every node row of `status`.
node_accels() {
	"$U" --name "$NAME" status | awk '$1 ~ /^[0-9]+$/ { print $3 }'
}

node_state_is() {
	[ "$("$U" --name "$NAME" status | awk -v n="$1" '$1 == n { print $2 }')" = "$2" ]
}

down_clean() {
	"$U" --name "$NAME" down >/dev/null || fail "down failed"
	"$U" --name "$NAME" leftovers >/dev/null || fail "down left something behind"
}

case $MODE in
fallback)
	echo "== auto on a host whose KVM opens but cannot run guests"
	# /dev/null opens read-write, so the probe gets as far as a boot.
	UK_KVM_DEVICE=/dev/null up --accel auto --nodes 2
	lines=$(wc -l <"$tmp/err")
	[ "$lines" -eq 1 ] || fail "expected exactly one line on stderr, got $lines"
	grep -q '^ukcluster: KVM is not usable here (probe: .*KVM internal error\. Suberror: 1.*); using TCG (--accel kvm forces KVM)$' "$tmp/err" ||
		fail "the fallback line does not name the KVM internal error and --accel kvm"
	"$U" --name "$NAME" wait all "uk shell: type help for the commands\." --timeout 90 ||
		fail "the nodes did not reach their shell on TCG"
	status=$("$U" --name "$NAME" status) || fail "status failed"
	echo "$status"
	echo "$status" | grep -q '^accel tcg (auto: .*KVM internal error' ||
		fail "status does not say tcg was chosen by auto, and why"
	[ "$(node_accels | tr '\n' ' ')" = "tcg tcg " ] || fail "not every node runs on tcg"
	grep -qx other "$FAKE_KVM_CALLS" || fail "no node QEMU was started"
	grep -qx kvm "$FAKE_KVM_CALLS" || fail "the probe never booted a guest under KVM"
	verdict=$(UK_KVM_DEVICE=/dev/null "$U" accel) || fail "ukcluster accel failed"
	echo "$verdict"
	echo "$verdict" | grep -q '^auto chooses tcg: .*KVM internal error.*(cached verdict' ||
		fail "the verdict was not cached for this host boot"
	UK_KVM_DEVICE=/dev/null "$U" accel --require kvm
	[ $? -eq 77 ] || fail "accel --require kvm did not exit 77 (skip) on an unusable KVM"
	down_clean
	;;
kvm-error)
	echo "== --accel kvm where KVM stops every guest"
	up --accel kvm --nodes 1
	[ -s "$tmp/err" ] && fail "forcing KVM printed something on stderr"
	[ -z "$(ls -A "$tmp/cache")" ] || fail "--accel kvm ran the probe"
	until_true 20 node_state_is 1 kvm-internal-error ||
		fail "status never said kvm-internal-error within 20 s"
	status=$("$U" --name "$NAME" status) || fail "status failed"
	echo "$status"
	echo "$status" | grep -q '^accel kvm (forced)$' || fail "status does not say kvm was forced"
	[ "$(node_accels)" = kvm ] || fail "node 1 is not shown on kvm"
	echo "$status" | grep -q 'node 1 was stopped by a KVM internal error: KVM internal error\. Suberror: 1' ||
		fail "status does not show QEMU's KVM line"
	echo "$status" | grep -q -- 'up --accel tcg' || fail "status does not say what to do"
	start=$(date +%s)
	"$U" --name "$NAME" wait 1 "^init: ready$" --timeout 30 2>"$tmp/werr"
	rc=$?
	took=$(($(date +%s) - start))
	cat "$tmp/werr"
	[ $rc -eq $EXIT_KVM_ERROR ] || fail "wait exited with $rc, not $EXIT_KVM_ERROR"
	[ $took -lt 10 ] || fail "wait took ${took} s: it should end as soon as the node stopped"
	grep -q 'KVM internal error' "$tmp/werr" || fail "wait does not name the KVM internal error"
	grep -q -- '--accel tcg' "$tmp/werr" || fail "wait does not say to use --accel tcg"
	state=$("$U" --name "$NAME" path)
	grep -q '# state: kvm-internal-error (KVM internal error\. Suberror: 1' "$state/node1.log" ||
		fail "the node's log does not record the KVM internal error"
	grep -q 'state: paused' "$state/node1.log" && fail "the node's log calls it a pause"
	grep -q 'node 1: stopped by a KVM internal error' "$state/supervisor.log" ||
		fail "the supervisor's log does not record it"
	down_clean

	echo "== a scenario step on such a node fails with the same exit status"
	"$U" --name "$NAME" run "$DIR/kvm-error.scn" --accel kvm >"$tmp/run" 2>&1
	rc=$?
	cat "$tmp/run"
	[ $rc -eq $EXIT_KVM_ERROR ] || fail "run exited with $rc, not $EXIT_KVM_ERROR"
	grep -q '^\[ 2/3\] FAIL wait 1 ' "$tmp/run" || fail "the wait step did not fail"
	grep -q 'line 10: node 1 will never print .*KVM internal error.*--accel tcg' "$tmp/run" ||
		fail "the failed step does not name the KVM internal error and --accel tcg"
	"$U" --name "$NAME" leftovers >/dev/null || fail "run left something behind"
	;;
tcg-forced)
	echo "== --accel tcg never probes"
	UK_KVM_DEVICE=/dev/null up --accel tcg --nodes 1
	[ -s "$tmp/err" ] && fail "forcing TCG printed something on stderr"
	"$U" --name "$NAME" wait 1 "uk shell: type help for the commands\." --timeout 90 ||
		fail "the node did not reach its shell"
	"$U" --name "$NAME" status | grep -q '^accel tcg (forced)$' || fail "status does not say tcg was forced"
	[ "$(node_accels)" = tcg ] || fail "node 1 is not shown on tcg"
	down_clean
	echo "== the configuration beats UK_ACCEL; the command line beats both"
	printf 'nodes 1\naccel tcg\n' >"$tmp/tcg.conf"
	printf 'nodes 1\naccel kvm\n' >"$tmp/kvm.conf"
	UK_ACCEL=kvm UK_KVM_DEVICE=/dev/null up --config "$tmp/tcg.conf"
	"$U" --name "$NAME" status | grep -q '^accel tcg (forced)$' ||
		fail "accel tcg in the configuration lost to UK_ACCEL=kvm"
	down_clean
	UK_ACCEL=kvm UK_KVM_DEVICE=/dev/null up --config "$tmp/kvm.conf" --accel tcg
	"$U" --name "$NAME" status | grep -q '^accel tcg (forced)$' ||
		fail "--accel tcg lost to the configuration"
	down_clean
	[ -z "$(ls -A "$tmp/cache")" ] || fail "the probe ran: the cache holds $(ls "$tmp/cache")"
	grep -qx kvm "$FAKE_KVM_CALLS" && fail "QEMU was asked for KVM"
	grep -qx other "$FAKE_KVM_CALLS" || fail "no QEMU was started"
	;;
*)
	echo "accel.sh: unknown mode '$MODE' (fallback, kvm-error or tcg-forced)"
	exit 2
	;;
esac
echo "$MODE: passed"
