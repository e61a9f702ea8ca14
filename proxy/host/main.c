/* SPDX-License-Identifier: MIT */
/*
 * uk-proxy-host: a Linux command that joins a cluster as node 1024 and
 * calls services on a node through its proxy (docs/PROXY.md, "The host").
 * Run it inside the cluster's network:
 *
 *   ukcluster exec host -- uk-proxy-host 2 services
 *   ukcluster exec host -- uk-proxy-host 2 cat /README
 *   ukcluster exec host -- uk-proxy-host 2 ls /docs
 *
 * Exit status: 0 success; 1 the node answered with an error (not found,
 * not a directory, ...) or the output failed; 2 usage; 3 the node could
 * not be reached, or the session ended or timed out mid-way.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pxh.h"

#define EXIT_ANSWER 1
#define EXIT_USAGE 2
#define EXIT_UNREACHABLE 3
#define READ_CHUNK (256u << 10) /* > UK_RPC_INLINE_DATA: out of line */

static const char *prog = "uk-proxy-host";
static bool verbose;

static int usage(void)
{
	fprintf(
	    stderr,
	    "usage: %s [options] NODE COMMAND [ARG]\n"
	    "commands:\n"
	    "  services     the node's names, aliases and resolvers\n"
	    "  cat PATH     a file of the node's fs, to stdout\n"
	    "  ls PATH      a directory of the node's fs\n"
	    "  stat PATH    a file's type, size and inode\n"
	    "options:\n"
	    "  --deadline MS   a silent node is dead after MS (default 1000)\n"
	    "  --connect MS    try to reach the node this long (default: the "
	    "deadline)\n"
	    "  --timeout MS    a call's own deadline (default 10000)\n"
	    "  --net A.B.C.D   node N is this address + N (default "
	    "10.77.0.10)\n"
	    "  --port PORT     the nodes' proxy port (default 7070)\n"
	    "  -v              link and session counters on stderr\n",
	    prog);
	return EXIT_USAGE;
}

/* Exit status for an error of a call (see the top of the file). */
static int fail(struct pxh_peer *p, const char *what, int rc)
{
	const char *why = p ? pxh_why(p) : "";
	if ((rc == -ERR_UNREACHABLE || rc == -ERR_DEAD ||
	     rc == -ERR_TIMED_OUT) &&
	    why[0])
		fprintf(stderr, "%s: %s: %s (%s)\n", prog, what, err_str(rc),
			why);
	else
		fprintf(stderr, "%s: %s: %s\n", prog, what, err_str(rc));
	return rc == -ERR_UNREACHABLE || rc == -ERR_DEAD || rc == -ERR_TIMED_OUT
		   ? EXIT_UNREACHABLE
		   : EXIT_ANSWER;
}

static bool parse_u32(const char *s, uint32_t max, uint32_t *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (!*s || *end || errno || v > max)
		return false;
	*out = (uint32_t)v;
	return true;
}

static bool parse_ipv4(const char *s, uint8_t out[4])
{
	for (int i = 0; i < 4; i++) {
		char *end;
		unsigned long v = strtoul(s, &end, 10);
		if (end == s || v > 255 || (i < 3 && *end != '.') ||
		    (i == 3 && *end))
			return false;
		out[i] = (uint8_t)v;
		s = end + 1;
	}
	return true;
}

static int cmd_services(struct pxh_peer *p)
{
	struct uk_name_entry *e;
	long n = pxh_list(p, &e);

	if (n < 0)
		return fail(p, "services", (int)n);
	printf("NAME                             NODE  FLAGS\n");
	for (long i = 0; i < n; i++) {
		char name[2 * UK_NAME_MAX + 16], where[12];
		if (e[i].node == UK_NAME_ANY_NODE)
			snprintf(where, sizeof(where), "*");
		else
			snprintf(where, sizeof(where), "%u", e[i].node);
		if (e[i].flags & UK_NAME_ENTRY_ALIAS)
			snprintf(name, sizeof(name), "%s -> %s@%u", e[i].name,
				 e[i].target, e[i].node);
		else
			snprintf(name, sizeof(name), "%s", e[i].name);
		printf("%-32s %5s  %s%s\n", name, where,
		       e[i].flags & UK_NAME_ENTRY_ALIAS ? "(alias)" : "",
		       e[i].flags & UK_NAME_ENTRY_RESOLVER ? "(resolver)" : "");
	}
	free(e);
	return 0;
}

static int cmd_cat(struct pxh_peer *p, pxh_import_t fs, const char *path)
{
	pxh_import_t file;
	struct uk_stat st;
	int rc = pxh_fs_open(p, fs, path, UK_O_RDONLY, &file, &st);

	if (rc < 0)
		return fail(p, path, rc);
	if ((st.mode & UK_S_IFMT) == UK_S_IFDIR) {
		pxh_fs_close(p, file);
		return fail(p, path, -ERR_IS_DIR);
	}
	uint8_t *buf = malloc(READ_CHUNK);
	uint64_t off = 0;
	int status = 0;
	while (buf) {
		long got = pxh_fs_read(p, file, off, buf, READ_CHUNK);
		if (got < 0) {
			status = fail(p, path, (int)got);
			break;
		}
		if (got && fwrite(buf, 1, (size_t)got, stdout) != (size_t)got) {
			fprintf(stderr, "%s: stdout: %s\n", prog,
				strerror(errno));
			status = EXIT_ANSWER;
			break;
		}
		off += (uint64_t)got;
		if ((uint32_t)got < READ_CHUNK)
			break; /* the end of the file */
	}
	if (!buf)
		status = fail(p, path, -ERR_NO_MEMORY);
	free(buf);
	rc = pxh_fs_close(p, file);
	if (rc < 0 && !status)
		status = fail(p, path, rc);
	if (fflush(stdout) != 0 && !status) {
		fprintf(stderr, "%s: stdout: %s\n", prog, strerror(errno));
		status = EXIT_ANSWER;
	}
	return status;
}

