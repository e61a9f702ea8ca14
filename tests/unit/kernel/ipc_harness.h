/* SPDX-License-Identifier: MIT */
/*
 * The world the IPC unit tests run in: three fake tasks A, B and C (each a
 * struct task with a real name table, a thread that makes syscalls, a
 * second thread a test may block in receive, and 128 KiB of user memory),
 * helpers that make syscalls as one of them, build messages in its memory
 * and read what it received, and snapshots for "nothing changed". Every
 * test starts from nothing and ends by ending all three tasks, after which
 * no kernel object or frame may remain (ipc_teardown checks).
 */
#ifndef TEST_IPC_HARNESS_H
#define TEST_IPC_HARNESS_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <uk/errors.h>

#include "hwcap.h"
#include "ipc.h"
#include "quota.h"
#include "slab.h"
#include "syscall_table.h"
#include "task.h"
#include "vm.h"

#include "fake_kernel.h"

struct fake_task {
	struct task task;
	struct thread thread; /* makes the syscalls */
	struct thread waiter; /* blocked in receive, when a test says so */
	struct fake_aspace aspace;
	bool started;
	uint8_t mem[FAKE_USER_SIZE] __attribute__((aligned(4096)));
};

/* Where things live in every fake task's user memory. */
#define MSG_ADDR (FAKE_USER_BASE + 0x0000)
#define RECV_ADDR (FAKE_USER_BASE + 0x4000)
#define RECV_SIZE 0x2000ull
#define INFO_ADDR (FAKE_USER_BASE + 0x8000)
#define WAIT_ADDR (FAKE_USER_BASE + 0xa000)
#define WAIT_SIZE 0x2000ull
#define SPARE_ADDR (FAKE_USER_BASE + 0xc000) /* 16 KiB up to FAKE_OOL_AREA */
#define SPARE_SIZE 0x4000ull

#define MSG_ID 0x1234u
#define BODY "payload"
/* What msg_init plus one msg_port makes. */
#define ONE_RIGHT_MSG_SIZE                                                     \
	(sizeof(struct uk_msg_header) + sizeof(struct uk_msg_port) +           \
	 sizeof(BODY))

/* Task ids (slot | generation << 32): a receiver sees the whole id as
 * uk_msg_header.sender. */
#define A_SENDER ((7ull << 32) | 0x11u)
#define B_SENDER ((7ull << 32) | 0x22u)
#define C_SENDER ((7ull << 32) | 0x33u)

/* Badges the tests mint: nonzero, and using all 64 bits. */
#define BADGE_1 0x8000000000000001ull
#define BADGE_2 0x00000000b0b0b0b0ull

extern struct fake_task ipc_tasks[3];
static struct fake_task *const A = &ipc_tasks[0];
static struct fake_task *const B = &ipc_tasks[1];
static struct fake_task *const C = &ipc_tasks[2];

/* Each task starts with an account of its own, carved from a root far
 * larger than the fake frame pool. fill_quota charges all the account has
 * left, as if the task had used it up (returns the bytes); a test gives
 * them back with unfill_quota before it ends. */
#define ROOT_QUOTA (1ull << 30)
#define TASK_QUOTA (64ull << 20)
uint64_t quota_used(struct fake_task *ft);
uint64_t fill_quota(struct fake_task *ft);
void unfill_quota(struct fake_task *ft, uint64_t filled);

int ipc_setup(void **state);
int ipc_teardown(void **state);
#define IPC_TEST(f) cmocka_unit_test_setup_teardown(f, ipc_setup, ipc_teardown)

/* What the kernel does when a task ends: threads first, then rights, then
 * its address space (its windows onto memory objects). */
void task_end(struct fake_task *ft);
void run_as(struct fake_task *ft);

/* ---- syscalls as a task ---- */

uk_name_t port_new(struct fake_task *ft); /* a receive right */
int64_t insert_right(struct fake_task *ft, uk_name_t name,
		     unsigned disposition);
void make_send(struct fake_task *ft, uk_name_t name); /* MAKE_SEND, checked */
uk_name_t make_send_once(struct fake_task *ft, uk_name_t name);
/* port_mint as ft; and checked: the new name (> 0). */
int64_t port_mint(struct fake_task *ft, uk_name_t name, uint64_t badge);
uk_name_t mint(struct fake_task *ft, uk_name_t name, uint64_t badge);
int64_t deallocate(struct fake_task *ft, uk_name_t name);
int64_t destroy(struct fake_task *ft, uk_name_t name);
int64_t request(struct fake_task *ft, uk_name_t name, unsigned kind,
		uk_name_t notify);
int64_t set_limit(struct fake_task *ft, uk_name_t name, uint64_t limit);
int64_t info_of(struct fake_task *ft, uk_name_t name, struct uk_port_info *out);
struct uk_port_info info(struct fake_task *ft, uk_name_t name); /* checked */
uint32_t rights_of(struct fake_task *ft, uk_name_t name);
uint32_t send_refs_of(struct fake_task *ft, uk_name_t name);
uint32_t queued_on(struct fake_task *ft, uk_name_t name);
uint64_t badge_of(struct fake_task *ft, uk_name_t name); /* port_info's */

