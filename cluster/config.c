/* SPDX-License-Identifier: MIT */
/*
 * Cluster configuration parser; pure (see config.h). Cluster-wide keys come
 * first; "node N" opens a block whose keys override the defaults for that
 * node until the next "node" line. Every rejection names the line and says
 * what was expected.
 */
#include "config.h"
#include "text.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define LINE_MAX_LEN 1024

static const char node_keys[] = "memory, cpus, loglevel, role, servers, args";
static const char all_keys[] = "nodes, probes, name, kernel, archive, disk, "
			       "accel, node, memory, cpus, loglevel, role, "
			       "servers, args, icount";

static int fail(struct config_error *err, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(struct config_error *err, int line, const char *fmt, ...)
{
	va_list ap;

	err->line = line;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return -1;
}

void config_default(struct cluster_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->nodes = 3;
	cfg->defaults.memory_mib = 128;
	cfg->defaults.cpus = 1;
	cfg->defaults.loglevel = 2;
	str_copy(cfg->defaults.role, "node", sizeof(cfg->defaults.role));
	for (unsigned i = 0; i < CLUSTER_MAX_NODES; i++)
		cfg->node[i] = cfg->defaults;
}

static int name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
	       c == '-';
}

/* "128", "128M", "128MiB", "1G", "1GiB" -> MiB. */
static int parse_memory(const char *s, unsigned *mib)
{
	char digits[16];
	size_t n = 0;
	unsigned v, scale = 1;

	while (s[n] >= '0' && s[n] <= '9' && n + 1 < sizeof(digits)) {
		digits[n] = s[n];
		n++;
	}
	digits[n] = '\0';
	const char *unit = s + n;
	if (!*unit || !strcmp(unit, "M") || !strcmp(unit, "MiB"))
		scale = 1;
	else if (!strcmp(unit, "G") || !strcmp(unit, "GiB"))
		scale = 1024;
	else
		return -1;
	if (parse_uint(digits, 1, CONFIG_MEMORY_MAX, &v))
		return -1;
	v *= scale;
	if (v < CONFIG_MEMORY_MIN || v > CONFIG_MEMORY_MAX)
		return -1;
	*mib = v;
	return 0;
}

/* servers: names separated by commas or blanks, or "none". */
static int parse_servers(const struct tokens *t, char *out, size_t len,
			 char *why, size_t whylen)
{
	char names[CONFIG_SERVERS_MAX] = "";

	out[0] = '\0';
	if (t->count == 2 &&
	    (!strcmp(t->word[1], "none") || !strcmp(t->word[1], "-")))
		return 0;
	for (int i = 1; i < t->count; i++) {
		const char *p = t->word[i];
		while (*p) {
			char name[CONFIG_ROLE_MAX];
			size_t n = 0;
			while (*p == ',')
				p++;
			if (!*p)
				break;
			while (*p && *p != ',') {
				if (!name_char(*p)) {
					snprintf(why, whylen,
						 "server names use a-z, 0-9, "
						 "'-' and '_' only, not '%c'",
						 *p);
					return -1;
				}
				if (n + 1 >= sizeof(name)) {
					snprintf(why, whylen,
						 "server name longer than %zu "
						 "characters",
						 sizeof(name) - 1);
					return -1;
				}
				name[n++] = *p++;
			}
			name[n] = '\0';
			/* Reject duplicates: init would start the server twice.
			 */
			char padded[CONFIG_SERVERS_MAX + 2];
			char needle[CONFIG_ROLE_MAX + 2];
			snprintf(padded, sizeof(padded), ",%s,", names);
			snprintf(needle, sizeof(needle), ",%s,", name);
			if (strstr(padded, needle)) {
				snprintf(why, whylen,
					 "server '%s' is listed twice", name);
				return -1;
			}
			if (str_append(names, sizeof(names), "%s%s",
				       names[0] ? "," : "", name)) {
				snprintf(
				    why, whylen,
				    "server list longer than %zu characters",
				    sizeof(names) - 1);
				return -1;
			}
		}
	}
	if (!names[0]) {
		snprintf(
		    why, whylen,
		    "servers needs names (\"servers name,fs\") or \"none\"");
		return -1;
	}
	str_copy(out, names, len);
	return 0;
}

