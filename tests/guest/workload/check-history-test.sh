#!/bin/sh
# SPDX-License-Identifier: MIT
# unit.workload_history: check-history.sh against small made-up logs, one
# per rule, each with what it must say (or that it must pass). A case is
#   case NAME PASS|"VIOLATION TEXT" [--no-faults] <<EOF ... EOF
set -u
here=$(dirname "$0")
tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-history-test.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
# Cases run at the end of pipelines (subshells): results go to a file.
: >"$tmp/results"

case_() {
	name=$1 want=$2
	shift 2
	cat >"$tmp/log"
	sh "$here/check-history.sh" "$@" "$tmp/log" >"$tmp/out" 2>&1
	rc=$?
	if [ "$want" = PASS ]; then
		[ $rc -eq 0 ] && ok=1 || ok=0
	else
		[ $rc -eq 1 ] && grep "VIOLATION: " "$tmp/out" | grep -qF "$want" &&
			ok=1 || ok=0
	fi
	echo "$ok $name" >>"$tmp/results"
	if [ $ok -eq 0 ]; then
		echo "check-history-test: FAIL $name (exit $rc, wanted $want):"
		sed 's/^/    /' "$tmp/out"
	fi
}

# The good history the others spoil: two clients of node 1 on r0, one
# append each and the final, with the done lines.
good() {
	cat <<'EOF'
workload: client 1.1 seed 0x1
hist 1.1 invoke write r0 1.1.0 - 100
hist 1.2 invoke read r0 nil - 110
hist 1.2 ok read r0 nil - 120
hist 1.1 ok write r0 1.1.0 - 200
hist 1.2 invoke read r0 nil - 210
hist 1.2 ok read r0 1.1.0 - 220
workload: done (2 clients, 3 ops)
hist 1.1 invoke append /chaos/append 1.1.0 - 300
hist 1.2 invoke append /chaos/append 1.2.0 - 301
hist 1.2 ok append /chaos/append 1.2.0 - 310
hist 1.1 ok append /chaos/append 1.1.0 - 320
workload: done (2 clients, 2 ops)
hist 1.0 invoke final /chaos/append nil - 400
hist 1.0 part final /chaos/append 1.2.0,1.1.0 - 401
hist 1.0 ok final /chaos/append 2 - 402
EOF
}

good | case_ good PASS --no-faults
# Cluster logs carry the host's prefix.
good | sed 's/^/12:00:00.000 +   1.000 | /' | case_ prefixed PASS --no-faults
good | sed 's/^hist 1.2 ok read r0 nil - 120$/hist 1.2 ok read r0 nil - 120 junk/' |
	case_ extra-field "not a history line"
good | sed 's/^hist 1.2 ok read r0 nil - 120$/[ 1.0] info: x hist 1.2 ok read r0 nil - 120/' |
	case_ mixed "a history line mixed with other output"
good | sed 's/^hist 1.2 ok read r0 nil - 120$/hist 1.2 ok read r0 nil -  120/' |
	case_ double-blank "not a history line"
good | sed '/^hist 1.2 ok read r0 nil - 120$/d' |
	case_ no-completion "1.2 invoked read while its read was running"
good | sed 's/^hist 1.1 ok write r0 1.1.0 - 200$/hist 1.1 ok write r1 1.1.0 - 200/' |
	case_ other-key "does not end its invoke"
good | sed 's/^hist 1.1 ok write r0 1.1.0 - 200$/hist 1.1 ok write r0 1.1.9 - 200/' |
	case_ other-value "write ok with 1.1.9, invoked with 1.1.0"
good | sed '$d' | case_ unfinished "never completed" --no-faults
good | sed 's/^hist 1.2 ok read r0 1.1.0 - 220$/hist 1.2 ok read r0 1.3.7 - 220/' |
	case_ phantom-read "read 1.3.7 from r0, which no write wrote"
good | sed 's/^hist 1.2 ok read r0 1.1.0 - 220$/hist 1.2 ok read r0 ?00ff - 220/' |
	case_ garbage-read "which no write wrote"
good | sed 's/^hist 1.2 ok read r0 1.1.0 - 220$/hist 1.2 ok read r0 nil - 220/' |
	case_ nil-after-write "read nil from r0 after 1.1 wrote 1.1.0"