/* Names in the encoding of uk/ipc.h (index << 32 | generation). */
static inline uk_name_t name_at(uint32_t index, uint32_t generation)
{
	return ipc_name_make(index, generation);
}
/* The same index with the next generation: a name that is not (yet)
 * valid. */
static inline uk_name_t name_next_generation(uk_name_t name)
{
	uint32_t g = (uint32_t)name + 1;
	return ipc_name_make(ipc_name_index(name), g ? g : 1);
}

/* The kernel object behind a name (white box). */
struct port *port_of(struct fake_task *ft, uk_name_t name);
/* A send / send-once right to a port owner receives on, for task to (the
 * way task_create hands out rights). */
uk_name_t give_send(struct fake_task *owner, uk_name_t receive,
		    struct fake_task *to);
uk_name_t give_send_once(struct fake_task *owner, uk_name_t receive,
			 struct fake_task *to);
/* A send right with badge to a port owner receives on, for task to: owner
 * mints it and moves it to (ipc_transfer, MOVE_SEND). */
uk_name_t give_badged(struct fake_task *owner, uk_name_t receive,
		      uint64_t badge, struct fake_task *to);
/* A hardware capability entry in ft's table (holding one reference). */
uk_name_t hw_insert(struct fake_task *ft, struct hw_cap *cap);

/* ---- messages ---- */

struct test_msg {
	struct uk_msg_header h;
	struct uk_msg_port ports[UK_MSG_PORTS_MAX];
	struct uk_msg_ool ools[UK_MSG_OOL_MAX];
	uint32_t body_len;
	uint8_t body[2048];
};

/* Header with id MSG_ID and body BODY; size is set by msg_write unless the
 * test sets h.size itself. */
void msg_init(struct test_msg *m, uk_name_t dest, unsigned dest_disposition);
void msg_port(struct test_msg *m, uk_name_t name, unsigned disposition);
void msg_ool(struct test_msg *m, uint64_t address, uint64_t size,
	     uint32_t flags);
uint32_t msg_size(const struct test_msg *m);
/* Lay the message out in ft's memory at addr; returns its size. */
uint32_t msg_write(struct fake_task *ft, uint64_t addr, struct test_msg *m);
/* ipc_send from MSG_ADDR with timeout 0. */
int64_t msg_send(struct fake_task *ft, struct test_msg *m);
int64_t send_plain(struct fake_task *ft, uk_name_t dest, unsigned disposition);
int64_t send_right(struct fake_task *ft, uk_name_t dest, uk_name_t name,
		   unsigned disposition);

/* ipc_receive into RECV_ADDR with timeout 0, and what arrived there. */
int64_t msg_receive(struct fake_task *ft, uk_name_t name);
struct uk_msg_header *received(struct fake_task *ft);
struct uk_msg_port *received_port(struct fake_task *ft, unsigned i);
struct uk_msg_ool *received_ool(struct fake_task *ft, unsigned i);
/* Receive a user message carrying one right of type right; its name. */
uk_name_t receive_right(struct fake_task *ft, uk_name_t port, uint32_t right);
/* The next message on port is a kernel notification id about name (from
 * the kernel: sender 0, badge 0). */
void expect_notification(struct fake_task *ft, uk_name_t port, uint32_t id,
			 uk_name_t name);
void expect_empty(struct fake_task *ft, uk_name_t port);

/* ---- waiting threads ---- */

/* ft's waiter thread blocked in receive on port with a buffer of size
 * bytes at WAIT_ADDR. */
struct thread *wait_in_receive(struct fake_task *ft, uk_name_t port,
			       uint64_t size);
/* caller's thread blocked in ipc_call for a reply (buffer at WAIT_ADDR):
 * its reply port as the kernel makes it, with the one send-once right to
 * it in server's table; returns the server's name for that right. */
uk_name_t caller_waiting_for_reply(struct fake_task *caller,
				   struct fake_task *server);

/* ---- "nothing changed" ---- */

#define SNAPSHOT_ENTRIES 256 /* tests keep their tables small */

struct snapshot {
	struct ipc_entry entries[SNAPSHOT_ENTRIES];
	uint32_t size, used;
};

struct snapshot snapshot_of(struct fake_task *ft);
void assert_table_unchanged(struct fake_task *ft, const struct snapshot *snap);

struct port_counts {
	uint32_t refs, send_rights, send_once_rights, queued;
};

struct port_counts counts_of(struct port *p);
void assert_counts_unchanged(struct port *p, struct port_counts was);

/* For decode-error tests: A holds a send right sq to B's port q, a port p
 * with one send reference under its receive name, and a send-only name sc
 * to C's port c; snapshots of all of it. */
struct decode_fixture {
	uk_name_t q, sq, p, c, sc;
	struct snapshot snap;
	struct port_counts p_was, c_was, q_was;
};

void decode_fixture_init(struct decode_fixture *f);
/* A's table, every port's counts, no message anywhere. */
void decode_fixture_assert_unchanged(struct decode_fixture *f);

/* ---- the groups of tests (one file each) ---- */

extern const struct CMUnitTest ipc_message_tests[];
extern const size_t ipc_message_tests_count;
extern const struct CMUnitTest ipc_delivery_tests[];
extern const size_t ipc_delivery_tests_count;

#endif
