/* SPDX-License-Identifier: MIT */
/*
 * shelltest: the console server, the process server and the shell in the
 * guest. Tests have stable ids (CONS*, PROC*, SH*, HOST*); `shelltest`
 * runs all but HOST (which needs keys typed on the host), `shelltest
 * ID|name|GROUP ...` runs those. The run ends with "shelltest: N passed,
 * N failed".
 *
 * Tests talk to the servers with hand-built messages, so they pin the
 * protocols (uk/proto/cons.h, proc.h) and not only the adapter. The shell
 * runs as a child of the process server with this test's own port as its
 * standard input and output (a fake console, fakecons.c): the test reads
 * exactly what the shell printed and types exactly the bytes it chooses.
 */
#ifndef SHELLTEST_H
#define SHELLTEST_H

#include <stdbool.h>
#include <ulib.h>

#define MS 1000000ull
#define SECOND 1000000000ull

struct st_test {
	const char *id;
	const char *name;
	void (*run)(void);
};

#define DEFINE_TEST(ID, NAME)                                              \
	static void ID##_run(void);                                        \
	__attribute__((used, section("shelltests"), aligned(8))) static const \
		struct st_test ID##_desc = { #ID, #NAME, ID##_run };        \
	static void ID##_run(void)

extern int st_failures;
void st_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define EXPECT(cond)                                                 \
	do {                                                         \
		if (!(cond))                                         \
			st_fail(__FILE__, __LINE__, "%s", #cond);    \
	} while (0)
#define EXPECT_EQ(a, b)                                                        \
	do {                                                                   \
		long long a_ = (long long)(a), b_ = (long long)(b);            \
		if (a_ != b_)                                                  \
			st_fail(__FILE__, __LINE__, "%s == %s: %lld != %lld", #a, \
				#b, a_, b_);                                   \
	} while (0)
#define EXPECT_ERR(expr, err)                                                  \
	do {                                                                   \
		long r_ = (long)(expr);                                        \
		if (r_ != -(long)(err))                                        \
			st_fail(__FILE__, __LINE__, "%s: got %ld (%s), want %s", \
				#expr, r_, r_ < 0 ? err_name(r_) : "success",   \
				err_name(err));                                \
	} while (0)
/* got must equal want exactly (shown escaped when not). */
#define EXPECT_STR(got, want) st_expect_str(__FILE__, __LINE__, (got), (want))
/* got must contain want. */
#define EXPECT_HAS(got, want) st_expect_has(__FILE__, __LINE__, (got), (want))
void st_expect_str(const char *file, int line, const char *got, const char *want);
void st_expect_has(const char *file, int line, const char *got, const char *want);

/* Room for any message. */
union st_buf {
	struct uk_msg_header h;
	uint8_t bytes[UK_MSG_SIZE_MAX];
	uint64_t align_;
};

/* A new receive right with a send right under the same name. */
uk_name_t st_port(void);
/* The status word of a reply (or -ERR_INVALID if it has none). */
long st_status(const struct uk_msg_header *h);
/* The reply struct after the status. */
void *st_reply_body(struct uk_msg_header *h);

/* ---- the process server ---- */
uk_name_t proc_service(void);
/* PROC_SPAWN of path with argv, stdio (0: none) as port[0]; returns the
 * task id or a negative error. *cap gets the task capability the reply
 * carried (0 if none); cap NULL: it is dropped. */
long proc_spawn(const char *path, const char *const argv[], uk_name_t stdio,
		uk_name_t *cap);
/* PROC_WAIT or PROC_KILL of task through cap (0: the unbadged service
 * port), with badge written into the header as a forger would (the
 * kernel overwrites it); fills st on a PROC_WAIT that succeeded. */
long proc_request(uint32_t id, uk_name_t cap, uint64_t task, uint64_t timeout_ns,
		  uint64_t badge, struct uk_exit_status *st);
/* PROC_WAIT through cap with a timeout; fills st. */
long proc_wait(uk_name_t cap, uint64_t task, uint64_t timeout_ns,
	       struct uk_exit_status *st);
long proc_kill(uk_name_t cap, uint64_t task);
/* The badge of a send right (0 if it has none or is no right). */
uint64_t st_badge(uk_name_t right);
/* Programs run as "shelltest WORD ARG..." through proc by test_proc.c:
 * the second client of PROC0006, the receiver of a capability in
 * PROC0007, the name filler of PROC0009. */
int proc_probe(const char *victim_hex, const char *badge_hex);
int proc_cap_kill(const char *victim_hex);
int ns_fill(const char *prefix);
/* PROC0011's program (test_proc.c), run through proc. */
int quota_probe(void);

/* ---- the fake console (fakecons.c) ---- */
struct fakecons {
	uk_name_t port;	      /* receive right; children get send rights */
	const char *input;    /* bytes to hand to readers */
	size_t input_len, input_pos;
	size_t chunk;	      /* at most this many bytes per read (0: all) */
	bool input_closed;    /* after the input: reads get 0 bytes (EOF) */
	char output[16384];   /* what was written, NUL-terminated */
	size_t output_len;
	unsigned reads, writes;
};
void fakecons_init(struct fakecons *fc);
void fakecons_fini(struct fakecons *fc);
/* Start path with argv and fc as its standard input and output, serve fc
 * until the task ends (deadline timeout_ns: then it is killed); returns
 * its exit status (reason 0 if it could not be started or waited for). */
struct uk_exit_status fakecons_run(struct fakecons *fc, const char *path,
				   const char *const argv[], uint64_t timeout_ns);

/* Run `shell -c cmds` on a fresh fake console; its output in out (the
 * fake console's buffer), its exit code returned (-1000 if it did not
 * end normally). */
int sh(const char *cmds, struct fakecons *fc);

#endif