# The same read by a client of another node: another clock, no verdict.
good | sed 's/^hist 1.2 \(.*\) read r0 \(.*\) 2[12]0$/hist 2.2 \1 read r0 \2 210/' |
	case_ nil-other-node PASS
good | sed 's/^hist 1.2 invoke read r0 nil - 110$/hist 1.2 invoke read r0 nil - 90/;
	     s/^hist 1.2 ok read r0 nil - 120$/hist 1.2 ok read r0 1.1.0 - 95/' |
	case_ read-from-future "read 1.1.0 from r0 before its write began"
# A stale read: 1.1.0 overwritten by 1.3.0 before the read began.
good | sed 's/^hist 1.2 invoke read r0 nil - 210$/hist 1.3 invoke write r0 1.3.0 - 201\
hist 1.3 ok write r0 1.3.0 - 205\
hist 1.2 invoke read r0 nil - 210/;
	     s/^workload: done (2 clients, 3 ops)$/workload: done (3 clients, 4 ops)/' |
	case_ stale-read "read 1.1.0 from r0, overwritten by 1.3.0 before the read began"
good | sed 's/^hist 1.1 ok write r0 1.1.0 - 200$/hist 1.1 fail write r0 1.1.0 EIO 200/' |
	case_ failed-write-read "read 1.1.0 from r0, whose write failed"
good | sed 's/^hist 1.1 ok write r0 1.1.0 - 200$/hist 1.1 info write r0 1.1.0 EIO 200/' |
	case_ info-in-a-clean-run "write r0 info EIO in a run without faults" --no-faults
good | sed 's/^hist 1.1 ok write r0 1.1.0 - 200$/hist 1.1 info write r0 1.1.0 EIO 200/' |
	case_ info-under-faults PASS
good | sed 's/^hist 1.0 part final \/chaos\/append 1.2.0,1.1.0 - 401$/hist 1.0 part final \/chaos\/append 1.2.0 - 401/;
	     s/^hist 1.0 ok final \/chaos\/append 2 - 402$/hist 1.0 ok final \/chaos\/append 1 - 402/' |
	case_ lost-append "acknowledged append 1.1.0 lost from /chaos/append"
good | sed 's/^hist 1.0 part final \/chaos\/append 1.2.0,1.1.0 - 401$/hist 1.0 part final \/chaos\/append 1.2.0,1.1.0,1.2.0 - 401/;
	     s/^hist 1.0 ok final \/chaos\/append 2 - 402$/hist 1.0 ok final \/chaos\/append 3 - 402/' |
	case_ duplicate "token 1.2.0 twice in /chaos/append"
good | sed 's/^hist 1.0 part final \/chaos\/append 1.2.0,1.1.0 - 401$/hist 1.0 part final \/chaos\/append 1.2.0,1.1.0,5.5.5 - 401/;
	     s/^hist 1.0 ok final \/chaos\/append 2 - 402$/hist 1.0 ok final \/chaos\/append 3 - 402/' |
	case_ phantom-token "token 5.5.5 in /chaos/append that nobody appended"
good | sed 's/^hist 1.2 ok append \/chaos\/append 1.2.0 - 310$/hist 1.2 fail append \/chaos\/append 1.2.0 EHOSTUNREACH 310/' |
	case_ failed-append-present "token 1.2.0 in /chaos/append whose append failed"
good | sed 's/^hist 1.0 part final \/chaos\/append 1.2.0,1.1.0 - 401$/hist 1.0 part final \/chaos\/append 1.2.0,1.1.0,?3132 - 401/;
	     s/^hist 1.0 ok final \/chaos\/append 2 - 402$/hist 1.0 ok final \/chaos\/append 3 - 402/' |
	case_ torn-token "torn or foreign line in /chaos/append: ?3132"
good | sed 's/^hist 1.0 ok final \/chaos\/append 2 - 402$/hist 1.0 ok final \/chaos\/append 5 - 402/' |
	case_ final-count "final of /chaos/append says 5 tokens, its parts 2"
good | sed '/final/d' | case_ no-final "no final read of /chaos/append"
good | sed 's/^workload: done (2 clients, 2 ops)$/workload: done (2 clients, 7 ops)/' |
	case_ done-count "the done lines count 10 ops, the history has 5" --no-faults
printf 'nothing here\n' | case_ empty "no history lines"

passed=$(grep -c '^1 ' "$tmp/results")
failed=$(grep -c '^0 ' "$tmp/results")
echo "check-history-test: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
