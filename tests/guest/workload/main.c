/* SPDX-License-Identifier: MIT */
/*
 * workload: the guest side of the fault-tolerance lab (docs/CLUSTER.md,
 * "The workload"). Concurrent clients do file operations through the
 * ordinary adapter and print each one as history lines (history.c) that
 * the host collects from every node and checks:
 *
 *   workload register CLIENTS KEYS SECONDS [DIR]
 *       CLIENTS (1-8) clients each read or write (half each, at random)
 *       one of KEYS register files DIR/rK (default /chaos) for SECONDS;
 *       a write's value "N.C.I" (node, client, op index) is unique.
 *   workload append CLIENTS SECONDS [FILE]
 *       each client appends its unique tokens "N.C.I" to FILE (default
 *       /chaos/append), which other nodes may append to at the same time.
 *   workload final FILE
 *       reads FILE whole and prints its tokens as the history's final
 *       read (after a run, faults healed); as client N.0.
 *   workload test
 *       register 3 4 3, append 3 3, final /chaos/append, then a final
 *       read of a torn file and a read of a foreign record
 *       (guest.workload).
 *
 * Clients are tasks of their own (this program again, in the hidden
 * modes client-register and client-append, started through proc with the
 * adapter's spawn): the adapter is not safe for threads (its path buffer,
 * its descriptor table and errno are shared). Each picks keys and pauses
 * (5-20 ms between operations) from its own seed, printed first. The
 * parent waits for them at most SECONDS plus CLIENT_MARGIN_S, kills those
 * still running then (a client cut off by a fault must not hold the run
 * forever), and prints "workload: done (N clients, M ops)". A client
 * tells its count through a file next to its data (DIR/.count-N.C; the
 * adapter has no pipes and an exit status holds 8 bits); one whose file
 * cannot be read is named on a line of its own and counted as 0.
 *
 * Exit status 0, 1 when a client could not be started or did not end by
 * itself, 2 for a usage error.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <ulib.h>
#include <unistd.h>

#include "workload.h"

#define SELF "/bin/workload"
#define CLIENTS_MAX 8
#define KEYS_MAX 1000
#define SECONDS_MAX 86400
/* How long past its SECONDS a client may take to end: an operation
 * through a dead peer ends within the proxy's deadline, a fresh lookup
 * of the file server within 10 s. */
#define CLIENT_MARGIN_S 30
#define NS 1000000000ull

static unsigned node;

static void usage(void)
{
	printf("usage: workload register CLIENTS KEYS SECONDS [DIR]\n"
	       "       workload append CLIENTS SECONDS [FILE]\n"
	       "       workload final FILE\n"
	       "       workload test\n");
}

/* A decimal argument in [lo, hi], or -1. */
static long number(const char *s, long lo, long hi)
{
	char *end;
	long v = strtol(s, &end, 10);

	return *s && !*end && v >= lo && v <= hi ? v : -1;
}

static unsigned node_number(void)
{
	struct uk_kinfo_boot b;

	if (uk_kinfo(UK_KINFO_BOOT, &b, sizeof(b)) < 0)
		return 0;
	return b.node;
}

/* xorshift64*: enough for picking keys and pauses. */
static uint64_t next_random(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ull;
}

static uint64_t client_seed(unsigned c)
{
	uint64_t s = ((uint64_t)node << 40) ^ ((uint64_t)c << 32) ^ clock_ns() ^
		     ((uint64_t)getpid() << 16);

	/* splitmix64's finaliser: close inputs, unrelated seeds. */
	s = (s ^ (s >> 30)) * 0xbf58476d1ce4e5b9ull;
	s = (s ^ (s >> 27)) * 0x94d049bb133111ebull;
	s ^= s >> 31;
	return s ? s : 1;
}

/* The directory a file is in ("/chaos" for "/chaos/append"). */
static void dir_of(const char *path, char *out, size_t size)
{
	const char *slash = strrchr(path, '/');
	size_t n = slash ? (size_t)(slash - path) : 0;

	if (n == 0 || n >= size) {
		snprintf(out, size, "%s", slash == path ? "/" : ".");
		return;
	}
	memcpy(out, path, n);
	out[n] = '\0';
}

static void count_path(char *out, size_t size, const char *dir, unsigned c)
{
	snprintf(out, size, "%s/.count-%u.%u", dir, node, c);
}

struct tally {
	unsigned long ops, ok, fail, info;
};

static void tally_add(struct tally *t, enum outcome o)
{
	t->ops++;
	if (o == OUTCOME_OK)
		t->ok++;
	else if (o == OUTCOME_FAIL)
		t->fail++;
	else
		t->info++;
}

/* The client's last words: its line, and its count for the parent. */
static int client_end(const char *client, unsigned c, const char *dir,
		      const struct tally *t)
{
	char path[256], text[32];

	printf("workload: client %s done (%lu ops: ok %lu, fail %lu, info "
	       "%lu)\n",
	       client, t->ops, t->ok, t->fail, t->info);
	count_path(path, sizeof(path), dir, c);
	int n = snprintf(text, sizeof(text), "%lu\n", t->ops);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, text, (size_t)n) != n) {
		if (fd >= 0)
			close(fd);
		return 0; /* the parent says it could not read it */
	}
	close(fd);
	return 0;
}

