#!/bin/sh
# SPDX-License-Identifier: MIT
# check-history.sh [--no-faults] LOG...: the workload's history lines
# (tests/guest/workload, docs/CLUSTER.md "The workload") in serial logs
# (uk-qemu-run's raw log, or a cluster's node logs, whose lines carry a
# "TIME +SECONDS | " prefix), checked without a model of time across
# nodes:
#   - every line with "hist " in it is one whole history line
#     "hist N.C TYPE F KEY VALUE ERROR GNS" (nothing before it but a log
#     prefix, eight fields, single blanks), so no two lines mixed;
#   - each client's lines alternate invoke and completion (ok, fail,
#     info; a final's part lines in between) with the invoke's f and key,
#     and a write's or append's value;
#   - every ok append is in the last final read of its file exactly once,
#     a failed one never; no token of a final is there twice, none that
#     nobody appended, none torn ("?HEX"); a final's count is its tokens;
#   - a read returns nil or a value some write of that key wrote (never a
#     failed one, never "?HEX"); and where the ops ran on one node (one
#     clock): no read sees a write that began after it ended, a value
#     overwritten (its write ended before another began, which ended
#     before the read began), or nil after a write ended;
#   - with --no-faults: every op is ok, every invoke completed, and the
#     done lines' op counts add up to the ops in the history.
# Prints the counts; exit status 0, or 1 with each violation on a line.
set -eu
no_faults=0
if [ "${1:-}" = --no-faults ]; then
	no_faults=1
	shift
