/* SPDX-License-Identifier: MIT */
/*
 * Host fakes of the kernel services the IPC core calls, so ipc_space.c,
 * port.c, ipc.c and syscall_ipc.c link into a cmocka test unchanged:
 *
 * - slab caches over malloc, counting objects per cache, and refusing a
 *   free into the wrong cache or a double free;
 * - physical frames from one aligned host pool with a fake physical base,
 *   counted, poisoned for ASan while free;
 * - user memory: each fake address space is one host buffer at a fixed
 *   user address (the task's aspace_root points at it), with at most one
 *   anonymous region a test declares (what UK_OOL_MOVE may take) and an
 *   area at the top where received out-of-line regions are placed; the
 *   frames of a region taken out are charged to its task's account, as a
 *   task's own frames are, and a task given frames must have room for
 *   them;
 * - hardware capabilities: reference counts only;
 * - a scheduler that never blocks: sched_block with timeout 0 times out,
 *   anything that would really block fails the test unless the test said
 *   what happens while the thread waits (fake_sched_block_runs), and
 *   wake-ups mark the thread ready;
 * - a clock that moves only when a test moves it, or a wait times out;
 * - panic (and so kassert) fails the running test.
 */
#ifndef TEST_FAKE_KERNEL_H
#define TEST_FAKE_KERNEL_H

#include <stdbool.h>
#include <stdint.h>

#include "task.h"

#define FAKE_FRAMES 256
#define FAKE_PHYS_BASE 0x100000ull
#define FAKE_USER_BASE 0x40000000ull
#define FAKE_USER_SIZE 0x20000ull
#define FAKE_OOL_AREA (FAKE_USER_BASE + 0x10000ull) /* to the end */

struct fake_aspace {
	uint64_t base, size;
	uint8_t *mem;
	uint64_t anon_start, anon_size; /* size 0: no anonymous region */
	uint64_t ool_next; /* next received region; 0: area start */
	bool give_fails;   /* vm_give_frames finds no room */
};

/* Start from nothing: every object and frame forgotten (and freed). */
void fake_kernel_reset(void);

/* Objects in use in the slab cache called name ("port", "kmsg", ...), and
 * in all caches. */
uint64_t fake_slab_in_use(const char *name);
uint64_t fake_slab_total_in_use(void);
/* The next slab_alloc from the cache called name returns NULL. */
void fake_slab_fail_next(const char *name);

uint64_t fake_frames_in_use(void);

/* Host memory behind a user address of t (the range must be mapped). */
void *fake_user_ptr(struct task *t, uint64_t uaddr, uint64_t len);

/* Declare [addr, addr + size) of t an anonymous (vm_allocate) region. */
void fake_anonymous_region(struct task *t, uint64_t addr, uint64_t size);

/* How many threads the fake scheduler made ready. */
uint64_t fake_sched_readied(void);

/* The next sched_block_switch (the fast paths' switch to the other
 * thread) returns rc at once, as if the thread had been woken with it;
 * without this it fails the test. One use. */
void fake_sched_switch_returns(int64_t rc);

/*
 * The next sched_block with a nonzero timeout does not fail the test: the
 * current thread goes on the wait queue (THREAD_BLOCKED, wait_result
 * FAKE_NOT_WOKEN) and while_blocked(arg) runs, as the rest of the system
 * would while the thread waits; it may act as any task (run_as) and wake
 * the thread. Then current is the blocked thread again, and sched_block
 * returns the result a wake set, or, if nothing woke the thread, takes it
 * off the queue, moves the clock past its timeout and returns
 * -ERR_TIMED_OUT (an infinite wait nothing ends fails the test). One use:
 * a hook arms the next one for a block inside it.
 */
#define FAKE_NOT_WOKEN 0x5a5a
void fake_sched_block_runs(void (*while_blocked)(void *arg), void *arg);
/* The timeout of the last sched_block that blocked (timeout 0 returns at
 * once), and how many blocked. */
uint64_t fake_sched_last_timeout(void);
uint64_t fake_sched_blocks(void);

/* timer_now_ns: FAKE_NOW_START after a reset, moved only by this and by
 * waits that time out. */
#define FAKE_NOW_START 1000000000ull
void fake_timer_advance(uint64_t ns);

/*
 * Windows onto memory objects (pager.c; fake_pager.c): vm_map_object
 * gives each live window its own address (FAKE_WINDOW_AREA on, one
 * FAKE_WINDOW_SPAN each, never dereferenced) and keeps it, so a test
 * finds it by address and destroys it as unmapping its region does; the
 * pages a pager supplies are kept in a table (64). FAKE_WINDOWS at once.
 */
#define FAKE_WINDOWS 16
#define FAKE_WINDOW_AREA (1ull << 44)
#define FAKE_WINDOW_SPAN (1ull << 40)
struct vm_object;
/* Forget every window and page (a test that failed may have left some). */
void fake_pager_reset(void);
/* The window t mapped at va, or NULL. */
struct vm_object *fake_window_at(const struct task *t, uint64_t va);
/* Free the pages supplied to window o (as unmapping its region). */
void fake_window_unmap(struct vm_object *o);
/* The window goes: its pages, then the object (vm.c's region_destroy). */
void fake_window_destroy(struct vm_object *o);
/* Every window of t goes, as its address space does (vm_release_all). */
void fake_windows_release(struct task *t);
/* Pages supplied to window o and still mapped. */
unsigned fake_window_pages(const struct vm_object *o);

#endif
