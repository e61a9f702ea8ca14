/* SPDX-License-Identifier: MIT */
/* Node logs from the host side; see logwatch.h. Logs are only appended to,
 * so readers keep a byte offset and read whole lines past it. */
#include "logwatch.h"
#include "text.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define POLL_MS 50

int log_parse(const char *line, struct log_fields *f)
{
	const char *p;

	if (strlen(line) < 16 || line[2] != ':' || line[12] != ' ' ||
	    line[13] != '+')
		return -1;
	memcpy(f->stamp, line, 12);
	f->stamp[12] = '\0';
	p = line + 14;
	while (*p == ' ')
		p++;
	f->elapsed = strtod(p, NULL);
	while ((*p >= '0' && *p <= '9') || *p == '.')
		p++;
	if (p[0] != ' ' || (p[1] != '|' && p[1] != '#') ||
	    (p[2] != ' ' && p[2] != '\0'))
		return -1;
	f->kind = p[1];
	f->text = p[2] ? p + 3 : p + 2;
	return 0;
}

/* Calls fn for each complete line at or after *offset, advancing it. */
static int read_lines(const char *path, off_t *offset,
		      int (*fn)(void *ctx, const char *line, off_t end),
		      void *ctx)
{
	char buf[16384], line[2048];
	size_t n = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	off_t pos = *offset;

	if (fd < 0)
		return -1;
	for (;;) {
		ssize_t r = pread(fd, buf, sizeof(buf), pos);
		if (r <= 0)
			break;
		for (ssize_t i = 0; i < r; i++) {
			if (buf[i] != '\n') {
				if (n + 1 < sizeof(line))
					line[n++] = buf[i];
				continue;
			}
			line[n] = '\0';
			n = 0;
			*offset = pos + i + 1;
			if (fn(ctx, line, *offset)) {
				close(fd);
				return 1;
			}
		}
		pos += r;
	}
	close(fd);
	return 0;
}

static int note_boot(void *ctx, const char *line, off_t end)
{
	struct log_fields f;

	if (!log_parse(line, &f) && f.kind == '#' &&
	    !strncmp(f.text, "boot:", 5))
		*(off_t *)ctx = end;
	return 0;
}

off_t log_boot_offset(const char *path)
{
	off_t boot = 0, offset = 0;

	read_lines(path, &offset, note_boot, &boot);
	return boot;
}

off_t log_end_offset(const char *path)
{
	struct stat st;

	return stat(path, &st) ? 0 : st.st_size;
}

struct tail {
	char (*lines)[1200];
	unsigned n, next, fill;
};

static int keep_line(void *ctx, const char *line, off_t end)
{
	struct tail *t = ctx;

	(void)end;
	str_copy(t->lines[t->next], line, sizeof(t->lines[0]));
	t->next = (t->next + 1) % t->n;
	if (t->fill < t->n)
		t->fill++;
	return 0;
}

void log_print_tail(const char *path, unsigned n, const char *prefix, FILE *out)
{
	struct tail t = {calloc(n ? n : 1, sizeof(t.lines[0])), n ? n : 1, 0,
			 0};
	off_t offset = 0;

	if (!t.lines)
		return;
	read_lines(path, &offset, keep_line, &t);
	if (!t.fill)
		fprintf(out, "%s(empty log)\n", prefix);
	for (unsigned i = 0; i < t.fill; i++)
		fprintf(out, "%s%s\n", prefix,
			t.lines[(t.next + t.n - t.fill + i) % t.n]);
	free(t.lines);
}

struct watch_ctx {
	const regex_t *re;
	enum watch_mode mode;
	int hit;
	char *line;
	size_t len;
};

static int watch_line(void *ctx, const char *line, off_t end)
{
	struct watch_ctx *w = ctx;
	struct log_fields f;

	(void)end;
	if (log_parse(line, &f))
		return 0;
	if (w->mode == WATCH_SILENT ? f.kind == '|'
				    : regexec(w->re, f.text, 0, NULL, 0) == 0) {
		w->hit = 1;
		str_copy(w->line, line, w->len);
		return 1;
	}
	return 0;
}

/* The text the supervisor logs when QEMU stopped a node on a KVM internal
 * error (runstate.c). */
#define KVM_ERROR_EVENT "state: kvm-internal-error"

struct kvm_ctx {
	int stopped; /* since the last boot line read */
	char *line;
	size_t len;
};

static int kvm_line(void *ctx, const char *line, off_t end)
{
	struct kvm_ctx *k = ctx;
	struct log_fields f;

	(void)end;
	if (log_parse(line, &f) || f.kind != '#')
		return 0;
	if (!strncmp(f.text, "boot:", 5)) {
		k->stopped = 0;
	} else if (!strncmp(f.text, KVM_ERROR_EVENT, strlen(KVM_ERROR_EVENT))) {
		k->stopped = 1;
		str_copy(k->line, f.text, k->len);
	}
	return 0;
}

int log_watch(const struct cluster_paths *p, const unsigned *nodes, int count,
	      const off_t *offsets, const regex_t *re, enum watch_mode mode,
	      uint64_t deadline_ms, const volatile sig_atomic_t *stop,
	      struct watch_result *result)
{
	off_t *pos = calloc((size_t)count, sizeof(*pos));
	off_t *kvm_pos = calloc((size_t)count, sizeof(*kvm_pos));
	int *done = calloc((size_t)count, sizeof(*done));
	struct kvm_ctx *kvm = calloc((size_t)count, sizeof(*kvm));
	int rc = 1;