/* Keys the tool sets itself; "args" must not smuggle them in. */
static const char *const reserved_args[] = {"node",	"role", "servers",
					    "loglevel", "test", NULL};

static int parse_args(const struct tokens *t, char *out, size_t len, char *why,
		      size_t whylen)
{
	for (int i = 1; i < t->count; i++) {
		const char *w = t->word[i];
		if (!*w) {
			snprintf(why, whylen, "empty kernel argument");
			return -1;
		}
		for (const char *p = w; *p; p++)
			if (*p <= ' ' || *p > '~' || *p == '"') {
				snprintf(why, whylen,
					 "kernel argument '%s' may not contain "
					 "blanks, quotes or control characters",
					 w);
				return -1;
			}
		for (int k = 0; reserved_args[k]; k++) {
			size_t n = strlen(reserved_args[k]);
			if (strncmp(w, reserved_args[k], n) ||
			    (w[n] != '=' && w[n] != '\0'))
				continue;
			if (!strcmp(reserved_args[k], "test"))
				snprintf(
				    why, whylen,
				    "test= runs a test program and powers the "
				    "node off; cluster nodes cannot use it");
			else if (!strcmp(reserved_args[k], "node"))
				snprintf(why, whylen,
					 "node= is set by the tool from the "
					 "node number");
			else
				snprintf(
				    why, whylen,
				    "use the '%s' key instead of %s= in args",
				    reserved_args[k], reserved_args[k]);
			return -1;
		}
		if (str_append(out, len, "%s%s", out[0] ? " " : "", w)) {
			snprintf(why, whylen, "args longer than %zu characters",
				 len - 1);
			return -1;
		}
	}
	return 0;
}

static int one_value(const struct tokens *t, int line, struct config_error *err)
{
	if (t->count < 2)
		return fail(err, line, "'%s' needs a value", t->word[0]);
	if (t->count > 2)
		return fail(err, line, "'%s' takes one value, got %d",
			    t->word[0], t->count - 1);
	return 0;
}

/* A key that may appear for the defaults or inside a node block. */
static int node_key(const struct tokens *t, int line, struct node_config *nc,
		    struct config_error *err)
{
	const char *key = t->word[0];
	char why[200];
	unsigned v;

	if (!strcmp(key, "memory")) {
		if (one_value(t, line, err))
			return -1;
		if (parse_memory(t->word[1], &nc->memory_mib))
			return fail(err, line,
				    "memory must be %u..%u MiB (e.g. 256 or "
				    "1G), not '%s'",
				    CONFIG_MEMORY_MIN, CONFIG_MEMORY_MAX,
				    t->word[1]);
		nc->set |= NODE_SET_MEMORY;
	} else if (!strcmp(key, "cpus")) {
		if (one_value(t, line, err))
			return -1;
		if (parse_uint(t->word[1], 1, CONFIG_CPUS_MAX, &nc->cpus))
			return fail(err, line, "cpus must be 1..%u, not '%s'",
				    CONFIG_CPUS_MAX, t->word[1]);
		nc->set |= NODE_SET_CPUS;
	} else if (!strcmp(key, "loglevel")) {
		if (one_value(t, line, err))
			return -1;
		if (parse_uint(t->word[1], 0, 3, &v))
			return fail(err, line,
				    "loglevel must be 0..3, not '%s'",
				    t->word[1]);
		nc->loglevel = v;
		nc->set |= NODE_SET_LOGLEVEL;
	} else if (!strcmp(key, "role")) {
		if (one_value(t, line, err))
			return -1;
		const char *r = t->word[1];
		if (strlen(r) >= sizeof(nc->role))
			return fail(err, line,
				    "role is longer than %zu characters",
				    sizeof(nc->role) - 1);
		for (const char *p = r; *p; p++)
			if (!name_char(*p) && !(*p >= 'A' && *p <= 'Z') &&
			    *p != '.')
				return fail(err, line,
					    "role uses letters, digits, '.', "
					    "'-' and '_' only, not '%c'",
					    *p);
		if (!*r)
			return fail(err, line, "role may not be empty");
		str_copy(nc->role, r, sizeof(nc->role));
		nc->set |= NODE_SET_ROLE;
	} else if (!strcmp(key, "servers")) {
		if (t->count < 2)
			return fail(err, line,
				    "'servers' needs names (\"servers "
				    "name,fs\") or \"none\"");
		if (parse_servers(t, nc->servers, sizeof(nc->servers), why,
				  sizeof(why)))
			return fail(err, line, "%s", why);
		nc->set |= NODE_SET_SERVERS;
	} else if (!strcmp(key, "args")) {
		if (t->count < 2)
			return fail(err, line, "'args' needs kernel arguments");
		/* Several args lines add up. */
		if (parse_args(t, nc->args, sizeof(nc->args), why, sizeof(why)))
			return fail(err, line, "%s", why);
		nc->set |= NODE_SET_ARGS;
	} else {
		return 1;
	}
	return 0;
}

