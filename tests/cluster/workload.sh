#!/bin/sh
# SPDX-License-Identifier: MIT
# cluster.workload: runs tests/cluster/workload.scn, keeping the nodes'
# logs, then checks the history lines of all three nodes together from
# the host (ukcluster history and check, docs/CLUSTER.md): whole
# lines, each client's invokes and completions in turn, every op ok,
# every acknowledged append once in node 2's final read, reads of values
# that were written, the done lines' counts.
# In the middle of the register run the cluster's supervisor, which
# reads every node's serial line, is stopped for STALL_S seconds: QEMU
# then holds each node's UART until the host reads again, and the
# console server must wait for it rather than lose bytes (a history line
# with a piece missing fails the check).
#   workload.sh UKCLUSTER SCENARIO NAME LOGDIR auto|kvm
# Exit status 77 when this machine cannot run the cluster (or KVM, for
# kvm), as ukcluster run.
set -u
uk=$1 scn=$2 name=$3 logdir=$4 accel=$5
STALL_S=2
if [ "$accel" = kvm ]; then
	# As kvm-variant.sh: skipped where KVM cannot run guests.
	"$uk" accel --require kvm
	rc=$?
	[ $rc -eq 77 ] && exit 77
	[ $rc -eq 0 ] || { echo "workload: FAIL: ukcluster accel --require kvm exited with $rc"; exit 1; }
fi
# The cluster's state directory, as cluster/state.c chooses it.
if [ -n "${UKCLUSTER_STATE_DIR:-}" ]; then
	state=$UKCLUSTER_STATE_DIR/$name
elif [ -n "${XDG_RUNTIME_DIR:-}" ] && [ -d "$XDG_RUNTIME_DIR" ] && [ -w "$XDG_RUNTIME_DIR" ]; then
	state=$XDG_RUNTIME_DIR/ukcluster/$name
else
	state=/tmp/ukcluster-$(id -u)/$name
fi
rm -f "$logdir"/node*.log
"$uk" --name "$name" run "$scn" --accel "$accel" --save-logs "$logdir" &
run=$!
# The stall, 5 s into the register clients' run on node 1.
stalled=no
i=0
while [ $i -lt 600 ] && kill -0 $run 2>/dev/null; do
	if grep -q "workload: client 1.3 seed" "$state/node1.log" 2>/dev/null; then
		sleep 5
		sup=$(cat "$state/supervisor.pid" 2>/dev/null)
		if [ -n "$sup" ] && kill -STOP "$sup" 2>/dev/null; then
			sleep $STALL_S
			kill -CONT "$sup"
			stalled=yes
		fi
		break
	fi
	sleep 0.2
	i=$((i + 1))
done
wait $run
rc=$?
[ $rc -eq 0 ] || exit $rc
[ $stalled = yes ] || { echo "workload: FAIL: the supervisor was not stopped for the stall"; exit 1; }
echo "workload: ok   the host stopped reading the serial lines for $STALL_S s in the middle of the register run"
# The host's checker on the three nodes' histories together; no fault,
# so every operation must be ok.
"$uk" history --logs "$logdir" -o "$logdir/history.txt" || exit 1
if grep -E '^op [0-9]+ [^ ]+ (fail|info) ' "$logdir/history.txt"; then
	echo "workload: FAIL: operations failed without a fault"
	exit 1
fi
"$uk" check "$logdir/history.txt" --svg "$logdir/timeline.svg"
