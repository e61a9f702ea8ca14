/* SPDX-License-Identifier: MIT */
/* shelltest runner and the message helpers the tests share (shelltest.h). */
#include <string.h>
#include <uk/proto/proc.h>

#include "shelltest.h"

extern const struct st_test __start_shelltests[], __stop_shelltests[];

int st_failures;

void st_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	st_failures++;
	printf("shelltest:   FAIL %s:%d: ", file, line);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

/* s with control bytes escaped, for failure messages (static buffer). */
static const char *escaped(const char *s, char *buf, size_t size)
{
	size_t n = 0;

	for (; *s && n + 5 < size; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '\n') {
			buf[n++] = '\\';
			buf[n++] = 'n';
		} else if (c == '\r') {
			buf[n++] = '\\';
			buf[n++] = 'r';
		} else if (c < 0x20 || c >= 0x7f) {
			n += (size_t)snprintf(buf + n, size - n, "\\x%02x", c);
		} else {
			buf[n++] = (char)c;
		}
	}
	buf[n] = '\0';
	return buf;
}

void st_expect_str(const char *file, int line, const char *got, const char *want)
{
	static char a[2048], b[2048];

	if (strcmp(got, want))
		st_fail(file, line, "got \"%s\", want \"%s\"", escaped(got, a, sizeof(a)),
			escaped(want, b, sizeof(b)));
}

void st_expect_has(const char *file, int line, const char *got, const char *want)
{
	static char a[2048], b[2048];

	if (!strstr(got, want))
		st_fail(file, line, "\"%s\" lacks \"%s\"", escaped(got, a, sizeof(a)),
			escaped(want, b, sizeof(b)));
}

uk_name_t st_port(void)
{
	long p = uk_port_allocate(UK_RIGHT_RECEIVE);

	if (p <= 0 || uk_port_insert_right((uk_name_t)p, UK_DISP_MAKE_SEND) < 0) {
		st_fail(__FILE__, __LINE__, "cannot make a port: %s", err_name(p));
		return 0;
	}
	return (uk_name_t)p;
}

long st_status(const struct uk_msg_header *h)
{
	if (uk_msg_body_len(h) < sizeof(struct uk_rpc_status))
		return -ERR_INVALID;
	return ((const struct uk_rpc_status *)uk_msg_body(h))->status;
}

void *st_reply_body(struct uk_msg_header *h)
{
	return (uint8_t *)uk_msg_body(h) + sizeof(struct uk_rpc_status);
}

uk_name_t proc_service(void)
{
	static uk_name_t port;

	if (!port) {
		long rc = ns_lookup("proc", 10 * SECOND);
		if (rc > 0)
			port = (uk_name_t)rc;
		else
			st_fail(__FILE__, __LINE__, "no process server: %s", err_name(rc));
	}
	return port;
}

long proc_spawn(const char *path, const char *const argv[], uk_name_t stdio,
		uk_name_t *cap)
{
	static union st_buf b;
	struct uk_proc_spawn_req rq = { 0 };
	uint8_t *p;

	memset(&b.h, 0, sizeof(b.h));
	b.h.id = PROC_SPAWN;
	b.h.dest = proc_service();
	if (stdio) {
		b.h.n_ports = 1;
		uk_msg_ports(&b.h)[0] = (struct uk_msg_port){ stdio, UK_DISP_MAKE_SEND };
	}
	rq.path_len = (uint16_t)strlen(path);
	rq.priority = -1;
	p = (uint8_t *)uk_msg_body(&b.h) + sizeof(rq);
	memcpy(p, path, rq.path_len);
	p += rq.path_len;
	for (; argv[rq.argc]; rq.argc++) {
		size_t n = strlen(argv[rq.argc]) + 1;
		memcpy(p, argv[rq.argc], n);
		p += n;
		rq.argv_len += (uint32_t)n;
	}
	memcpy(uk_msg_body(&b.h), &rq, sizeof(rq));
	b.h.size = (uint32_t)(p - b.bytes);
	if (cap)
		*cap = 0;
	long rc = uk_ipc_call(&b.h, b.h.size, &b.h, sizeof(b), 10 * SECOND);
	if (rc < 0)
		return rc;
	uk_name_t got = b.h.n_ports ? uk_msg_ports(&b.h)[0].name : 0;
	rc = st_status(&b.h);
	if (cap && rc >= 0)
		*cap = got;
	else if (got)
		uk_port_deallocate(got);
	if (rc < 0)
		return rc;
	return (long)((struct uk_proc_spawn_reply *)st_reply_body(&b.h))->task;
}