static void inherit(struct node_config *nc, const struct node_config *def)
{
	if (!(nc->set & NODE_SET_MEMORY))
		nc->memory_mib = def->memory_mib;
	if (!(nc->set & NODE_SET_CPUS))
		nc->cpus = def->cpus;
	if (!(nc->set & NODE_SET_LOGLEVEL))
		nc->loglevel = def->loglevel;
	if (!(nc->set & NODE_SET_ROLE))
		str_copy(nc->role, def->role, sizeof(nc->role));
	if (!(nc->set & NODE_SET_SERVERS))
		str_copy(nc->servers, def->servers, sizeof(nc->servers));
	if (!(nc->set & NODE_SET_ARGS))
		str_copy(nc->args, def->args, sizeof(nc->args));
}

static int global_key(const struct tokens *t, int line,
		      struct cluster_config *cfg, int *nodes_line,
		      struct config_error *err)
{
	const char *key = t->word[0];

	if (!strcmp(key, "nodes")) {
		if (one_value(t, line, err))
			return -1;
		if (parse_uint(t->word[1], 1, CLUSTER_MAX_NODES, &cfg->nodes))
			return fail(err, line, "nodes must be 1..%d, not '%s'",
				    CLUSTER_MAX_NODES, t->word[1]);
		*nodes_line = line;
	} else if (!strcmp(key, "probes")) {
		if (one_value(t, line, err))
			return -1;
		if (parse_uint(t->word[1], 0, CLUSTER_MAX_PROBES, &cfg->probes))
			return fail(err, line, "probes must be 0..%d, not '%s'",
				    CLUSTER_MAX_PROBES, t->word[1]);
	} else if (!strcmp(key, "name")) {
		if (one_value(t, line, err))
			return -1;
		if (!cluster_name_valid(t->word[1]))
			return fail(err, line,
				    "name must be 1..%d characters of a-z, "
				    "0-9, '-' and '_', starting with a letter "
				    "or digit, not '%s'",
				    CLUSTER_NAME_MAX - 1, t->word[1]);
		str_copy(cfg->name, t->word[1], sizeof(cfg->name));
	} else if (!strcmp(key, "kernel") || !strcmp(key, "archive") ||
		   !strcmp(key, "disk")) {
		char *dst = key[0] == 'k' ? cfg->kernel
			    : key[0] == 'a' ? cfg->archive : cfg->disk;
		if (one_value(t, line, err))
			return -1;
		if (!t->word[1][0])
			return fail(err, line, "%s needs a file name", key);
		if (str_copy(dst, t->word[1], CONFIG_PATH_MAX) >=
		    CONFIG_PATH_MAX)
			return fail(err, line,
				    "%s path is longer than %d characters", key,
				    CONFIG_PATH_MAX - 1);
	} else if (!strcmp(key, "accel")) {
		if (one_value(t, line, err))
			return -1;
		if (accel_parse(t->word[1], &cfg->accel))
			return fail(err, line,
				    "accel must be auto, kvm or tcg, not '%s' "
				    "(auto uses KVM when a probe boot shows it "
				    "works, else TCG)",
				    t->word[1]);
		cfg->accel_set = true;
	} else if (!strcmp(key, "icount")) {
		if (one_value(t, line, err))
			return -1;
		if (strcmp(t->word[1], "yes") && strcmp(t->word[1], "no"))
			return fail(err, line,
				    "icount must be yes or no, not '%s' (yes "
				    "runs every node with -icount shift=0 "
				    "under TCG: rdtsc counts instructions)",
				    t->word[1]);
		cfg->icount = !strcmp(t->word[1], "yes");
	} else {
		return 1;
	}
	return 0;
}