/* A pause of 5-20 ms; false when the client's time is up. */
static int pause_until(uint64_t *seed, uint64_t deadline)
{
	usleep(5000 + next_random(seed) % 15001);
	return clock_ns() < deadline;
}

static int client_register(unsigned c, long keys, long seconds, const char *dir)
{
	char client[CLIENT_MAX], key[16], path[256], value[VALUE_MAX];
	uint64_t seed = client_seed(c), deadline = clock_ns() + seconds * NS;
	struct tally t = {0};

	snprintf(client, sizeof(client), "%u.%u", node, c);
	printf("workload: client %s seed 0x%lx\n", client, (unsigned long)seed);
	do {
		long k = (long)(next_random(&seed) % (uint64_t)keys);
		snprintf(key, sizeof(key), "r%ld", k);
		snprintf(path, sizeof(path), "%s/%s", dir, key);
		if (next_random(&seed) & 1) {
			snprintf(value, sizeof(value), "%s.%lu", client, t.ops);
			tally_add(&t, op_write(client, key, path, value));
		} else {
			tally_add(&t, op_read(client, key, path));
		}
	} while (pause_until(&seed, deadline));
	return client_end(client, c, dir, &t);
}

static int client_append(unsigned c, long seconds, const char *file)
{
	char client[CLIENT_MAX], token[VALUE_MAX], dir[256];
	uint64_t seed = client_seed(c), deadline = clock_ns() + seconds * NS;
	struct tally t = {0};

	snprintf(client, sizeof(client), "%u.%u", node, c);
	printf("workload: client %s seed 0x%lx\n", client, (unsigned long)seed);
	do {
		snprintf(token, sizeof(token), "%s.%lu", client, t.ops);
		tally_add(&t, op_append(client, file, token));
	} while (pause_until(&seed, deadline));
	dir_of(file, dir, sizeof(dir));
	return client_end(client, c, dir, &t);
}

/* The count a client left in dir (and the file goes), or -1 with errno
 * (ENOENT: it left none, EINVAL: not a count). */
static long client_count(const char *dir, unsigned c)
{
	char path[256], text[32];

	count_path(path, sizeof(path), dir, c);
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, text, sizeof(text) - 1);
	int e = errno;
	close(fd);
	unlink(path);
	if (n < 0) {
		errno = e;
		return -1;
	}
	text[n > 0 ? n : 0] = '\0';
	char *end;
	long v = strtol(text, &end, 10);
	if (end == text || *end != '\n') {
		errno = EINVAL;
		return -1;
	}
	return v;
}

/* Start CLIENTS copies of this program in client mode (argv[1..] of
 * theirs after the client number in args), wait for them within
 * SECONDS plus the margin, kill the rest; print the done line. */
static int run_clients(const char *mode, long clients, long seconds,
		       const char *const args[], const char *dir)
{
	long pids[CLIENTS_MAX] = {0};
	int running = 0, status = 0;
	char number_text[CLIENTS_MAX][8];

	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		printf("workload: cannot make %s: %s\n", dir, strerror(errno));
		return 1;
	}
	sync(); /* the directory stays whatever happens to the server */
	for (long c = 1; c <= clients; c++) {
		const char *argv[8] = {"workload", mode, number_text[c - 1]};
		unsigned n = 3;
		snprintf(number_text[c - 1], sizeof(number_text[0]), "%ld", c);
		for (unsigned i = 0; args[i] && n < 7; i++)
			argv[n++] = args[i];
		argv[n] = NULL;
		pids[c - 1] = spawn(SELF, argv);
		if (pids[c - 1] < 0) {
			printf("workload: cannot start client %u.%ld: %s\n",
			       node, c, strerror(errno));
			status = 1;
			pids[c - 1] = 0;
			continue;
		}
		running++;
	}
	uint64_t deadline =
	    clock_ns() + (uint64_t)(seconds + CLIENT_MARGIN_S) * NS;
	while (running > 0 && clock_ns() < deadline) {
		usleep(100000);
		for (long c = 0; c < clients; c++) {
			int st = 0;
			pid_t r =
			    pids[c] ? waitpid((pid_t)pids[c], &st, WNOHANG) : 0;
			if (r == 0)
				continue;
			/* Ended, or lost with proc (r < 0): either way not
			 * ours to wait for any more. */
			if (r < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
				printf("workload: client %u.%ld ended badly "
				       "(%s)\n",
				       node, c + 1,
				       r < 0 ? strerror(errno) : "status");
				status = 1;
			}
			pids[c] = 0;
			running--;
		}
	}
	for (long c = 0; c < clients; c++) {
		if (!pids[c])
			continue;
		printf("workload: client %u.%ld still running after %ld s: "
		       "killed\n",
		       node, c + 1, seconds + CLIENT_MARGIN_S);
		kill((pid_t)pids[c], SIGKILL);
		/* Collected if proc answers soon; never waited for long. */
		for (int i = 0; i < 20; i++) {
			if (waitpid((pid_t)pids[c], NULL, WNOHANG) != 0)
				break;
			usleep(100000);
		}
		status = 1;
	}
	/* Counts are read while faults may still cut the file server off:
	 * after the first that cannot be read for that, the others are not
	 * asked (each could take a lookup's 10 s). */
	unsigned long ops = 0;
	int reachable = 1;
	for (long c = 1; c <= clients; c++) {
		long n = reachable ? client_count(dir, (unsigned)c) : -1;
		if (n >= 0) {
			ops += (unsigned long)n;
			continue;
		}
		const char *why = reachable ? strerror(errno) : "not read";
		if (reachable && errno != ENOENT && errno != EINVAL)
			reachable = 0;
		printf("workload: client %u.%ld left no count (%s)\n", node, c,
		       why);
	}
	printf("workload: done (%ld clients, %lu ops)\n", clients, ops);
	return status;
}