fi
[ $# -ge 1 ] || { echo "usage: check-history.sh [--no-faults] LOG..."; exit 2; }

cat "$@" | tr -d '\r' | awk -v no_faults=$no_faults '
function violation(what) {
	violations++
	if (violations <= 40)
		print "check-history: VIOLATION: " what
}
function node_of(client) {
	return substr(client, 1, index(client, ".") - 1)
}
/workload: done \(/ {
	s = $0
	sub(/.*workload: done \(/, "", s)
	split(s, d, /[ ,()]+/)
	done_lines++
	done_ops += d[3]
}
index($0, "hist ") == 0 { next }
{
	line = $0
	at = index(line, "hist ")
	prefix = substr(line, 1, at - 1)
	rest = substr(line, at)
	lines++
	if (prefix != "" && prefix !~ /\| $/) {
		violation("a history line mixed with other output: " line)
		next
	}
	n = split(rest, f, " ")
	if (n != 8 || rest ~ /  / || rest ~ / $/ ||
	    f[2] !~ /^[0-9]+\.[0-9]+$/ ||
	    f[3] !~ /^(invoke|ok|fail|info|part)$/ ||
	    f[4] !~ /^(read|write|append|final)$/ ||
	    f[7] !~ /^(-|E[A-Z0-9]+|ERR_[A-Z_]+)$/ || f[8] !~ /^[0-9]+$/) {
		violation("not a history line: " line)
		next
	}
	c = f[2]; type = f[3]; fn = f[4]; key = f[5]; value = f[6]
	t = f[8] + 0
	clients[c] = 1
	if (type == "invoke") {
		if (open[c] != "")
			violation(c " invoked " fn " while its " open[c] " was running")
		open[c] = fn; okey[c] = key; ovalue[c] = value; ot[c] = t
		parts[c] = ""
		next
	}
	if (open[c] != fn || okey[c] != key) {
		violation(c ": " type " " fn " " key " does not end its invoke (" \
			  open[c] " " okey[c] ")")
		next
	}
	if (type == "part") {
		if (fn != "final")
			violation(c ": a part line of " fn)
		parts[c] = parts[c] (parts[c] == "" ? "" : ",") value
		next
	}
	open[c] = ""
	outcome[type]++
	if (no_faults && type != "ok")
		violation(c ": " fn " " key " " type " " f[7] " in a run without faults")
	if (fn == "final") {
		if (type != "ok")
			next
		ntok = parts[c] == "" ? 0 : split(parts[c], tok, ",")
		if (ntok != value + 0)
			violation(c ": final of " key " says " value " tokens, its parts " ntok)
		final[key] = parts[c]
		finals++
		next
	}
	ops++
	opcount[fn "." type]++
	if ((fn == "write" || fn == "append") && value != ovalue[c])
		violation(c ": " fn " " type " with " value ", invoked with " ovalue[c])
	i = ops
	op_c[i] = c; op_f[i] = fn; op_key[i] = key; op_v[i] = value
	op_type[i] = type; op_t0[i] = ot[c]; op_t1[i] = t
	if (fn == "write") {
		nw[key]++
		w[key, nw[key]] = i
		writer[key, value] = i
	} else if (fn == "append") {
		appended[key, value] = i
		append_keys[key] = 1
	}
}
END {
	for (c in clients)
		if (open[c] != "" && no_faults)
			violation(c ": " open[c] " " okey[c] " never completed")
	# Appends against the last final of their file.
	for (key in append_keys)
		if (!(key in final))
			violation("no final read of " key)
	for (key in final) {
		ntok = final[key] == "" ? 0 : split(final[key], tok, ",")
		tokens += ntok
		delete seen
		for (j = 1; j <= ntok; j++) {
			v = tok[j]
			if (v ~ /^\?/) {
				violation("torn or foreign line in " key ": " v)
				continue
			}
			if (++seen[v] == 2)
				violation("token " v " twice in " key)
			if (!((key, v) in appended))
				violation("token " v " in " key " that nobody appended")
			else if (op_type[appended[key, v]] == "fail")
				violation("token " v " in " key " whose append failed")
		}
		for (i = 1; i <= ops; i++)
			if (op_f[i] == "append" && op_key[i] == key &&
			    op_type[i] == "ok" && !(op_v[i] in seen))
				violation("acknowledged append " op_v[i] " lost from " key)
	}
	# Reads against the writes of their key.
	for (i = 1; i <= ops; i++) {
		if (op_f[i] != "read" || op_type[i] != "ok")
			continue
		reads++
		key = op_key[i]; v = op_v[i]; rn = node_of(op_c[i])
		if (v == "nil") {
			for (j = 1; j <= nw[key]; j++) {
				k = w[key, j]
				if (op_type[k] == "ok" && node_of(op_c[k]) == rn &&
				    op_t1[k] < op_t0[i]) {
					violation(op_c[i] " read nil from " key " after " \
						  op_c[k] " wrote " op_v[k])
					break
				}
			}
			continue
		}
		if (!((key, v) in writer)) {
			violation(op_c[i] " read " v " from " key ", which no write wrote")
			continue
		}
		k = writer[key, v]
		if (op_type[k] == "fail")
			violation(op_c[i] " read " v " from " key ", whose write failed")
		if (node_of(op_c[k]) != rn)
			continue
		if (op_t0[k] > op_t1[i])
			violation(op_c[i] " read " v " from " key " before its write began")
		if (op_type[k] != "ok")
			continue
		for (j = 1; j <= nw[key]; j++) {
			m = w[key, j]
			if (op_type[m] == "ok" && node_of(op_c[m]) == rn &&
			    op_t1[k] < op_t0[m] && op_t1[m] < op_t0[i]) {
				violation(op_c[i] " read " v " from " key ", overwritten by " \
					  op_v[m] " before the read began")
				break
			}
		}
	}
	if (no_faults && done_ops != ops)
		violation("the done lines count " done_ops " ops, the history has " ops)
	if (no_faults && !done_lines)
		violation("no done line")
	nclients = 0
	for (c in clients)
		nclients++
	printf "check-history: %d lines, %d clients, %d ops (ok %d, fail %d, info %d): " \
	       "read %d, write %d, append %d; %d reads checked; %d finals, %d tokens; " \
	       "%d violations\n", lines, nclients, ops, outcome["ok"] - finals,
	       outcome["fail"], outcome["info"],
	       opcount["read.ok"] + opcount["read.fail"] + opcount["read.info"],
	       opcount["write.ok"] + opcount["write.fail"] + opcount["write.info"],
	       opcount["append.ok"] + opcount["append.fail"] + opcount["append.info"],
	       reads, finals, tokens, violations
	if (lines == 0)
		print "check-history: VIOLATION: no history lines"
	exit violations > 0 || lines == 0
}'
