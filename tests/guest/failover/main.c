/* SPDX-License-Identifier: MIT */
/*
 * failover: services that die and are served again, timed (issue #14;
 * docs/ARCHITECTURE.md, "Standbys"; docs/PERFORMANCE.md, "Recovery").
 *
 *   failover restart      (test=failover:restart with=dev,virtio-blk,fs,
 *                         pxtest, on a disk of its own) kill a service
 *                         through init's test port, three times each, and
 *                         time from the kill to the first call that works
 *                         again: "fs" through the adapter (path calls look
 *                         a dead server up again: lib/posix/file.c), and
 *                         pxecho by looking its name up again. Tests
 *                         FOVR0001-0002, "failover: K passed, F failed"
 *   failover client NAME SECONDS
 *                         call pxecho's PXT_NODE through NAME back to back
 *                         for SECONDS; when a call fails, look NAME up
 *                         again until a call works and print "failover:
 *                         served again by node N after T ms", T from the
 *                         last reply before the failure (the cluster
 *                         scenario kills the serving node meanwhile: the
 *                         call in flight then was the first after it)
 *   failover steal NAME SECONDS
 *                         try to register NAME every 5 ms for SECONDS (an
 *                         ordinary program on a standby node, while the
 *                         standby takes over): every try must be refused
 *
 * Every mode ends with "failover: K passed, F failed".
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <ulib.h>
#include <unistd.h>
#include <uk/proto/init.h>
#include <uk/proto/rpc.h>

#include "../pxtest/pxecho.h"

#define MS 1000000ull
#define SECOND 1000000000ull
#define KILLS 3
#define SERVED_AGAIN_NS (10 * SECOND) /* after a kill, at most */
#define CLOCK_CALIBRATED_NS (300 * MS)

static unsigned passed, failed;

#define CHECK(cond, ...)                                                       \
	do {                                                                   \
		if (cond) {                                                    \
			passed++;                                              \
		} else {                                                       \
			failed++;                                              \
			printf("failover: FAILED line %d: ", __LINE__);        \
			printf(__VA_ARGS__);                                   \
			printf("\n");                                          \
		}                                                              \
	} while (0)

union msg {
	struct uk_msg_header h;
	uint8_t bytes[sizeof(struct uk_msg_header) +
		      4 * sizeof(struct uk_msg_port) +
		      sizeof(struct uk_rpc_status) + 64];
	uint64_t align_;
};

static uint64_t now(void)
{
	return uk_clock();
}