static int run_register(long clients, long keys, long seconds, const char *dir)
{
	char keys_text[16], seconds_text[16];
	const char *args[] = {keys_text, seconds_text, dir, NULL};

	snprintf(keys_text, sizeof(keys_text), "%ld", keys);
	snprintf(seconds_text, sizeof(seconds_text), "%ld", seconds);
	return run_clients("client-register", clients, seconds, args, dir);
}

static int run_append(long clients, long seconds, const char *file)
{
	char seconds_text[16], dir[256];
	const char *args[] = {seconds_text, file, NULL};

	snprintf(seconds_text, sizeof(seconds_text), "%ld", seconds);
	dir_of(file, dir, sizeof(dir));
	return run_clients("client-append", clients, seconds, args, dir);
}

static int run_final(const char *file)
{
	char client[CLIENT_MAX];

	snprintf(client, sizeof(client), "%u.0", node);
	return op_final(client, file) == 0 ? 0 : 1;
}

/* path made to hold exactly the n bytes at data; 0 or -1. */
static int put_file(const char *path, const char *data, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0)
		return -1;
	ssize_t put = write(fd, data, n);
	return close(fd) == 0 && put == (ssize_t)n ? 0 : -1;
}

/* guest.workload: a short run of each mode, then what no client of the
 * run writes, read as it must be shown: a torn and a foreign line of an
 * append file (/chaos/torn) and a foreign register record
 * (/chaos/foreign) come out as "?HEX" (run-workload.sh checks them). */
static int run_test(void)
{
	int rc = run_register(3, 4, 3, "/chaos");

	rc |= run_append(3, 3, "/chaos/append");
	rc |= run_final("/chaos/append");
	if (put_file("/chaos/torn", "1.1.0\nxyz\n1.2", 13) < 0 ||
	    put_file("/chaos/foreign", "hello", 5) < 0) {
		printf("workload: cannot write the test's files: %s\n",
		       strerror(errno));
		rc = 1;
	}
	rc |= run_final("/chaos/torn");
	char client[CLIENT_MAX];
	snprintf(client, sizeof(client), "%u.0", node);
	op_read(client, "foreign", "/chaos/foreign");
	printf("workload: test %s\n", rc ? "FAILED" : "done");
	return rc;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	long a = argc > 2 ? number(argv[2], 1, CLIENTS_MAX) : -1;

	node = node_number();
	if (!strcmp(mode, "register") && (argc == 5 || argc == 6)) {
		long keys = number(argv[3], 1, KEYS_MAX);
		long seconds = number(argv[4], 1, SECONDS_MAX);
		if (a > 0 && keys > 0 && seconds > 0)
			return run_register(a, keys, seconds,
					    argc == 6 ? argv[5] : "/chaos");
	} else if (!strcmp(mode, "append") && (argc == 4 || argc == 5)) {
		long seconds = number(argv[3], 1, SECONDS_MAX);
		if (a > 0 && seconds > 0)
			return run_append(
			    a, seconds, argc == 5 ? argv[4] : "/chaos/append");
	} else if (!strcmp(mode, "final") && argc == 3) {
		return run_final(argv[2]);
	} else if (!strcmp(mode, "test") && argc == 2) {
		return run_test();
	} else if (!strcmp(mode, "client-register") && argc == 6) {
		long keys = number(argv[3], 1, KEYS_MAX);
		long seconds = number(argv[4], 1, SECONDS_MAX);
		if (a > 0 && keys > 0 && seconds > 0)
			return client_register((unsigned)a, keys, seconds,
					       argv[5]);
	} else if (!strcmp(mode, "client-append") && argc == 5) {
		long seconds = number(argv[3], 1, SECONDS_MAX);
		if (a > 0 && seconds > 0)
			return client_append((unsigned)a, seconds, argv[4]);
	}
	usage();
	return 2;
}
