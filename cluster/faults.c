/* SPDX-License-Identifier: MIT */
/* Partition parsing and nftables rule generation; pure (see faults.h). */
#include "faults.h"
#include "text.h"

#include <stdio.h>
#include <string.h>

int partition_parse(const char *spec, unsigned nodes, unsigned probes,
		    struct fault_state *fs, char *why, size_t whylen)
{
	unsigned char node_group[CLUSTER_MAX_NODES + 1] = {0};
	unsigned char probe_group[CLUSTER_MAX_PROBES + 1] = {0};
	unsigned group = 1, members = 0;
	const char *p = spec;

	for (;;) {
		char word[32];
		size_t n = 0;
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (*p == '/' || !*p) {
			if (!members) {
				snprintf(why, whylen,
					 "group %u of the partition is empty "
					 "(write groups as \"1,2 / 3\")",
					 group);
				return -1;
			}
			if (!*p)
				break;
			p++;
			group++;
			members = 0;
			if (group > CLUSTER_MAX_NODES + CLUSTER_MAX_PROBES) {
				snprintf(why, whylen, "too many groups");
				return -1;
			}
			continue;
		}
		while (*p && *p != ' ' && *p != '\t' && *p != ',' &&
		       *p != '/') {
			if (n + 1 >= sizeof(word)) {
				word[n] = '\0';
				snprintf(why, whylen,
					 "'%.20s...' is not a node", word);
				return -1;
			}
			word[n++] = *p++;
		}
		word[n] = '\0';
		struct target t;
		if (target_parse(word, 0, &t) ||
		    (t.kind != TARGET_NODE && t.kind != TARGET_PROBE)) {
			snprintf(why, whylen,
				 "'%s' is not a node (1, 2, ...) or probe (p1, "
				 "p2, ...)",
				 word);
			return -1;
		}
		unsigned limit = t.kind == TARGET_NODE ? nodes : probes;
		unsigned max = t.kind == TARGET_NODE ? CLUSTER_MAX_NODES
						     : CLUSTER_MAX_PROBES;
		if (t.index > max || (limit && t.index > limit) ||
		    (nodes && t.kind == TARGET_PROBE && !probes)) {
			if (t.kind == TARGET_NODE)
				snprintf(why, whylen,
					 "node %u does not exist (the cluster "
					 "has %u nodes)",
					 t.index, limit);
			else
				snprintf(why, whylen,
					 "probe p%u does not exist (the "
					 "cluster has %u probes)",
					 t.index, limit);
			return -1;
		}
		unsigned char *slot = t.kind == TARGET_NODE
					  ? &node_group[t.index]
					  : &probe_group[t.index];
		if (*slot && *slot != group) {
			snprintf(why, whylen, "%s is in groups %u and %u", word,
				 *slot, group);
			return -1;
		}
		*slot = (unsigned char)group;
		members++;
	}
	if (group < 2) {
		snprintf(why, whylen,
			 "a partition needs at least two groups separated by "
			 "'/' (\"1,2 / 3\")");
		return -1;
	}
	fs->groups = group;
	memcpy(fs->node_group, node_group, sizeof(node_group));
	memcpy(fs->probe_group, probe_group, sizeof(probe_group));
	return 0;
}

void partition_describe(const struct fault_state *fs, char *buf, size_t len)
{
	buf[0] = '\0';
	for (unsigned g = 1; g <= fs->groups; g++) {
		int first = 1;
		if (g > 1)
			str_append(buf, len, " / ");
		for (unsigned i = 1; i <= CLUSTER_MAX_NODES; i++)
			if (fs->node_group[i] == g) {
				str_append(buf, len, "%s%u", first ? "" : ",",
					   i);
				first = 0;
			}
		for (unsigned i = 1; i <= CLUSTER_MAX_PROBES; i++)
			if (fs->probe_group[i] == g) {
				str_append(buf, len, "%sp%u", first ? "" : ",",
					   i);
				first = 0;
			}
	}
}