int config_parse(const char *text, size_t len, struct cluster_config *cfg,
		 struct config_error *err)
{
	static struct tokens t; /* large; the parser is not reentrant */
	struct node_config *block = NULL;
	unsigned highest_block = 0;
	int nodes_line = 0, defaults_line = 0;
	const char *p = text, *end = text + len;
	char line[LINE_MAX_LEN];
	char why[200];
	int lineno = 0;

	config_default(cfg);
	memset(cfg->node, 0, sizeof(cfg->node));
	err->line = 0;
	err->message[0] = '\0';
	while (p < end) {
		size_t n = 0;
		lineno++;
		while (p < end && *p != '\n') {
			if (*p == '\0')
				return fail(err, lineno,
					    "NUL byte in the text");
			if (n + 1 >= sizeof(line))
				return fail(
				    err, lineno,
				    "line is longer than %zu characters",
				    sizeof(line) - 1);
			line[n++] = *p++;
		}
		if (p < end)
			p++;
		line[n] = '\0';
		if (tokenize(line, &t, why, sizeof(why)))
			return fail(err, lineno, "%s", why);
		if (t.count == 0)
			continue;
		const char *key = t.word[0];
		if (!strcmp(key, "node")) {
			unsigned id;
			if (t.count != 2)
				return fail(
				    err, lineno,
				    "'node' takes one node number (\"node "
				    "2\"); its keys follow on their own lines");
			if (parse_uint(t.word[1], 1, CLUSTER_MAX_NODES, &id))
				return fail(
				    err, lineno,
				    "node number must be 1..%d, not '%s'",
				    CLUSTER_MAX_NODES, t.word[1]);
			block = &cfg->node[id - 1];
			if (block->line)
				return fail(err, lineno,
					    "node %u is configured twice "
					    "(first at line %d)",
					    id, block->line);
			block->line = lineno;
			if (id > highest_block)
				highest_block = id;
			continue;
		}
		int rc =
		    node_key(&t, lineno, block ? block : &cfg->defaults, err);
		if (rc < 0)
			return -1;
		if (rc == 0) {
			if (!block)
				defaults_line = lineno;
			continue;
		}
		rc = global_key(&t, lineno, cfg, &nodes_line, err);
		if (rc < 0)
			return -1;
		if (rc == 0) {
			if (block)
				return fail(
				    err, lineno,
				    "'%s' is cluster-wide; put it before the "
				    "first node block (a node block takes %s)",
				    key, node_keys);
			continue;
		}
		return fail(err, lineno,
			    "unknown key '%s' (expected one of: %s)", key,
			    all_keys);
	}

	if (!nodes_line)
		cfg->nodes = highest_block ? highest_block : 3;
	for (unsigned i = cfg->nodes; i < CLUSTER_MAX_NODES; i++)
		if (cfg->node[i].line)
			return fail(err, cfg->node[i].line,
				    "node %u is configured but the cluster has "
				    "%u nodes (line %d)",
				    i + 1, cfg->nodes, nodes_line);
	for (unsigned i = 0; i < CLUSTER_MAX_NODES; i++)
		inherit(&cfg->node[i], &cfg->defaults);
	for (unsigned i = 1; i <= cfg->nodes; i++) {
		char cmdline[1024];
		int n = config_node_cmdline(cfg, i, cmdline, sizeof(cmdline));
		size_t total = strlen(CLUSTER_IPXE_URI) + 1 + (size_t)n;
		if (n < 0 || total > CLUSTER_CMDLINE_MAX) {
			int at = cfg->node[i - 1].line ? cfg->node[i - 1].line
						       : defaults_line;
			return fail(
			    err, at,
			    "node %u's kernel command line would be %zu bytes; "
			    "iPXE allows %d (shorten args, servers or role)",
			    i, n < 0 ? sizeof(cmdline) : total,
			    CLUSTER_CMDLINE_MAX);
		}
	}
	return 0;
}