	memset(result, 0, sizeof(*result));
	if (!pos || !kvm_pos || !done || !kvm) {
		rc = 1;
		goto out;
	}
	for (int i = 0; i < count; i++) {
		char path[PATH_MAX];
		pos[i] = offsets[i];
		/* The error may predate the scope (a `wait --since now`):
		 * what counts is whether the node is stopped now. */
		node_file(p, nodes[i], "log", path, sizeof(path));
		kvm_pos[i] = log_boot_offset(path);
		kvm[i].line = result->line;
		kvm[i].len = sizeof(result->line);
	}
	for (;;) {
		int pending = 0;
		for (int i = 0; i < count; i++) {
			char path[PATH_MAX];
			struct watch_ctx w = {re, mode, 0, result->line,
					      sizeof(result->line)};
			if (done[i])
				continue;
			node_file(p, nodes[i], "log", path, sizeof(path));
			read_lines(path, &pos[i], watch_line, &w);
			if (w.hit) {
				result->node = nodes[i];
				if (mode != WATCH_MATCH)
					goto out; /* a violation */
				done[i] = 1;
				continue;
			}
			if (mode == WATCH_MATCH) {
				read_lines(path, &kvm_pos[i], kvm_line,
					   &kvm[i]);
				if (kvm[i].stopped) {
					result->node = nodes[i];
					result->kvm_error = 1;
					goto out;
				}
			}
			pending++;
		}
		if (mode == WATCH_MATCH && !pending) {
			rc = 0;
			goto out;
		}
		if (stop && *stop) {
			rc = -1;
			goto out;
		}
		if (!path_exists(p->dir)) {
			result->cluster_gone = 1;
			goto out;
		}
		if (mono_ms() >= deadline_ms) {
			if (mode != WATCH_MATCH) {
				rc = 0;
				goto out;
			}
			for (int i = 0; i < count; i++)
				if (!done[i]) {
					result->node = nodes[i];
					result->line[0] = '\0';
					break;
				}
			goto out;
		}
		sleep_ms(POLL_MS);
	}
out:
	free(pos);
	free(kvm_pos);
	free(done);
	free(kvm);
	return rc;
}

struct show_ctx {
	const char *prefix;
};

static int print_line(void *ctx, const char *line, off_t end)
{
	struct show_ctx *s = ctx;

	(void)end;
	printf("%s%s\n", s->prefix, line);
	return 0;
}

struct merged_line {
	double elapsed;
	unsigned node;
	size_t seq;
	char *text;
};

struct merge_ctx {
	struct merged_line *lines;
	size_t count, cap;
	unsigned node;
};

static int collect_line(void *ctx, const char *line, off_t end)
{
	struct merge_ctx *m = ctx;
	struct log_fields f;

	(void)end;
	if (m->count == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 1024;
		struct merged_line *grown =
		    realloc(m->lines, cap * sizeof(*grown));
		if (!grown)
			return 1;
		m->lines = grown;
		m->cap = cap;
	}
	struct merged_line *l = &m->lines[m->count];
	l->elapsed = log_parse(line, &f) ? 0 : f.elapsed;
	l->node = m->node;
	l->seq = m->count;
	l->text = strdup(line);
	if (!l->text)
		return 1;
	m->count++;
	return 0;
}

static int by_time(const void *a, const void *b)
{
	const struct merged_line *x = a, *y = b;

	if (x->elapsed != y->elapsed)
		return x->elapsed < y->elapsed ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Several logs as one, in the order things happened. */
static void print_merged(const struct cluster_paths *p, const unsigned *nodes,
			 int count, unsigned last, off_t *pos)
{
	struct merge_ctx m = {NULL, 0, 0, 0};
	char path[PATH_MAX];

	for (int i = 0; i < count; i++) {
		node_file(p, nodes[i], "log", path, sizeof(path));
		m.node = nodes[i];
		read_lines(path, &pos[i], collect_line, &m);
	}
	qsort(m.lines, m.count, sizeof(*m.lines), by_time);
	size_t from = last && m.count > last ? m.count - last : 0;
	for (size_t i = 0; i < m.count; i++) {
		if (i >= from)
			printf("node%-2u %s\n", m.lines[i].node,
			       m.lines[i].text);
		free(m.lines[i].text);
	}
	free(m.lines);
}

int log_show(const struct cluster_paths *p, const unsigned *nodes, int count,
	     unsigned last, int follow, const volatile sig_atomic_t *stop)
{
	off_t *pos = calloc((size_t)count, sizeof(*pos));
	char path[PATH_MAX], prefix[16] = "";

	if (!pos)
		return 1;
	for (int i = 0; i < count; i++) {
		node_file(p, nodes[i], "log", path, sizeof(path));
		if (!path_exists(path)) {
			msg("node %u has no log (%s)", nodes[i], path);
			free(pos);
			return 1;
		}
	}
	if (count > 1) {
		print_merged(p, nodes, count, last, pos);
	} else if (last) {
		node_file(p, nodes[0], "log", path, sizeof(path));
		log_print_tail(path, last, "", stdout);
		pos[0] = log_end_offset(path);
	}
	do {
		for (int i = 0; i < count; i++) {
			struct show_ctx s = {prefix};
			node_file(p, nodes[i], "log", path, sizeof(path));
			if (count > 1)
				snprintf(prefix, sizeof(prefix), "node%-2u ",
					 nodes[i]);
			read_lines(path, &pos[i], print_line, &s);
		}
		fflush(stdout);
		if (!follow)
			break;
		if (!path_exists(p->dir)) {
			msg("cluster '%s' stopped", p->name);
			break;
		}
		sleep_ms(100);
	} while (!(stop && *stop));
	free(pos);
	return 0;
}
