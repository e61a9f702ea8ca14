/* SPDX-License-Identifier: MIT */
/*
 * pxleak base|check: the no-leak check of the proxy scenarios on any node
 * (docs/PROXY.md, "Failure"), as pxtest does it on node 1 for its own
 * runs, but across a whole scenario:
 *
 *   pxleak base    waits (at most 5 s) until this node's proxy tables are
 *                  empty, then keeps the kernel's object count, its free
 *                  frames, the proxy's peer count and its pooled answer
 *                  ports in /pxleak.base on the node's disk;
 *   pxleak check   waits (at most 10 s) until the tables are empty, the
 *                  kernel objects are at most KOBJECT_SLACK above the base
 *                  plus the answer ports the proxy pooled since (a bounded
 *                  cache of ports, PROXY_STATS answers_pooled), and the
 *                  free memory at most FRAMES_SLACK frames below
 *                  it, plus what the proxy says a peer takes for each
 *                  peer it met since (a peer's link and tables stay
 *                  allocated for the next session), and prints "pxleak: no leak: ..." or
 *                  "pxleak: LEAK: ..." with the figures.
 *
 * Exit status 0, or 1 for a leak or an error.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ulib.h>
#include <unistd.h>
#include <uk/proto/rpc.h>

#include "../../../proxy/server/service.h"

#define MS 1000000ull
#define BASE_FILE "/pxleak.base"
/* Kernel objects above the base: the first session leaves 2, and other
 * tasks (the shell's children) come and go. */
#define KOBJECT_SLACK 8u
/* Free frames below the base: the heaps of the servers that took part
 * may keep a little of what they took (none was seen: a run of every
 * proxy scenario ended exactly at the base plus its peers). */
#define FRAMES_SLACK 32u /* 128 KiB */
/* Each peer the proxy met since the base: what it says a peer takes
 * (PROXY_STATS peer_bytes: its outq, link buffer and tables, kept for the
 * next session), plus its allocator's rounding. */
#define PEER_ROUNDING 32u /* 128 KiB; 112 KiB seen */

static union {
	struct uk_msg_header h;
	uint8_t bytes[UK_MSG_SIZE_MAX];
} m;

static uint64_t now_ms(void)
{
	return (uint64_t)uk_clock() / MS;
}

static long proxy_stats(struct proxy_stats *s)
{
	static uk_name_t proxy;

	if (!proxy) {
		long p = ns_lookup("proxy", 5000 * MS);
		if (p <= 0)
			return p ? p : -ERR_NOT_FOUND;
		proxy = (uk_name_t)p;
	}
	memset(&m.h, 0, sizeof(m.h));
	m.h.id = PROXY_STATS;
	m.h.dest = proxy;
	m.h.size = sizeof(m.h);
	long rc = uk_ipc_call(&m.h, m.h.size, &m.h, sizeof(m), 5000 * MS);
	if (rc < 0)
		return rc;
	const struct uk_rpc_status *st = uk_msg_body(&m.h);
	if (m.h.id != PROXY_STATS || uk_msg_body_len(&m.h) < sizeof(*st))
		return -ERR_INVALID;
	if (st->status < 0)
		return st->status;
	if (uk_msg_body_len(&m.h) < sizeof(*st) + sizeof(*s))
		return -ERR_INVALID;
	memcpy(s, st + 1, sizeof(*s));
	return 0;
}

static bool tables_empty(const struct proxy_stats *s)
{
	return !s->imports && !s->exports && !s->questions && !s->answers &&
	       !s->pending && !s->assembling && !s->outq_bytes &&
	       !s->provisions && !s->waits && !s->accepts && !s->held;
}

static bool memory(uint64_t *kobjects, uint64_t *frames_free)
{
	struct uk_kinfo_memory k;
	if (uk_kinfo(UK_KINFO_MEMORY, &k, sizeof(k)) != sizeof(k))
		return false;
	*kobjects = k.kobjects_in_use;
	*frames_free = k.frames_free;
	return true;
}

static void print_tables(const struct proxy_stats *s)
{
	printf("pxleak: proxy: peers %u (%u up), imports %u, exports %u, "
	       "questions %u, answers %u, pending %u, assembling %u, outq %u "
	       "bytes\n",
	       s->peers, s->links_up, s->imports, s->exports, s->questions,
	       s->answers, s->pending, s->assembling, s->outq_bytes);
}

