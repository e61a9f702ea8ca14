/* SPDX-License-Identifier: MIT */
/*
 * The world the adapter tests run in: a fake kernel behind uk_syscall6 and
 * fake servers behind ipc_call.
 *
 * ipc_call checks every request as the kernel and the protocol rules
 * (include/uk/proto/rpc.h) demand, keeps a copy of it (sent()), and answers
 * with the next scripted reply (reply()), which a test may make as
 * malformed as a server could: another id, a short body, extra ports,
 * out-of-line regions. Bytes of the receive buffer beyond the reply are
 * filled with REPLY_CANARY and, when the buffer is on the (fake) stack and
 * no further reply is scripted, poisoned for ASan: reading them is a
 * reported error.
 *
 * The fake also keeps the books on what the adapter owns. Every right it
 * hands out (ns_lookup, reply ports, startup rights) is counted, and
 * port_deallocate of a name the adapter does not hold, or a request sent
 * to one, fails the test; every out-of-line region it hands out must come
 * back through vm_free with its address and size by the end of the test.
 *
 * The adapter keeps state between calls (the fs and proc ports, the
 * working directory, open descriptors, the stdout buffer), so the books on
 * rights are kept for the whole run; the logs, scripts and regions are per
 * test (harness_setup, harness_teardown). At the end of each test every
 * scripted reply must have been asked for, every region freed, every
 * descriptor closed and no open-file right (NAME_FILE) left with the
 * adapter; teardown then cleans up whatever a failed test left, so one
 * failure does not cascade.
 */
#ifndef TEST_POSIX_HARNESS_H
#define TEST_POSIX_HARNESS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <uk/errors.h>
#include <uk/ipc.h>
#include <uk/proto/cons.h>
#include <uk/proto/fs.h>
#include <uk/proto/proc.h>
#include <uk/proto/rpc.h>
#include <uk/syscall.h>
#include <uk/types.h>

#include "adapter.h"

/* Names in the adapter's name table, as the fake kernel hands them out:
 * 64-bit, index << 32 | generation (the kernel's ipc_name_make), so a name
 * cut to 32 bits anywhere in the adapter keeps only its generation and
 * fails the test. */
#define FAKE_NAME(index, generation)                                           \
	((uk_name_t)(index) << 32 | (uint32_t)(generation))
#define NAME_BOOTSTRAP FAKE_NAME(1, 1)
#define NAME_FS FAKE_NAME(2, 1)	      /* "fs" */
#define NAME_FS_AGAIN FAKE_NAME(2, 2) /* "fs" after a restart */
#define NAME_PROC FAKE_NAME(3, 1)     /* "proc" */
#define NAME_PROC_AGAIN FAKE_NAME(3, 2)
#define NAME_CONSOLE FAKE_NAME(4, 1)
#define NAME_REPLY FAKE_NAME(5, 1) /* the thread's reply port */
/* Open-file ports: indexes from 0x100, generation 5. */
#define NAME_FILE(i) FAKE_NAME(0x100u + (uint32_t)(i), 5)
#define IS_NAME_FILE(n) ((uint32_t)(n) == 5u && (uint64_t)(n) >> 32 >= 0x100u)

#define REPLY_CANARY 0xeeu
#define FAKE_TASK_SELF 0x0000000700000042ull
#define FAKE_CLOCK_NS 1234567891234ull

/* ---- test lifetime ---- */
int harness_setup(void **state);
int harness_teardown(void **state);
#define TEST(f)                                                                \
	cmocka_unit_test_setup_teardown(f, harness_setup, harness_teardown)

/* Tests of behaviour lib/posix does not have yet; each names the bug, the
 * fix is in the report to the lead. Skipped unless the CMake option
 * UK_POSIX_PENDING_FIXES is on; the first statement of such a test. */
#ifdef UK_POSIX_PENDING_FIXES
#define PENDING_FIX(why) ((void)0)
#else
#define PENDING_FIX(why) skip()
#endif

/* ---- requests, as the kernel took them ---- */
struct sent_msg {
	struct uk_msg_header h;
	struct uk_msg_port ports[UK_MSG_PORTS_MAX];
	struct uk_msg_ool ool[UK_MSG_OOL_MAX];
	uint8_t *ool_data[UK_MSG_OOL_MAX]; /* copies of the regions */
	uint8_t body[UK_MSG_INLINE_MAX];
	uint32_t body_len;
	uint64_t timeout_ns;
};
unsigned sent_count(void);
const struct sent_msg *sent(unsigned i);
void sent_clear(void);
/* The body of request i, checked to be operation id to dest with exactly
 * req_len + extra bytes; returns its start. */
const void *sent_body(unsigned i, uint32_t id, uk_name_t dest, size_t req_len,
		      size_t extra);
/* Request i as an FS path operation: its struct and its path(s), NUL
 * terminated (the lengths and the body size are checked). */