static int print_entry(void *ctx, const char *name, uint8_t type)
{
	(void)ctx;
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		return 0;
	printf("%s%s\n", name, type == UK_DT_DIR ? "/" : "");
	return 0;
}

static int cmd_ls(struct pxh_peer *p, pxh_import_t fs, const char *path)
{
	pxh_import_t dir;
	struct uk_stat st;
	int rc =
	    pxh_fs_open(p, fs, path, UK_O_RDONLY | UK_O_DIRECTORY, &dir, &st);

	if (rc < 0)
		return fail(p, path, rc);
	rc = pxh_fs_readdir(p, dir, print_entry, NULL);
	int status = rc < 0 ? fail(p, path, rc) : 0;
	rc = pxh_fs_close(p, dir);
	if (rc < 0 && !status)
		status = fail(p, path, rc);
	return status;
}

static int cmd_stat(struct pxh_peer *p, pxh_import_t fs, const char *path)
{
	struct uk_stat st;
	int rc = pxh_fs_stat(p, fs, path, &st);

	if (rc < 0)
		return fail(p, path, rc);
	const char *type = (st.mode & UK_S_IFMT) == UK_S_IFDIR	 ? "directory"
			   : (st.mode & UK_S_IFMT) == UK_S_IFLNK ? "symlink"
			   : (st.mode & UK_S_IFMT) == UK_S_IFREG ? "file"
								 : "other";
	printf("%s: %s, %llu bytes, inode %llu, mode %o, %u links\n", path,
	       type, (unsigned long long)st.size, (unsigned long long)st.ino,
	       st.mode & 07777u, st.nlink);
	return 0;
}

static void report(const struct pxh_peer *p)
{
	const struct px_link_counters *l = pxh_link_counters(p);
	const struct pxh_counters *c = pxh_counters(p);
	fprintf(
	    stderr,
	    "%s: node %u: frames sent %llu resent %llu received %llu (dup %llu "
	    "ooo %llu stale %llu bad %llu); calls %llu, replies %llu, "
	    "refused %llu, releases %llu\n",
	    prog, pxh_node(p), (unsigned long long)l->sent,
	    (unsigned long long)l->resent, (unsigned long long)l->received,
	    (unsigned long long)l->dup, (unsigned long long)l->ooo,
	    (unsigned long long)l->stale, (unsigned long long)l->bad,
	    (unsigned long long)c->calls, (unsigned long long)c->replies,
	    (unsigned long long)c->refused, (unsigned long long)c->releases);
}

int main(int argc, char **argv)
{
	struct pxh_options o = {0};
	uint32_t v;
	int i = 1;

	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i],
			   *val = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "-v")) {
			verbose = true;
			continue;
		}
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage();
			return 0;
		}
		if (!val)
			return usage();
		i++;
		if (!strcmp(a, "--deadline") && parse_u32(val, 600000, &v) && v)
			o.deadline_ms = v;
		else if (!strcmp(a, "--connect") && parse_u32(val, 3600000, &v))
			o.connect_ms = v;
		else if (!strcmp(a, "--timeout") &&
			 parse_u32(val, 3600000, &v) && v)
			o.call_timeout_ms = v;
		else if (!strcmp(a, "--net") && parse_ipv4(val, o.net_base))
			;
		else if (!strcmp(a, "--port") && parse_u32(val, 65535, &v) && v)
			o.port = (uint16_t)v;
		else {
			fprintf(stderr, "%s: bad option %s %s\n", prog, a, val);
			return usage();
		}
	}
	if (argc - i < 2)
		return usage();
	uint32_t node;
	if (!parse_u32(argv[i], PXH_NODE - 1, &node) || !node) {
		fprintf(stderr, "%s: %s: not a node number\n", prog, argv[i]);
		return EXIT_USAGE;
	}
	const char *cmd = argv[i + 1], *arg = argc - i > 2 ? argv[i + 2] : NULL;
	bool needs_path = strcmp(cmd, "services") != 0;
	if (needs_path && strcmp(cmd, "cat") && strcmp(cmd, "ls") &&
	    strcmp(cmd, "stat")) {
		fprintf(stderr, "%s: unknown command %s\n", prog, cmd);
		return usage();
	}
	if (argc - i != (needs_path ? 3 : 2))
		return usage();
	if (needs_path && arg[0] != '/') {
		fprintf(stderr, "%s: %s: paths on the node are absolute\n",
			prog, arg);
		return EXIT_USAGE;
	}

	struct pxh_peer *p;
	char why[256];
	int rc = pxh_open((uint16_t)node, &o, &p, why, sizeof(why));
	if (rc < 0) {
		fprintf(stderr, "%s: %s\n", prog, why);
		return rc == -ERR_INVALID ? EXIT_USAGE : EXIT_UNREACHABLE;
	}
	int status;
	if (!needs_path) {
		status = cmd_services(p);
	} else {
		pxh_import_t fs;
		rc = pxh_lookup(p, "fs", &fs);
		if (rc < 0) {
			status = fail(p, "the node's fs", rc);
		} else {
			if (!strcmp(cmd, "cat"))
				status = cmd_cat(p, fs, arg);
			else if (!strcmp(cmd, "ls"))
				status = cmd_ls(p, fs, arg);
			else
				status = cmd_stat(p, fs, arg);
			pxh_release(p, fs);
		}
	}
	if (verbose)
		report(p);
	pxh_close(p);
	return status;
}