static int summary(void)
{
	printf("failover: %u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}

/* A pxecho request op to dest: the reply's u64 in *value. */
static long pxecho_call(uk_name_t dest, uint32_t op, uint64_t *value)
{
	union msg m;

	memset(&m.h, 0, sizeof(m.h));
	m.h.id = op;
	m.h.dest = dest;
	m.h.size = sizeof(m.h);
	long rc = uk_ipc_call(&m.h, m.h.size, &m.h, sizeof(m), 10 * SECOND);
	if (rc < 0)
		return rc;
	const struct uk_rpc_status *st = uk_msg_body(&m.h);
	if (m.h.id != op || uk_msg_body_len(&m.h) < sizeof(*st))
		return -ERR_INVALID;
	if (st->status < 0)
		return st->status;
	if (uk_msg_body_len(&m.h) < sizeof(*st) + 8)
		return -ERR_INVALID;
	memcpy(value, st + 1, 8);
	return 0;
}

/* INIT_TEST_KILL through init.test: its status. */
static long init_test_kill(const char *name)
{
	union msg m;
	long port = ns_lookup("init.test", 0);

	if (port < 0)
		return port;
	memset(&m.h, 0, sizeof(m.h));
	m.h.id = INIT_TEST_KILL;
	m.h.dest = (uk_name_t)port;
	struct uk_init_test_req *rq = uk_msg_body(&m.h);
	memset(rq, 0, sizeof(*rq));
	strlcpy(rq->name, name, sizeof(rq->name));
	m.h.size = sizeof(m.h) + sizeof(*rq);
	long rc = uk_ipc_call(&m.h, m.h.size, &m.h, sizeof(m), 10 * SECOND);
	uk_port_deallocate((uk_name_t)port);
	if (rc < 0)
		return rc;
	return uk_msg_body_len(&m.h) >= sizeof(struct uk_rpc_status)
		   ? ((const struct uk_rpc_status *)uk_msg_body(&m.h))->status
		   : -ERR_INVALID;
}

static void print_times(const char *what, const uint64_t *ms, unsigned n)
{
	uint64_t lo = UINT64_MAX, hi = 0;

	for (unsigned i = 0; i < n; i++) {
		lo = ms[i] < lo ? ms[i] : lo;
		hi = ms[i] > hi ? ms[i] : hi;
	}
	if (n)
		printf(
		    "failover: %s served again after %lu-%lu ms (%u kills)\n",
		    what, (unsigned long)lo, (unsigned long)hi, n);
}

static bool file_is(const char *path, const char *want)
{
	char buf[128];
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return false;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return false;
	buf[n] = '\0';
	return !strcmp(buf, want);
}

/* FOVR0001: fs killed; init restarts it on this node; the adapter finds
 * the new one by name (a path call that meets ERR_DEAD looks "fs" up
 * again) and the file written before is there. */
static void fs_served_again(void)
{
	static const char text[] = "written before the kill\n";
	uint64_t ms[KILLS];
	unsigned n = 0;

	int fd = open("/failover.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0, "create /failover.txt");
	CHECK(fd >= 0 &&
		  write(fd, text, sizeof(text) - 1) == sizeof(text) - 1 &&
		  fsync(fd) == 0 && close(fd) == 0,
	      "write /failover.txt");
	for (int k = 0; k < KILLS; k++) {
		struct stat st;
		unsigned errors = 0;
		uint64_t t0 = now();
		long rc = init_test_kill("fs");
		CHECK(rc == 0, "kill fs: %s", err_str(rc));
		if (rc < 0)
			break;
		bool back = false;
		while (!back && now() - t0 < SERVED_AGAIN_NS) {
			back = stat("/failover.txt", &st) == 0;
			if (!back) {
				errors++;
				uk_sleep(MS);
			}
		}
		uint64_t t = (now() - t0) / MS;
		CHECK(back, "fs not served again within %lu ms",
		      (unsigned long)(SERVED_AGAIN_NS / MS));
		if (!back)
			break;
		printf(
		    "failover: fs served again after %lu ms (%u calls failed "
		    "first)\n",
		    (unsigned long)t, errors);
		ms[n++] = t;
		CHECK(file_is("/failover.txt", text),
		      "/failover.txt is not what was written before the kill");
	}
	print_times("fs", ms, n);
	unlink("/failover.txt");
}

/* FOVR0002: pxtest (pxecho) killed; init restarts it; a client whose
 * right died looks the name up again and reaches the new instance (its
 * count starts again at 1). */
static void pxecho_served_again(void)
{
	uint64_t ms[KILLS], value = 0;
	unsigned n = 0;
	long right = ns_lookup("pxecho", 10 * SECOND);

	CHECK(right > 0, "lookup pxecho: %s", err_str(right));
	if (right <= 0)
		return;
	CHECK(pxecho_call((uk_name_t)right, PXT_COUNT, &value) == 0,
	      "PXT_COUNT");
	for (int k = 0; k < KILLS; k++) {
		unsigned errors = 0;
		uint64_t t0 = now();
		long rc = init_test_kill("pxtest");
		CHECK(rc == 0, "kill pxtest: %s", err_str(rc));
		if (rc < 0)
			break;
		bool back = false;
		while (!back && now() - t0 < SERVED_AGAIN_NS) {
			rc = right > 0 ? pxecho_call((uk_name_t)right,
						     PXT_COUNT, &value)
				       : right;
			back = rc == 0;
			if (back)
				break;
			errors++;
			if (right > 0)
				uk_port_deallocate((uk_name_t)right);
			right = ns_lookup("pxecho", SERVED_AGAIN_NS);
		}
		uint64_t t = (now() - t0) / MS;
		CHECK(back, "pxecho not served again within %lu ms",
		      (unsigned long)(SERVED_AGAIN_NS / MS));
		if (!back)
			break;
		printf("failover: pxecho served again after %lu ms (%u calls "
		       "failed first; its count %lu)\n",
		       (unsigned long)t, errors, (unsigned long)value);
		CHECK(value == 1, "the count is %lu: not a new instance",
		      (unsigned long)value);
		ms[n++] = t;
	}
	print_times("pxecho", ms, n);
	if (right > 0)
		uk_port_deallocate((uk_name_t)right);
}

static int restart(void)
{
	static const struct {
		const char *id, *name;
		void (*run)(void);
	} tests[] = {
	    {"FOVR0001", "fs_served_again_after_kill", fs_served_again},
	    {"FOVR0002", "pxecho_served_again_after_kill", pxecho_served_again},
	};

	/* The clock interpolates between its 10 ms ticks only once it has
	 * calibrated, 200 ms after boot (kernel/timer.c): figures in ms need
	 * that. */
	uk_sleep(CLOCK_CALIBRATED_NS);
	for (unsigned i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		unsigned before = failed;
		tests[i].run();
		printf("failover: %s %s %s\n", tests[i].id, tests[i].name,
		       failed == before ? "ok" : "FAILED");
	}
	return summary();
}

/* Look name up until a PXT_NODE call through it works (or the deadline):
 * the right, its node in *node. */
static long rebind(const char *name, uint64_t deadline, uint64_t *node)
{
	while (now() < deadline) {
		long right = ns_lookup(name, 10 * SECOND);
		if (right > 0 &&
		    pxecho_call((uk_name_t)right, PXT_NODE, node) == 0)
			return right;
		if (right > 0)
			uk_port_deallocate((uk_name_t)right);
		uk_sleep(10 * MS);
	}
	return -ERR_TIMED_OUT;
}

static int client(const char *name, unsigned seconds)
{
	uint64_t node = 0, got = 0, calls = 0, errors = 0, since = 0;
	unsigned rebinds = 0;
	bool moved = false; /* a reply from another node without a failure */
	uint64_t end = now() + seconds * SECOND;
	long right = rebind(name, now() + 30 * SECOND, &node);

	CHECK(right > 0, "no call through %s worked within 30 s", name);
	if (right <= 0)
		return summary();
	printf("failover: %s served by node %lu\n", name, (unsigned long)node);
	uint64_t last = now();
	while (now() < end) {
		long rc = pxecho_call((uk_name_t)right, PXT_NODE, &got);
		if (rc == 0) {
			calls++;
			since++;
			last = now();
			moved |= got != node;
			continue;
		}
		errors++;
		uint64_t failed_after = (now() - last) / MS;
		uk_port_deallocate((uk_name_t)right);
		right = rebind(name, now() + 30 * SECOND, &got);
		CHECK(right > 0, "%s not served again within 30 s of %s", name,
		      err_name(rc));
		if (right <= 0)
			return summary();
		rebinds++;
		printf(
		    "failover: served again by node %lu after %lu ms (the call "
		    "to node %lu ended %s after %lu ms)\n",
		    (unsigned long)got, (unsigned long)((now() - last) / MS),
		    (unsigned long)node, err_name(rc),
		    (unsigned long)failed_after);
		node = got;
		since = 0;
		last = now();
	}
	CHECK(!moved, "a right answered from another node without failing");
	CHECK(errors == rebinds, "%lu calls failed, %u rebinds",
	      (unsigned long)errors, rebinds);
	printf("failover: %s: %lu calls, %lu failed, %u rebinds; the last %lu "
	       "all served by node %lu\n",
	       name, (unsigned long)calls, (unsigned long)errors, rebinds,
	       (unsigned long)since, (unsigned long)node);
	uk_port_deallocate((uk_name_t)right);
	/* Where a new client goes now (the alias's order: docs/ARCHITECTURE.md,
	 * "Standbys"). */
	right = rebind(name, now() + 10 * SECOND, &got);
	if (right > 0) {
		printf("failover: a new lookup of %s reaches node %lu\n", name,
		       (unsigned long)got);
		uk_port_deallocate((uk_name_t)right);
	}
	return summary();
}

static int steal(const char *name, unsigned seconds)
{
	uint64_t end = now() + seconds * SECOND, node = 0;
	unsigned tries = 0, took = 0, other = 0;
	long p = uk_port_allocate(UK_RIGHT_RECEIVE);

	CHECK(p > 0 &&
		  uk_port_insert_right((uk_name_t)p, UK_DISP_MAKE_SEND) >= 0,
	      "a port");
	if (p <= 0)
		return summary();
	printf("failover: trying to register %s for %u s\n", name, seconds);
	while (now() < end) {
		long rc = ns_register(name, (uk_name_t)p);
		tries++;
		if (rc == 0) {
			took++;
			ns_unregister(name);
		} else if (rc != -ERR_PERMISSION && other++ == 0) {
			printf("failover: register %s: %s\n", name,
			       err_name(rc));
		}
		uk_sleep(5 * MS);
	}
	printf("failover: %u tries to register %s, %u took it, %u refused with "
	       "another error than ERR_PERMISSION\n",
	       tries, name, took, other);
	CHECK(took == 0 && other == 0, "%s was not refused every time", name);
	long right = ns_lookup(name, 0);
	if (right > 0 && pxecho_call((uk_name_t)right, PXT_NODE, &node) == 0)
		printf("failover: %s here is served by node %lu\n", name,
		       (unsigned long)node);
	if (right > 0)
		uk_port_deallocate((uk_name_t)right);
	uk_port_destroy((uk_name_t)p);
	return summary();
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "restart"))
		return restart();
	if (argc == 4 && !strcmp(argv[1], "client"))
		return client(argv[2], (unsigned)strtoul(argv[3], NULL, 10));
	if (argc == 4 && !strcmp(argv[1], "steal"))
		return steal(argv[2], (unsigned)strtoul(argv[3], NULL, 10));
	printf("usage: failover restart | failover client NAME SECONDS | "
	       "failover steal NAME SECONDS\n");
	return 2;
}