const struct uk_fs_path_req *sent_path_req(unsigned i, uint32_t id);
const char *sent_path(unsigned i);
const char *sent_new_path(unsigned i);
/* Request i as a file operation with a struct uk_file_io_req. */
const struct uk_file_io_req *sent_io_req(unsigned i, uint32_t id,
					 uk_name_t file, size_t extra);

/* ---- scripted replies, used in order ---- */
struct reply {
	long transport; /* nonzero: ipc_call fails with it, nothing arrives */
	uint32_t id;	/* 0: the request's id */
	bool raw;	/* body without struct uk_rpc_status */
	int32_t status;
	uint8_t body[UK_MSG_INLINE_MAX];
	uint32_t body_len;
	unsigned n_ports;
	struct uk_msg_port ports[UK_MSG_PORTS_MAX]; /* name, UK_RIGHT_* */
	unsigned n_ool;
	struct {
		uint8_t *data; /* NULL with len 0: "no room" (address 0) */
		size_t len;
	} ool[UK_MSG_OOL_MAX];
};
/* A reply with that status; add to it with the functions below. */
struct reply *reply(int32_t status);
void reply_add(struct reply *r, const void *p, size_t n);
void reply_port(struct reply *r, uk_name_t name, uint32_t rights);
void reply_ool(struct reply *r, const void *p, size_t n);
/* ipc_call itself fails with err (e.g. -ERR_DEAD: the server died). */
void reply_transport(long err);
unsigned replies_left(void);

/* Shorthands for the common replies. */
void reply_open(uk_name_t file, uint64_t size);
void reply_io(uint32_t len, const void *data, size_t data_len);
void reply_stat(const struct uk_stat *st);
void reply_empty(void);

/* ---- rights and regions ---- */
/* The adapter now holds one more reference of name, of kind rights. */
void right_give(uk_name_t name, uint32_t rights);
unsigned right_refs(uk_name_t name);
/* port_deallocate calls on name during this test. */
unsigned deallocations(uk_name_t name);
/* Regions handed out and not freed yet; vm_free calls this test. */
unsigned ool_outstanding(void);
unsigned vm_frees(void);

/* ---- mappings ---- */
/* vm_map_object, vm_allocate (UK_VM_LAZY only), vm_sync and vm_free, in
 * order, each with how many requests were sent before it. Mappings get
 * made-up addresses nothing may touch; vm_sync must stay inside one
 * window, vm_free take a whole mapping, and every mapping must be gone
 * at the end of a test. */
struct vm_call {
	long n; /* SYS_* */
	uint64_t a[5];
	unsigned sent_before;
};
unsigned vm_call_count(void);
const struct vm_call *vm_call(unsigned i);
unsigned windows_outstanding(void);
extern long fake_vm_sync_result; /* what vm_sync answers (pages returned) */
extern long fake_vm_map_result;	 /* nonzero: vm_map_object fails with it */

/* ---- the name server ---- */
/* What ns_lookup(name) answers from now on: a name (a new reference each
 * time) or a negative error. "NAME@NODE" is what ns_lookup_node(NAME,
 * NODE) answers (ERR_UNREACHABLE for a node never told). */
void ns_answer(const char *name, long answer);
unsigned ns_lookups(const char *name);
/* The name ns_lookup(name) handed out last (0: none yet). */
uk_name_t ns_given(const char *name);
/* The fs port the adapter uses now: makes sure it has looked "fs" up (one
 * FS_UNLINK, answered and forgotten) and returns it. */
uk_name_t fs_in_use(void);

/* ---- other syscalls ---- */
const char *debug_log(void); /* bytes given to debug_write this test */
size_t debug_log_len(void);
extern long fake_task_kill_result;
extern uint64_t fake_task_killed; /* 0: task_kill not called */
extern uint64_t fake_slept_ns;
/* The startup block uk_startup_info points at (n_rights 1: bootstrap). */
extern struct uk_startup fake_startup;
/* Set in a forked child: fake failures print and _exit(99). */
extern bool harness_in_child;
/* Syscalls and lookups so far in this process. */
extern unsigned long harness_calls;

/* Groups of the other test files, run by main() in test_posix_files.c. */
extern const struct CMUnitTest posix_path_tests[], posix_dir_tests[],
    posix_proc_tests[], posix_stdio_init_tests[], posix_stdio_tests[],
    posix_seek_stat_tests[], posix_errno_tests[], posix_node_tests[],
    posix_mman_tests[];
extern const size_t posix_path_tests_count, posix_dir_tests_count,
    posix_proc_tests_count, posix_stdio_init_tests_count,
    posix_stdio_tests_count, posix_seek_stat_tests_count,
    posix_errno_tests_count, posix_node_tests_count, posix_mman_tests_count;

/* Open path through the fake fs as NAME_FILE(i) (one request, consumed). */
int open_file(const char *path, int flags, unsigned i);
/* Close fd, answering its FILE_CLOSE; checks the right went back. */
void close_file(int fd, unsigned i);

#endif