static int base(void)
{
	struct proxy_stats s;
	uint64_t t0 = now_ms(), k, f;
	long rc;

	do {
		rc = proxy_stats(&s);
		if (rc == 0 && tables_empty(&s))
			break;
		uk_sleep(50 * MS);
	} while (now_ms() - t0 < 5000);
	if (rc < 0 || !tables_empty(&s) || !memory(&k, &f)) {
		if (rc == 0)
			print_tables(&s);
		printf("pxleak: no base: %s\n",
		       rc < 0 ? err_str(rc) : "the proxy's tables are not empty");
		return 1;
	}
	char line[96];
	int n = snprintf(line, sizeof(line), "%lu %lu %u %lu\n", (unsigned long)k,
			 (unsigned long)f, s.peers, (unsigned long)s.answers_pooled);
	int fd = open(BASE_FILE, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, line, (size_t)n) != n || close(fd) < 0) {
		printf("pxleak: cannot write %s\n", BASE_FILE);
		return 1;
	}
	printf("pxleak: base: kernel objects %lu, free memory %lu KiB, proxy "
	       "peers %u, answer ports pooled %lu\n",
	       (unsigned long)k, (unsigned long)f * 4, s.peers,
	       (unsigned long)s.answers_pooled);
	return 0;
}

static int check(void)
{
	char line[96];
	int fd = open(BASE_FILE, O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, line, sizeof(line) - 1) : -1;
	if (fd >= 0)
		close(fd);
	if (n <= 0) {
		printf("pxleak: no base in %s (pxleak base first)\n", BASE_FILE);
		return 1;
	}
	line[n] = '\0';
	char *p = line;
	uint64_t k0 = strtoul(p, &p, 10), f0 = strtoul(p, &p, 10);
	uint32_t peers0 = (uint32_t)strtoul(p, &p, 10);
	uint64_t pooled0 = strtoul(p, &p, 10);

	struct proxy_stats s;
	uint64_t t0 = now_ms(), k = 0, f = 0, allowed = 0, pooled = 0;
	long rc;
	bool ok = false;
	do {
		rc = proxy_stats(&s);
		if (rc == 0 && memory(&k, &f)) {
			uint32_t new_peers = s.peers > peers0 ? s.peers - peers0 : 0;
			allowed = FRAMES_SLACK +
				  (uint64_t)new_peers *
				      ((s.peer_bytes + 4095) / 4096 + PEER_ROUNDING);
			/* Answer ports the proxy keeps for reuse: a bounded
			 * cache, not a leak. */
			pooled = s.answers_pooled > pooled0 ? s.answers_pooled - pooled0 : 0;
			ok = tables_empty(&s) && k <= k0 + KOBJECT_SLACK + pooled &&
			     f + allowed >= f0;
			if (ok)
				break;
		}
		uk_sleep(50 * MS);
	} while (now_ms() - t0 < 10000);
	if (rc < 0) {
		printf("pxleak: LEAK: no proxy stats: %s\n", err_str(rc));
		return 1;
	}
	print_tables(&s);
	printf("pxleak: %s: proxy tables %s after %lu ms; kernel objects %lu "
	       "-> %lu (at most +%lu: %u, and %lu answer ports pooled); free "
	       "memory %lu -> %lu KiB (%ld KiB, at most -%lu with %u new "
	       "peers)\n",
	       ok ? "no leak" : "LEAK", tables_empty(&s) ? "empty" : "NOT empty",
	       (unsigned long)(now_ms() - t0), (unsigned long)k0,
	       (unsigned long)k, (unsigned long)(KOBJECT_SLACK + pooled),
	       KOBJECT_SLACK, (unsigned long)pooled, (unsigned long)f0 * 4,
	       (unsigned long)f * 4, ((long)f - (long)f0) * 4,
	       (unsigned long)allowed * 4,
	       s.peers > peers0 ? s.peers - peers0 : 0);
	return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "base"))
		return base();
	if (argc == 2 && !strcmp(argv[1], "check"))
		return check();
	printf("usage: pxleak base|check\n");
	return 2;
}