int config_set_nodes(struct cluster_config *cfg, unsigned n,
		     struct config_error *err)
{
	err->line = 0;
	if (n < 1 || n > CLUSTER_MAX_NODES)
		return fail(err, 0, "the node count must be 1..%d, not %u",
			    CLUSTER_MAX_NODES, n);
	for (unsigned i = n; i < CLUSTER_MAX_NODES; i++)
		if (cfg->node[i].line)
			return fail(err, cfg->node[i].line,
				    "node %u is configured, so the cluster "
				    "needs at least %u nodes",
				    i + 1, i + 1);
	cfg->nodes = n;
	return 0;
}

int config_node_cmdline(const struct cluster_config *cfg, unsigned node,
			char *buf, size_t len)
{
	const struct node_config *nc = &cfg->node[node - 1];

	buf[0] = '\0';
	if (str_append(buf, len, "node=%u role=%s loglevel=%u", node, nc->role,
		       nc->loglevel))
		return -1;
	if (nc->servers[0] && str_append(buf, len, " servers=%s", nc->servers))
		return -1;
	if (nc->args[0] && str_append(buf, len, " %s", nc->args))
		return -1;
	if (cfg->icount && str_append(buf, len, " icount"))
		return -1;
	return (int)strlen(buf);
}

static int format_node(char *buf, size_t len, const struct node_config *nc,
		       const char *indent)
{
	char q[CONFIG_ROLE_MAX * 2 + 4];

	if (str_append(buf, len, "%smemory %u\n%scpus %u\n%sloglevel %u\n",
		       indent, nc->memory_mib, indent, nc->cpus, indent,
		       nc->loglevel) ||
	    str_append(buf, len, "%srole %s\n", indent,
		       quote_word(nc->role, q, sizeof(q))) ||
	    str_append(buf, len, "%sservers %s\n", indent,
		       nc->servers[0] ? nc->servers : "none"))
		return -1;
	if (nc->args[0] &&
	    str_append(buf, len, "%sargs %s\n", indent, nc->args))
		return -1;
	return 0;
}

int config_format(const struct cluster_config *cfg, char *buf, size_t len)
{
	char q[CONFIG_PATH_MAX * 2 + 4];

	if (!len)
		return -1;
	buf[0] = '\0';
	if (str_append(buf, len, "# ukcluster configuration\n"))
		return -1;
	if (cfg->name[0] && str_append(buf, len, "name %s\n", cfg->name))
		return -1;
	if (str_append(buf, len, "nodes %u\nprobes %u\n", cfg->nodes,
		       cfg->probes))
		return -1;
	if (cfg->kernel[0] && str_append(buf, len, "kernel %s\n",
					 quote_word(cfg->kernel, q, sizeof(q))))
		return -1;
	if (cfg->archive[0] &&
	    str_append(buf, len, "archive %s\n",
		       quote_word(cfg->archive, q, sizeof(q))))
		return -1;
	if (cfg->disk[0] &&
	    str_append(buf, len, "disk %s\n", quote_word(cfg->disk, q, sizeof(q))))
		return -1;
	if (cfg->accel_set &&
	    str_append(buf, len, "accel %s\n", accel_name(cfg->accel)))
		return -1;
	if (cfg->icount && str_append(buf, len, "icount yes\n"))
		return -1;
	if (format_node(buf, len, &cfg->defaults, ""))
		return -1;
	for (unsigned i = 0; i < cfg->nodes; i++) {
		if (str_append(buf, len, "\nnode %u\n", i + 1) ||
		    format_node(buf, len, &cfg->node[i], "\t"))
			return -1;
	}
	return 0;
}