/* { "tap1", "probe2" } for the members of group g. */
static int group_set(const struct fault_state *fs, unsigned g, char *buf,
		     size_t len)
{
	int first = 1;

	buf[0] = '\0';
	if (str_append(buf, len, "{ "))
		return -1;
	for (unsigned i = 1; i <= CLUSTER_MAX_NODES; i++)
		if (fs->node_group[i] == g) {
			if (str_append(buf, len, "%s\"tap%u\"",
				       first ? "" : ", ", i))
				return -1;
			first = 0;
		}
	for (unsigned i = 1; i <= CLUSTER_MAX_PROBES; i++)
		if (fs->probe_group[i] == g) {
			if (str_append(buf, len, "%s\"probe%u\"",
				       first ? "" : ", ", i))
				return -1;
			first = 0;
		}
	return str_append(buf, len, " }");
}

/* One rule per lossy port; 100 % drops everything (numgen's range is 0-99,
 * so "< 100" would be refused by nft). */
static int loss_rule(const char *dir, const char *port, unsigned i,
		     unsigned percent, char *buf, size_t len)
{
	if (percent >= 100)
		return str_append(buf, len, "\t\t%s \"%s%u\" drop\n", dir,
				  port, i);
	return str_append(buf, len,
			  "\t\t%s \"%s%u\" numgen random mod 100 < %u drop\n",
			  dir, port, i, percent);
}

static int loss_rules(const struct fault_state *fs, const char *dir, char *buf,
		      size_t len)
{
	for (unsigned i = 1; i <= CLUSTER_MAX_NODES; i++)
		if (fs->node_loss[i] &&
		    loss_rule(dir, "tap", i, fs->node_loss[i], buf, len))
			return -1;
	for (unsigned i = 1; i <= CLUSTER_MAX_PROBES; i++)
		if (fs->probe_loss[i] &&
		    loss_rule(dir, "probe", i, fs->probe_loss[i], buf, len))
			return -1;
	return 0;
}

int faults_ruleset(const struct fault_state *fs, char *buf, size_t len)
{
	static const char chain_head[] = "\tchain %s {\n\t\ttype filter hook "
					 "%s priority 0; policy accept;\n";
	char from[512], to[512];

	if (!len)
		return -1;
	buf[0] = '\0';
	/* Declaring then deleting makes the replacement one atomic
	 * transaction whether or not the table existed. */
	if (str_append(buf, len,
		       "table bridge " FAULTS_TABLE "\n"
		       "delete table bridge " FAULTS_TABLE "\n"
		       "table bridge " FAULTS_TABLE " {\n") ||
	    str_append(buf, len, chain_head, "forward", "forward"))
		return -1;
	/* Frames between two groups are dropped where the bridge forwards
	 * them; frames to and from the bridge itself (DHCP, TFTP, host
	 * probes) are not forwarded and so never match. */
	for (unsigned a = 1; a <= fs->groups; a++)
		for (unsigned b = 1; b <= fs->groups; b++) {
			if (a == b)
				continue;
			if (group_set(fs, a, from, sizeof(from)) ||
			    group_set(fs, b, to, sizeof(to)) ||
			    str_append(buf, len,
				       "\t\tiifname %s oifname %s drop\n", from,
				       to))
				return -1;
		}
	/* Loss applies to each frame entering from the port (prerouting)
	 * and to each frame leaving through it (postrouting). */
	if (str_append(buf, len, "\t}\n") ||
	    str_append(buf, len, chain_head, "prerouting", "prerouting") ||
	    loss_rules(fs, "iifname", buf, len) ||
	    str_append(buf, len, "\t}\n") ||
	    str_append(buf, len, chain_head, "postrouting", "postrouting") ||
	    loss_rules(fs, "oifname", buf, len) ||
	    str_append(buf, len, "\t}\n}\n"))
		return -1;
	return 0;
}