long proc_request(uint32_t id, uk_name_t cap, uint64_t task, uint64_t timeout_ns,
		  uint64_t badge, struct uk_exit_status *st)
{
	static union st_buf b;
	struct uk_proc_wait_req rq = { task, timeout_ns };

	memset(&b.h, 0, sizeof(b.h));
	b.h.id = id;
	b.h.dest = cap ? cap : proc_service();
	b.h.badge = badge;
	memcpy(uk_msg_body(&b.h), &rq, sizeof(rq));
	b.h.size = sizeof(b.h) + sizeof(rq);
	long rc = uk_ipc_call(&b.h, b.h.size, &b.h, sizeof(b), UK_TIMEOUT_INFINITE);
	if (rc < 0)
		return rc;
	rc = st_status(&b.h);
	if (rc == 0 && st) {
		if (uk_msg_body_len(&b.h) < sizeof(struct uk_rpc_status) + sizeof(*st))
			return -ERR_INVALID;
		memcpy(st, st_reply_body(&b.h), sizeof(*st));
	}
	return rc;
}

long proc_wait(uk_name_t cap, uint64_t task, uint64_t timeout_ns,
	       struct uk_exit_status *st)
{
	return proc_request(PROC_WAIT, cap, task, timeout_ns, 0, st);
}

long proc_kill(uk_name_t cap, uint64_t task)
{
	return proc_request(PROC_KILL, cap, task, 0, 0, NULL);
}

uint64_t st_badge(uk_name_t right)
{
	struct uk_port_info info;

	return right && uk_port_info(right, &info) == 0 ? info.badge : 0;
}

static int selected(const struct st_test *t, int argc, char **argv)
{
	/* HOST tests need input typed on the host: only when asked for. */
	if (argc <= 1)
		return strncmp(t->id, "HOST", 4) != 0;
	for (int i = 1; i < argc; i++) {
		size_t n = strlen(argv[i]);
		if (!strcmp(argv[i], t->id) || !strcmp(argv[i], t->name) ||
		    (n < strlen(t->id) && !strncmp(argv[i], t->id, n) &&
		     t->id[n] >= '0' && t->id[n] <= '9'))
			return 1;
	}
	return 0;
}

#define MAX_TESTS 128

int main(int argc, char **argv)
{
	static const struct st_test *order[MAX_TESTS];
	int passed = 0, failed = 0, n = 0;

	if (argc > 3 && !strcmp(argv[1], "proc-probe"))
		return proc_probe(argv[2], argv[3]);
	if (argc > 2 && !strcmp(argv[1], "proc-cap-kill"))
		return proc_cap_kill(argv[2]);
	if (argc > 2 && !strcmp(argv[1], "ns-fill"))
		return ns_fill(argv[2]);
	if (argc > 1 && !strcmp(argv[1], "quota-probe"))
		return quota_probe();

	for (const struct st_test *t = __start_shelltests; t < __stop_shelltests && n < MAX_TESTS;
	     t++) {
		int i = n++;
		while (i > 0 && strcmp(order[i - 1]->id, t->id) > 0) {
			order[i] = order[i - 1];
			i--;
		}
		order[i] = t;
	}
	for (int k = 0; k < n; k++) {
		const struct st_test *t = order[k];
		if (!selected(t, argc, argv))
			continue;
		st_failures = 0;
		uint64_t start = (uint64_t)uk_clock();
		t->run();
		uint64_t ms = ((uint64_t)uk_clock() - start) / MS;
		if (st_failures) {
			failed++;
			printf("shelltest: %s %s FAILED\n", t->id, t->name);
		} else {
			passed++;
			printf("shelltest: %s %s ok (%lu ms)\n", t->id, t->name,
			       (unsigned long)ms);
		}
	}
	if (passed + failed == 0)
		printf("shelltest: no test matches the arguments\n");
	printf("shelltest: %d passed, %d failed\n", passed, failed);
	return failed || passed == 0;
}
