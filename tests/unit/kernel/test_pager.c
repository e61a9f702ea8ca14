/* SPDX-License-Identifier: MIT */
/*
 * The fault/pager state machine (kernel/pager.c, pager.h) against the fake
 * kernel: vm_map_object's checks, the one request a window has outstanding
 * (its id, offset, access and the badge of the mapper's right, from the
 * kernel), pager_supply and pager_error by the holder of the receive right
 * only and only inside the window, what each answer does to the threads
 * waiting, and the ends: the deadline, the pager's port dying, the window
 * going with its request still queued, the mapper at its quota or dead.
 * B is the pager (its receive right is the memory object) and A the
 * mapper; a thread "waits" through fake_sched_block_runs, whose hook is
 * what happens meanwhile. Every test ends with all tasks ended and nothing
 * left allocated or charged (ipc_teardown). One binary, unit.pager.
 */
#include <stdlib.h>
#include <string.h>

#include <uk/types.h>

#include "ipc_harness.h"
#include "pager.h"
#include "sched.h"
#include "timer.h"

/* A's window: WINDOW_PAGES pages of the object from WINDOW_OFFSET on. */
#define WINDOW_OFFSET 0x10000ull
#define WINDOW_PAGES 4
#define WINDOW_SIZE (WINDOW_PAGES * PAGE_SIZE)
#define PAGE(i) (WINDOW_OFFSET + (uint64_t)(i)*PAGE_SIZE)
#define DEADLINE_NS 5000000ull

static struct {
	uk_name_t obj;	/* B's receive right: the memory object */
	uk_name_t send; /* A's send right to it, badged BADGE_1 */
	uint64_t va;	/* A's window */
	struct vm_object *o;
	uint64_t unmapped;	 /* quota_used(A) before the map */
	uint64_t filled;	 /* fill_quota(A), given back by the test */
	struct vm_object *other; /* a second window, when a test has one */
} T;

/* ---- helpers ---- */

static int64_t map(struct fake_task *ft, uk_name_t name, uint64_t offset,
		   uint64_t size, uint64_t flags, uint64_t deadline_ns)
{
	run_as(ft);
	return sys_vm_map_object(name, offset, size, flags, deadline_ns);
}

/* The window ft mapped: checked, found by its address. */
static struct vm_object *mapped(struct fake_task *ft, int64_t va)
{
	assert_true(va > 0);
	struct vm_object *o = fake_window_at(&ft->task, (uint64_t)va);
	assert_non_null(o);
	return o;
}

/* A maps WINDOW_SIZE of B's object, read-write, through a BADGE_1 right. */
static void map_window(void)
{
	memset(&T, 0, sizeof(T));
	T.obj = port_new(B);
	T.send = give_badged(B, T.obj, BADGE_1, A);
	T.unmapped = quota_used(A);
	int64_t va = map(A, T.send, WINDOW_OFFSET, WINDOW_SIZE,
			 UK_VM_READ | UK_VM_WRITE, DEADLINE_NS);
	T.o = mapped(A, va);
	T.va = (uint64_t)va;
}

static int64_t supply(struct fake_task *ft, uk_name_t port, uint64_t object,
		      uint64_t offset, uint64_t src, uint64_t size)
{
	run_as(ft);
	return sys_pager_supply(port, object, offset, src, size);
}

static int64_t refuse(struct fake_task *ft, uk_name_t port, uint64_t object,
		      uint64_t offset, uint64_t error)
{
	run_as(ft);
	return sys_pager_error(port, object, offset, error);
}

/* Thread th faults on the page at object offset off of window o, and
 * waits at most the window's deadline (as vm_page_fault does). */
static int64_t fault_on(struct vm_object *o, struct thread *th, uint64_t off,
			bool write)
{
	current = th;
	return pager_fault(o, off, write, timer_now_ns() + o->deadline_ns);
}

static int64_t fault(uint64_t off, bool write)
{
	return fault_on(T.o, &A->thread, off, write);
}

/* Bytes a pager supplies: len bytes at addr of ft, a pattern from seed. */
static void fill_pattern(struct fake_task *ft, uint64_t addr, uint64_t len,
			 uint8_t seed)
{
	uint8_t *p = fake_user_ptr(&ft->task, addr, len);

	for (uint64_t i = 0; i < len; i++)
		p[i] = (uint8_t)(seed + i * 7 + (i >> 12) * 13);
}

/* The frame behind the page at object offset off of window o. */
static const uint8_t *page_of(struct vm_object *o, uint64_t off)
{
	uint64_t pa;

	assert_true(vm_object_page(o, off, &pa));
	return arch_phys_to_virt(pa);
}

static bool page_present(struct vm_object *o, uint64_t off)
{
	uint64_t pa;

	return vm_object_page(o, off, &pa);
}

/* th is blocked in window o's fault, not woken. */
static void still_waiting(struct vm_object *o, struct thread *th)
{
	assert_int_equal(th->state, THREAD_BLOCKED);
	assert_ptr_equal(th->waiting_on, &o->waiters);
	assert_int_equal(th->wait_result, FAKE_NOT_WOKEN);
	assert_true(o->requested);
}

/* th was woken with result. */
static void woken(struct thread *th, int64_t result)
{
	assert_int_equal(th->state, THREAD_READY);
	assert_null(th->waiting_on);
	assert_int_equal(th->wait_result, result);
}

/* B's next message on port is the kernel's request for window object. */
static void expect_request_on(uk_name_t port, uint64_t object, uint64_t off,
			      uint32_t access, uint64_t badge)
{
	assert_int_equal(msg_receive(B, port), sizeof(struct uk_pager_request));
	const struct uk_pager_request *r = (const void *)received(B);
	assert_int_equal(r->header.id, UK_MSG_ID_PAGER_REQUEST);
	assert_int_equal(r->header.size, sizeof(*r));
	assert_int_equal(r->header.flags, UK_MSG_KERNEL);
	assert_int_equal(r->header.dest, port);
	assert_int_equal(r->header.reply, 0);
	assert_int_equal(r->header.n_ports, 0);
	assert_int_equal(r->header.n_ool, 0);
	assert_int_equal(r->header.sender, 0);
	assert_int_equal(r->header.badge, badge);
	assert_int_equal(r->object, object);
	assert_int_equal(r->offset, off);
	assert_int_equal(r->length, PAGE_SIZE);
	assert_int_equal(r->access, access);
}

static void expect_request(uint64_t off, uint32_t access)
{
	expect_request_on(T.obj, T.o->id, off, access, BADGE_1);
}

/* Hooks: what happens while a thread waits. */
static void nothing_happens(void *arg)
{
}

static void pager_takes_the_request_for_page_0(void *arg)
{
	expect_request(PAGE(0), UK_VM_READ);
	still_waiting(T.o, &A->thread);
}

/* Map, fault on PAGE(0) for reading, and let the deadline pass with the
 * request taken by B (arg: B takes it) or still queued. */
static void fault_times_out(bool taken)
{
	fake_sched_block_runs(
	    taken ? pager_takes_the_request_for_page_0 : nothing_happens, NULL);
	assert_int_equal(fault(PAGE(0), false), -ERR_TIMED_OUT);
}

/* ---- vm_map_object ---- */

static void vm_map_object_maps_a_window_charged_to_the_mapper(void **state)
{
	uk_name_t obj = port_new(B);
	uk_name_t send = give_badged(B, obj, BADGE_1, A);
	struct port *p = port_of(B, obj);
	uint32_t refs = p->refs;
	uint64_t a_was = quota_used(A), b_was = quota_used(B);

	/* An unaligned size is rounded up to whole pages; read is implied. */
	int64_t va = map(A, send, WINDOW_OFFSET, WINDOW_SIZE - 100, UK_VM_WRITE,
			 DEADLINE_NS);
	struct vm_object *o = mapped(A, va);
	assert_int_equal(o->va, va);
	assert_ptr_equal(o->task, &A->task);
	assert_ptr_equal(o->port, p);
	assert_int_equal(p->refs, refs + 1);
	assert_int_equal(o->badge, BADGE_1);
	assert_int_equal(o->offset, WINDOW_OFFSET);
	assert_int_equal(o->size, WINDOW_SIZE);
	assert_int_equal(o->flags, UK_VM_READ | UK_VM_WRITE);
	assert_int_equal(o->deadline_ns, DEADLINE_NS);
	assert_false(o->requested);
	assert_false(o->dead);
	/* The window and its one request are allocated now, paid by A. */
	assert_int_equal(fake_slab_in_use("vm_object"), 1);
	assert_int_equal(fake_slab_in_use("kmsg"), 1);
	assert_true(quota_used(A) > a_was);
	assert_int_equal(quota_used(B), b_was);
	/* Nothing is asked before a fault. */
	expect_empty(B, obj);

	/* Another window of the same object: another address and id. */
	struct vm_object *o2 =
	    mapped(A, map(A, send, 0, PAGE_SIZE, UK_VM_READ, DEADLINE_NS));
	assert_int_not_equal(o2->va, o->va);
	assert_int_not_equal(o2->id, o->id);
	assert_int_equal(o2->flags, UK_VM_READ);

	/* Unmapping gives everything back. */
	fake_window_destroy(o2);
	fake_window_destroy(o);
	assert_int_equal(fake_slab_in_use("vm_object"), 0);
	assert_int_equal(fake_slab_in_use("kmsg"), 0);
	assert_int_equal(quota_used(A), a_was);
	assert_int_equal(p->refs, refs);
}

/* Nothing allocated or charged, no request: what every refusal leaves. */
static void assert_nothing_mapped(uint64_t a_was)
{
	assert_int_equal(fake_slab_in_use("vm_object"), 0);
	assert_int_equal(fake_slab_in_use("kmsg"), 0);
	assert_int_equal(quota_used(A), a_was);
}

static void vm_map_object_of_a_bad_name_returns_bad_name(void **state)
{
	uk_name_t obj = port_new(B);
	uk_name_t send = give_badged(B, obj, BADGE_1, A);
	uint64_t a_was = quota_used(A);

	assert_int_equal(map(A, 0, 0, PAGE_SIZE, UK_VM_READ, 0), -ERR_BAD_NAME);
	assert_int_equal(
	    map(A, name_next_generation(send), 0, PAGE_SIZE, UK_VM_READ, 0),
	    -ERR_BAD_NAME);
	assert_int_equal(map(A, name_at(200, 1), 0, PAGE_SIZE, UK_VM_READ, 0),
			 -ERR_BAD_NAME);
	assert_nothing_mapped(a_was);
}

static void vm_map_object_without_a_send_right_returns_rights(void **state)
{
	uk_name_t obj = port_new(B);
	uk_name_t once = give_send_once(B, obj, A);
	run_as(A);
	int64_t set = sys_port_allocate(UK_RIGHT_PORT_SET);
	assert_true(set > 0);
	uint64_t a_was = quota_used(A), b_was = quota_used(B);

	/* The receiver itself holds no send right under its name. */
	assert_int_equal(rights_of(B, obj), UK_RIGHT_RECEIVE);
	assert_int_equal(map(B, obj, 0, PAGE_SIZE, UK_VM_READ, 0), -ERR_RIGHTS);
	assert_int_equal(quota_used(B), b_was);
	assert_int_equal(map(A, once, 0, PAGE_SIZE, UK_VM_READ, 0),
			 -ERR_RIGHTS);
	assert_int_equal(map(A, (uk_name_t)set, 0, PAGE_SIZE, UK_VM_READ, 0),
			 -ERR_RIGHTS);
	assert_nothing_mapped(a_was);
	assert_int_equal(rights_of(A, once), UK_RIGHT_SEND_ONCE);
}

static void vm_map_object_through_a_dead_name_returns_dead(void **state)
{
	uk_name_t obj = port_new(B);
	uk_name_t send = give_badged(B, obj, BADGE_1, A);
	uint64_t a_was = quota_used(A);

	assert_int_equal(destroy(B, obj), 0);
	assert_int_equal(rights_of(A, send), UK_RIGHT_DEAD_NAME);
	assert_int_equal(map(A, send, 0, PAGE_SIZE, UK_VM_READ, 0), -ERR_DEAD);
	assert_nothing_mapped(a_was);
}

static void vm_map_object_refuses_flags_beyond_read_and_write(void **state)
{
	uk_name_t obj = port_new(B);
	uk_name_t send = give_badged(B, obj, BADGE_1, A);
	uint64_t a_was = quota_used(A);
	const uint64_t bad[] = {UK_VM_EXEC, UK_VM_READ | UK_VM_EXEC, 0x8,
				1ull << 32 | UK_VM_READ, ~0ull};

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(map(A, send, 0, PAGE_SIZE, bad[i], 0),
				 -ERR_INVALID);
	assert_nothing_mapped(a_was);
	/* No flag at all is a read-only window. */
	struct vm_object *o = mapped(A, map(A, send, 0, PAGE_SIZE, 0, 0));
	assert_int_equal(o->flags, UK_VM_READ);
}

static void
vm_map_object_refuses_an_unaligned_empty_or_wrapping_range(void **state)
{
	uk_name_t obj = port_new(B);
	uk_name_t send = give_badged(B, obj, BADGE_1, A);
	uint64_t a_was = quota_used(A);
	const struct {
		uint64_t offset, size;
	} bad[] = {
	    {1, PAGE_SIZE}, /* unaligned offset */
	    {PAGE_SIZE / 2, PAGE_SIZE},
	    {PAGE_SIZE + 8, PAGE_SIZE},
	    {0, 0}, /* empty */
	    {PAGE_SIZE, 0},
	    {PAGE_SIZE, -PAGE_SIZE},	 /* end wraps to 0 */
	    {-PAGE_SIZE, PAGE_SIZE + 1}, /* end wraps past 0 */
	    {-2 * PAGE_SIZE, ~0ull},
	};

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(
		    map(A, send, bad[i].offset, bad[i].size, UK_VM_READ, 0),
		    -ERR_INVALID);
	assert_nothing_mapped(a_was);
	/* Up to the top of the object's offsets, a size rounded up. */
	struct vm_object *o = mapped(
	    A, map(A, send, -2 * PAGE_SIZE, PAGE_SIZE + 1, UK_VM_READ, 0));
	assert_int_equal(o->offset, -2 * PAGE_SIZE);
	assert_int_equal(o->size, 2 * PAGE_SIZE);
}

static void
vm_map_object_refuses_a_deadline_above_the_maximum_and_defaults_zero(
    void **state)
{
	uk_name_t obj = port_new(B);
	uk_name_t send = give_badged(B, obj, BADGE_1, A);
	uint64_t a_was = quota_used(A);

	assert_int_equal(map(A, send, 0, PAGE_SIZE, UK_VM_READ,
			     UK_PAGER_DEADLINE_MAX_NS + 1),
			 -ERR_INVALID);
	assert_int_equal(map(A, send, 0, PAGE_SIZE, UK_VM_READ, ~0ull),
			 -ERR_INVALID);
	assert_nothing_mapped(a_was);

	struct vm_object *max = mapped(A, map(A, send, 0, PAGE_SIZE, UK_VM_READ,
					      UK_PAGER_DEADLINE_MAX_NS));
	assert_int_equal(max->deadline_ns, UK_PAGER_DEADLINE_MAX_NS);
	struct vm_object *dflt =
	    mapped(A, map(A, send, 0, PAGE_SIZE, UK_VM_READ, 0));
	assert_int_equal(dflt->deadline_ns, UK_PAGER_DEADLINE_DEFAULT_NS);
	/* ... and a fault waits that long for the pager. */
	fake_sched_block_runs(nothing_happens, NULL);
	assert_int_equal(fault_on(dflt, &A->thread, 0, false), -ERR_TIMED_OUT);
	assert_int_equal(fake_sched_last_timeout(),
			 UK_PAGER_DEADLINE_DEFAULT_NS);
}

static void
vm_map_object_without_memory_returns_the_error_and_keeps_nothing(void **state)
{
	uk_name_t obj = port_new(B);
	uk_name_t send = give_badged(B, obj, BADGE_1, A);
	uint64_t a_was = quota_used(A);
	uint32_t refs = port_of(B, obj)->refs;

	T.filled = fill_quota(A);
	assert_int_equal(map(A, send, 0, PAGE_SIZE, UK_VM_READ, 0), -ERR_LIMIT);
	unfill_quota(A, T.filled);
	assert_nothing_mapped(a_was);
	/* The window object allocated, its request not. */
	fake_slab_fail_next("kmsg");
	assert_int_equal(map(A, send, 0, PAGE_SIZE, UK_VM_READ, 0),
			 -ERR_NO_MEMORY);
	assert_nothing_mapped(a_was);
	fake_slab_fail_next("vm_object");
	assert_int_equal(map(A, send, 0, PAGE_SIZE, UK_VM_READ, 0),
			 -ERR_NO_MEMORY);
	assert_nothing_mapped(a_was);
	assert_int_equal(port_of(B, obj)->refs, refs);
	assert_true(list_empty(&port_of(B, obj)->pager_objects));
}

/* ---- faults and requests ---- */

static void request_for_page_2_is_queued(void *arg)
{
	assert_int_equal(queued_on(B, T.obj), 1);
	expect_request(PAGE(2), UK_VM_WRITE);
	expect_empty(B, T.obj);
	still_waiting(T.o, &A->thread);
	assert_int_equal(T.o->requested_offset, PAGE(2));
}

static void
a_fault_posts_one_request_from_the_kernel_with_the_badge(void **state)
{
	map_window();
	fake_sched_block_runs(request_for_page_2_is_queued, NULL);
	assert_int_equal(fault(PAGE(2), true), -ERR_TIMED_OUT);
	assert_int_equal(fake_sched_blocks(), 1);
	assert_int_equal(fake_sched_last_timeout(), DEADLINE_NS);
	assert_int_equal(T.o->faults, 1);
	assert_true(list_empty(&T.o->waiters.threads));
	/* The request is the window's own message, back with it. */
	assert_int_equal(fake_slab_in_use("kmsg"), 1);
	assert_false(T.o->request->in_flight);
}

static void request_is_the_only_one(void *arg)
{
	/* Both threads wait; the first fault's request is the one queued. */
	still_waiting(T.o, &A->thread);
	still_waiting(T.o, &A->waiter);
	assert_int_equal(queued_on(B, T.obj), 1);
	expect_request(PAGE(0), UK_VM_READ);
	expect_empty(B, T.obj);
}

static void another_thread_faults_on_page_1(void *arg)
{
	fake_sched_block_runs(request_is_the_only_one, NULL);
	assert_int_equal(fault_on(T.o, &A->waiter, PAGE(1), true),
			 -ERR_TIMED_OUT);
}

static void
a_second_fault_while_a_request_is_outstanding_posts_none(void **state)
{
	map_window();
	fake_sched_block_runs(another_thread_faults_on_page_1, NULL);
	assert_int_equal(fault(PAGE(0), false), -ERR_TIMED_OUT);
	assert_int_equal(fake_sched_blocks(), 2);
	/* The same page again: the request is still outstanding. */
	fake_sched_block_runs(nothing_happens, NULL);
	assert_int_equal(fault(PAGE(0), false), -ERR_TIMED_OUT);
	expect_empty(B, T.obj);
	assert_int_equal(T.o->faults, 1);
	assert_int_equal(fake_slab_in_use("kmsg"), 1);
}

static uint64_t a_before, b_before, frames_before;

static void pager_supplies_page_1(void *arg)
{
	expect_request(PAGE(1), UK_VM_READ);
	fill_pattern(B, SPARE_ADDR, PAGE_SIZE, 0x31);
	a_before = quota_used(A);
	b_before = quota_used(B);
	frames_before = fake_frames_in_use();
	assert_int_equal(
	    supply(B, T.obj, T.o->id, PAGE(1), SPARE_ADDR, PAGE_SIZE), 1);
	woken(&A->thread, 0);
}

static void
supply_installs_the_page_charged_to_the_mapper_and_wakes_it(void **state)
{
	map_window();
	fake_sched_block_runs(pager_supplies_page_1, NULL);
	assert_int_equal(fault(PAGE(1), false), 0);
	assert_true(page_present(T.o, PAGE(1)));
	assert_int_equal(fake_window_pages(T.o), 1);
	assert_memory_equal(page_of(T.o, PAGE(1)),
			    fake_user_ptr(&B->task, SPARE_ADDR, PAGE_SIZE),
			    PAGE_SIZE);
	/* The mapper pays for the page, not the pager. */
	assert_int_equal(quota_used(A), a_before + PAGE_SIZE);
	assert_int_equal(quota_used(B), b_before);
	assert_int_equal(A->task.frames, 1);
	assert_int_equal(B->task.frames, 0);
	assert_int_equal(fake_frames_in_use(), frames_before + 1);
	assert_false(T.o->requested);
	assert_int_equal(T.o->supplied, 1);
	assert_true(list_empty(&T.o->waiters.threads));
	/* Unmapping frees the page and gives A its charge back. */
	fake_window_unmap(T.o);
	assert_int_equal(quota_used(A), a_before);
	assert_int_equal(fake_frames_in_use(), frames_before);
}

static void pager_supplies_page_0(void *arg)
{
	expect_request(PAGE(0), UK_VM_READ);
	fill_pattern(B, SPARE_ADDR, PAGE_SIZE, 0x31);
	assert_int_equal(
	    supply(B, T.obj, T.o->id, PAGE(0), SPARE_ADDR, PAGE_SIZE), 1);
	woken(&A->thread, 0);
}

static void supply_answered_twice_installs_nothing_the_second_time(void **state)
{
	uint8_t first[PAGE_SIZE];

	map_window();
	fake_sched_block_runs(pager_supplies_page_0, NULL);
	assert_int_equal(fault(PAGE(0), false), 0);
	memcpy(first, page_of(T.o, PAGE(0)), PAGE_SIZE);
	uint64_t a_was = quota_used(A), frames = fake_frames_in_use();

	fill_pattern(B, SPARE_ADDR, 2 * PAGE_SIZE, 0x77);
	assert_int_equal(
	    supply(B, T.obj, T.o->id, PAGE(0), SPARE_ADDR, PAGE_SIZE), 0);
	assert_memory_equal(page_of(T.o, PAGE(0)), first, PAGE_SIZE);
	assert_int_equal(quota_used(A), a_was);
	assert_int_equal(fake_frames_in_use(), frames);
	assert_int_equal(A->task.frames, 1);
	assert_int_equal(T.o->supplied, 1);
	/* Over it and the next page: only the missing one is installed. */
	assert_int_equal(
	    supply(B, T.obj, T.o->id, PAGE(0), SPARE_ADDR, 2 * PAGE_SIZE), 1);
	assert_memory_equal(page_of(T.o, PAGE(0)), first, PAGE_SIZE);
	assert_memory_equal(
	    page_of(T.o, PAGE(1)),
	    fake_user_ptr(&B->task, SPARE_ADDR + PAGE_SIZE, PAGE_SIZE),
	    PAGE_SIZE);
	assert_int_equal(quota_used(A), a_was + PAGE_SIZE);
	assert_int_equal(fake_window_pages(T.o), 2);
	/* Nobody waited: nothing posted, nothing woken. */
	expect_empty(B, T.obj);
}

static void pager_supplies_another_page_first(void *arg)
{
	fill_pattern(B, SPARE_ADDR, 2 * PAGE_SIZE, 0x44);
	assert_int_equal(
	    supply(B, T.obj, T.o->id, PAGE(3), SPARE_ADDR, PAGE_SIZE), 1);
	still_waiting(T.o, &A->thread);
	assert_int_equal(T.o->requested_offset, PAGE(0));
	assert_int_equal(supply(B, T.obj, T.o->id, PAGE(0),
				SPARE_ADDR + PAGE_SIZE, PAGE_SIZE),
			 1);
	woken(&A->thread, 0);
}

static void
supply_of_another_page_installs_it_and_leaves_the_waiter_waiting(void **state)
{
	map_window();
	fake_sched_block_runs(pager_supplies_another_page_first, NULL);
	assert_int_equal(fault(PAGE(0), false), 0);
	assert_int_equal(fake_window_pages(T.o), 2);
	assert_memory_equal(page_of(T.o, PAGE(3)),
			    fake_user_ptr(&B->task, SPARE_ADDR, PAGE_SIZE),
			    PAGE_SIZE);
	assert_memory_equal(
	    page_of(T.o, PAGE(0)),
	    fake_user_ptr(&B->task, SPARE_ADDR + PAGE_SIZE, PAGE_SIZE),
	    PAGE_SIZE);
}

static void pager_supplies_the_whole_window(void *arg)
{
	fill_pattern(B, SPARE_ADDR, WINDOW_SIZE, 0x52);
	assert_int_equal(
	    supply(B, T.obj, T.o->id, WINDOW_OFFSET, SPARE_ADDR, WINDOW_SIZE),
	    WINDOW_PAGES);
	woken(&A->thread, 0);
}

static void
supply_of_several_pages_installs_each_and_wakes_the_waiter(void **state)
{
	map_window();
	uint64_t a_was = quota_used(A);
	fake_sched_block_runs(pager_supplies_the_whole_window, NULL);
	assert_int_equal(fault(PAGE(2), true), 0);
	for (unsigned i = 0; i < WINDOW_PAGES; i++)
		assert_memory_equal(page_of(T.o, PAGE(i)),
				    fake_user_ptr(&B->task,
						  SPARE_ADDR + i * PAGE_SIZE,
						  PAGE_SIZE),
				    PAGE_SIZE);
	assert_int_equal(quota_used(A), a_was + WINDOW_SIZE);
	assert_int_equal(T.o->supplied, WINDOW_PAGES);
}

/* Nothing installed in T.o, no frame or charge taken, the waiter waits. */
static void assert_nothing_supplied(uint64_t a_was, uint64_t frames)
{
	assert_int_equal(fake_window_pages(T.o), 0);
	assert_int_equal(quota_used(A), a_was);
	assert_int_equal(fake_frames_in_use(), frames);
	assert_int_equal(A->task.frames, 0);
	assert_int_equal(T.o->supplied, 0);
	still_waiting(T.o, &A->thread);
}

static void pager_supplies_wrong_ranges(void *arg)
{
	const struct {
		uint64_t offset, size;
	} bad[] = {
	    {PAGE(0) + 1, PAGE_SIZE}, /* unaligned offset */
	    {PAGE(0) + PAGE_SIZE / 2, PAGE_SIZE},
	    {PAGE(0), PAGE_SIZE - 1}, /* unaligned size */
	    {PAGE(0), PAGE_SIZE + 1},
	    {PAGE(0), 0},			    /* empty */
	    {WINDOW_OFFSET - PAGE_SIZE, PAGE_SIZE}, /* before the window */
	    {WINDOW_OFFSET - PAGE_SIZE, 2 * PAGE_SIZE},
	    {0, PAGE_SIZE},
	    {PAGE(WINDOW_PAGES), PAGE_SIZE}, /* past its end */
	    {PAGE(WINDOW_PAGES - 1), 2 * PAGE_SIZE},
	    {PAGE(0), WINDOW_SIZE + PAGE_SIZE},
	    {PAGE(1), -PAGE_SIZE}, /* offset + size wraps */
	    {-PAGE_SIZE, 2 * PAGE_SIZE},
	    {-PAGE_SIZE, PAGE_SIZE},
	};
	uint64_t a_was = quota_used(A), frames = fake_frames_in_use();

	fill_pattern(B, SPARE_ADDR, SPARE_SIZE, 0x11);
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(supply(B, T.obj, T.o->id, bad[i].offset,
					SPARE_ADDR, bad[i].size),
				 -ERR_INVALID);
	assert_nothing_supplied(a_was, frames);
}

static void
supply_of_a_range_unaligned_or_outside_the_window_returns_invalid(void **state)
{
	map_window();
	fake_sched_block_runs(pager_supplies_wrong_ranges, NULL);
	assert_int_equal(fault(PAGE(0), false), -ERR_TIMED_OUT);
	assert_int_equal(fake_window_pages(T.o), 0);
}

static void supply_beyond_the_most_one_call_takes_returns_too_big(void **state)
{
	memset(&T, 0, sizeof(T));
	T.obj = port_new(B);
	T.send = give_badged(B, T.obj, BADGE_1, A);
	T.o = mapped(A, map(A, T.send, 0, PAGER_SUPPLY_MAX + 2 * PAGE_SIZE,
			    UK_VM_READ, 0));
	uint64_t a_was = quota_used(A), frames = fake_frames_in_use();

	assert_int_equal(supply(B, T.obj, T.o->id, 0, FAKE_USER_BASE,
				PAGER_SUPPLY_MAX + PAGE_SIZE),
			 -ERR_TOO_BIG);
	assert_int_equal(fake_window_pages(T.o), 0);
	assert_int_equal(quota_used(A), a_was);
	assert_int_equal(fake_frames_in_use(), frames);
	/* PAGER_SUPPLY_MAX itself is taken: it stops only where B's memory
	 * ends, keeping the pages before. */
	fill_pattern(B, FAKE_USER_BASE, FAKE_USER_SIZE, 0x5);
	assert_int_equal(
	    supply(B, T.obj, T.o->id, 0, FAKE_USER_BASE, PAGER_SUPPLY_MAX),
	    -ERR_FAULT);
	assert_int_equal(fake_window_pages(T.o), FAKE_USER_SIZE / PAGE_SIZE);
	assert_memory_equal(
	    page_of(T.o, FAKE_USER_SIZE - PAGE_SIZE),
	    fake_user_ptr(&B->task, FAKE_USER_BASE + FAKE_USER_SIZE - PAGE_SIZE,
			  PAGE_SIZE),
	    PAGE_SIZE);
	assert_int_equal(quota_used(A), a_was + FAKE_USER_SIZE);
}

static void pager_supplies_from_bad_addresses(void *arg)
{
	uint64_t a_was = quota_used(A), frames = fake_frames_in_use();
	const uint64_t bad[] = {
	    0,			      /* not a user address */
	    0xffff800000000000ull,    /* the kernel's */
	    USER_TOP - PAGE_SIZE / 2, /* runs past the user range */
	    USER_BASE,		      /* a user address B has not mapped */
	    FAKE_USER_BASE + FAKE_USER_SIZE,
	};

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(
		    supply(B, T.obj, T.o->id, PAGE(0), bad[i], PAGE_SIZE),
		    -ERR_FAULT);
	/* A source outside user memory is refused before anything is
	 * charged: at the quota it is still ERR_FAULT. */
	T.filled = fill_quota(A);
	assert_int_equal(supply(B, T.obj, T.o->id, PAGE(0),
				0xffff800000000000ull, PAGE_SIZE),
			 -ERR_FAULT);
	unfill_quota(A, T.filled);
	assert_nothing_supplied(a_was, frames);
	/* B's memory ends inside the range: the requested page, first, is
	 * installed and answers the fault; the rest is not. */
	uint64_t last = FAKE_USER_BASE + FAKE_USER_SIZE - PAGE_SIZE;
	fill_pattern(B, last, PAGE_SIZE, 0x66);
	assert_int_equal(
	    supply(B, T.obj, T.o->id, PAGE(0), last, 2 * PAGE_SIZE),
	    -ERR_FAULT);
	woken(&A->thread, 0);
	assert_int_equal(fake_window_pages(T.o), 1);
	assert_int_equal(quota_used(A), a_was + PAGE_SIZE);
	assert_int_equal(fake_frames_in_use(), frames + 1);
}

static void
supply_from_a_bad_address_returns_fault_and_installs_nothing(void **state)
{
	map_window();
	fake_sched_block_runs(pager_supplies_from_bad_addresses, NULL);
	assert_int_equal(fault(PAGE(0), false), 0);
	assert_memory_equal(
	    page_of(T.o, PAGE(0)),
	    fake_user_ptr(&B->task, FAKE_USER_BASE + FAKE_USER_SIZE - PAGE_SIZE,
			  PAGE_SIZE),
	    PAGE_SIZE);
	assert_false(page_present(T.o, PAGE(1)));
}

/* B's second port, with a window C mapped through it; the set B has. */
static uk_name_t other_port, b_set;

static void others_answer_for_the_window(void *arg)
{
	uint64_t id = T.o->id, a_was = quota_used(A),
		 frames = fake_frames_in_use();
	uk_name_t c_port = port_new(C);

	fill_pattern(A, SPARE_ADDR, PAGE_SIZE, 0x1);
	fill_pattern(B, SPARE_ADDR, PAGE_SIZE, 0x2);
	fill_pattern(C, SPARE_ADDR, PAGE_SIZE, 0x3);
	/* The mapper holds a send right to the object: not enough. */
	assert_int_equal(supply(A, T.send, id, PAGE(0), SPARE_ADDR, PAGE_SIZE),
			 -ERR_RIGHTS);
	assert_int_equal(refuse(A, T.send, id, PAGE(0), ERR_IO), -ERR_RIGHTS);
	/* A receive right, of another port. */
	assert_int_equal(supply(C, c_port, id, PAGE(0), SPARE_ADDR, PAGE_SIZE),
			 -ERR_NOT_FOUND);
	assert_int_equal(refuse(C, c_port, id, PAGE(0), ERR_IO),
			 -ERR_NOT_FOUND);
	/* B's other port: this window is not on it, nor C's on this one. */
	assert_int_equal(
	    supply(B, other_port, id, PAGE(0), SPARE_ADDR, PAGE_SIZE),
	    -ERR_NOT_FOUND);
	assert_int_equal(refuse(B, other_port, id, PAGE(0), ERR_IO),
			 -ERR_NOT_FOUND);
	assert_int_equal(
	    supply(B, T.obj, T.other->id, PAGE(0), SPARE_ADDR, PAGE_SIZE),
	    -ERR_NOT_FOUND);
	assert_int_equal(refuse(B, T.obj, T.other->id, PAGE(0), ERR_IO),
			 -ERR_NOT_FOUND);
	/* Ids never given. */
	assert_int_equal(supply(B, T.obj, 0, PAGE(0), SPARE_ADDR, PAGE_SIZE),
			 -ERR_NOT_FOUND);
	assert_int_equal(
	    supply(B, T.obj, id + 1000, PAGE(0), SPARE_ADDR, PAGE_SIZE),
	    -ERR_NOT_FOUND);
	assert_int_equal(refuse(B, T.obj, ~0ull, PAGE(0), ERR_IO),
			 -ERR_NOT_FOUND);
	/* Names that are no port's receive right. */
	assert_int_equal(supply(B, 0, id, PAGE(0), SPARE_ADDR, PAGE_SIZE),
			 -ERR_BAD_NAME);
	assert_int_equal(supply(B, name_next_generation(T.obj), id, PAGE(0),
				SPARE_ADDR, PAGE_SIZE),
			 -ERR_BAD_NAME);
	assert_int_equal(refuse(B, 0, id, PAGE(0), ERR_IO), -ERR_BAD_NAME);
	assert_int_equal(supply(B, b_set, id, PAGE(0), SPARE_ADDR, PAGE_SIZE),
			 -ERR_RIGHTS);
	assert_int_equal(refuse(B, b_set, id, PAGE(0), ERR_IO), -ERR_RIGHTS);
	assert_nothing_supplied(a_was, frames);
	assert_int_equal(fake_window_pages(T.other), 0);
	assert_false(T.other->requested);
	/* The holder of the receive right answers. */
	assert_int_equal(supply(B, T.obj, id, PAGE(0), SPARE_ADDR, PAGE_SIZE),
			 1);
	woken(&A->thread, 0);
}

static void
supply_and_error_need_the_receive_right_of_the_window_s_port(void **state)
{
	map_window();
	other_port = port_new(B);
	uk_name_t c_send = give_badged(B, other_port, BADGE_2, C);
	T.other = mapped(C, map(C, c_send, WINDOW_OFFSET, WINDOW_SIZE,
				UK_VM_READ, DEADLINE_NS));
	run_as(B);
	int64_t set = sys_port_allocate(UK_RIGHT_PORT_SET);
	assert_true(set > 0);
	b_set = (uk_name_t)set;

	fake_sched_block_runs(others_answer_for_the_window, NULL);
	assert_int_equal(fault(PAGE(0), false), 0);
	assert_memory_equal(page_of(T.o, PAGE(0)),
			    fake_user_ptr(&B->task, SPARE_ADDR, PAGE_SIZE),
			    PAGE_SIZE);
}

/* ---- refusals ---- */

static void pager_refuses_page_2(void *arg)
{
	expect_request(PAGE(2), UK_VM_READ);
	still_waiting(T.o, &A->thread);
	still_waiting(T.o, &A->waiter);
	assert_int_equal(refuse(B, T.obj, T.o->id, PAGE(2), ERR_IO), 0);
	woken(&A->thread, -ERR_IO);
	woken(&A->waiter, -ERR_IO);
	/* Answered: twice is once too many. */
	assert_int_equal(refuse(B, T.obj, T.o->id, PAGE(2), ERR_IO),
			 -ERR_NOT_FOUND);
}

static void another_thread_faults_on_page_3(void *arg)
{
	fake_sched_block_runs(pager_refuses_page_2, NULL);
	assert_int_equal(fault_on(T.o, &A->waiter, PAGE(3), false), -ERR_IO);
}

static void pager_takes_the_request_for_page_3(void *arg)
{
	expect_request(PAGE(3), UK_VM_WRITE);
}

static void
pager_error_for_the_outstanding_offset_fails_every_waiter_with_it(void **state)
{
	map_window();
	fake_sched_block_runs(another_thread_faults_on_page_3, NULL);
	assert_int_equal(fault(PAGE(2), false), -ERR_IO);
	assert_false(T.o->requested);
	assert_int_equal(fake_window_pages(T.o), 0);
	/* The next fault asks again. */
	fake_sched_block_runs(pager_takes_the_request_for_page_3, NULL);
	assert_int_equal(fault(PAGE(3), true), -ERR_TIMED_OUT);
	assert_int_equal(T.o->faults, 2);
}

static void pager_refuses_other_offsets(void *arg)
{
	const uint64_t other[] = {PAGE(1), PAGE(0) + 1, PAGE(0) - PAGE_SIZE,
				  PAGE(WINDOW_PAGES), 0};

	for (unsigned i = 0; i < sizeof(other) / sizeof(other[0]); i++)
		assert_int_equal(refuse(B, T.obj, T.o->id, other[i], ERR_IO),
				 -ERR_NOT_FOUND);
	still_waiting(T.o, &A->thread);
	assert_int_equal(refuse(B, T.obj, T.o->id, PAGE(0), ERR_PERMISSION), 0);
	woken(&A->thread, -ERR_PERMISSION);
}

static void pager_error_for_another_offset_returns_not_found(void **state)
{
	map_window();
	/* Nothing outstanding yet. */
	assert_int_equal(refuse(B, T.obj, T.o->id, PAGE(0), ERR_IO),
			 -ERR_NOT_FOUND);
	fake_sched_block_runs(pager_refuses_other_offsets, NULL);
	assert_int_equal(fault(PAGE(0), false), -ERR_PERMISSION);
}

static void pager_refuses_with_bad_codes(void *arg)
{
	const uint64_t bad[] = {0,
				ERR_COUNT_,
				ERR_COUNT_ + 1,
				1ull << 32 | ERR_IO,
				-(uint64_t)ERR_IO,
				~0ull};

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(refuse(B, T.obj, T.o->id, PAGE(0), bad[i]),
				 -ERR_INVALID);
	still_waiting(T.o, &A->thread);
	assert_int_equal(refuse(B, T.obj, T.o->id, PAGE(0), ERR_COUNT_ - 1), 0);
	woken(&A->thread, -(int64_t)(ERR_COUNT_ - 1));
}

static void pager_error_of_zero_or_an_unknown_code_returns_invalid(void **state)
{
	map_window();
	fake_sched_block_runs(pager_refuses_with_bad_codes, NULL);
	assert_int_equal(fault(PAGE(0), false), -(int64_t)(ERR_COUNT_ - 1));
}

/* ---- the ends of a wait ---- */

static void a_fault_whose_deadline_passes_returns_timed_out(void **state)
{
	map_window();
	uint64_t start = timer_now_ns();

	fault_times_out(false);
	assert_int_equal(fake_sched_last_timeout(), DEADLINE_NS);
	assert_true(timer_now_ns() >= start + DEADLINE_NS);
	assert_true(list_empty(&T.o->waiters.threads));
	assert_null(A->thread.waiting_on);
	/* A late answer installs the page and wakes nobody. */
	uint64_t readied = fake_sched_readied();
	expect_request(PAGE(0), UK_VM_READ);
	fill_pattern(B, SPARE_ADDR, PAGE_SIZE, 0x9);
	assert_int_equal(
	    supply(B, T.obj, T.o->id, PAGE(0), SPARE_ADDR, PAGE_SIZE), 1);
	assert_int_equal(fake_sched_readied(), readied);
	assert_false(T.o->requested);
	/* A deadline already past: no request, no wait. */
	current = &A->thread;
	assert_int_equal(pager_fault(T.o, PAGE(1), false, timer_now_ns()),
			 -ERR_TIMED_OUT);
	assert_int_equal(pager_fault(T.o, PAGE(1), false, start),
			 -ERR_TIMED_OUT);
	assert_false(T.o->requested);
	assert_int_equal(T.o->faults, 1);
	expect_empty(B, T.obj);
	assert_int_equal(fake_sched_blocks(), 1);
	/* A wait is for what is left until the deadline. */
	fake_sched_block_runs(nothing_happens, NULL);
	assert_int_equal(
	    pager_fault(T.o, PAGE(1), false, timer_now_ns() + 1000),
	    -ERR_TIMED_OUT);
	assert_int_equal(fake_sched_last_timeout(), 1000);
	expect_request(PAGE(1), UK_VM_READ);
}

static void pager_port_is_destroyed(void *arg)
{
	assert_int_equal(queued_on(B, T.obj), 1);
	assert_int_equal(destroy(B, T.obj), 0);
	woken(&A->thread, -ERR_DEAD);
}

static void pager_task_ends(void *arg)
{
	assert_int_equal(queued_on(B, T.obj), 1);
	task_end(B);
	woken(&A->thread, -ERR_DEAD);
}

/* A fault on T.o waits while hook kills the pager's port; C's window on
 * the same object dies with it. */
static void fault_while_the_port_dies(void (*hook)(void *))
{
	map_window();
	uk_name_t c_send = give_badged(B, T.obj, BADGE_2, C);
	T.other = mapped(C, map(C, c_send, 0, PAGE_SIZE, UK_VM_READ, 0));

	fake_sched_block_runs(hook, NULL);
	assert_int_equal(fault(PAGE(0), false), -ERR_DEAD);
	assert_true(T.o->dead);
	assert_true(T.other->dead);
	assert_false(T.o->requested);
	/* The queued request went with the queue, back to its window. */
	assert_false(T.o->request->in_flight);
	assert_int_equal(fake_slab_in_use("kmsg"), 2);
	assert_int_equal(rights_of(A, T.send), UK_RIGHT_DEAD_NAME);
	/* Later faults fail at once: none blocks, none posts. */
	assert_int_equal(fault(PAGE(1), true), -ERR_DEAD);
	assert_int_equal(fault_on(T.other, &C->thread, 0, false), -ERR_DEAD);
	assert_int_equal(fake_sched_blocks(), 1);
	assert_int_equal(T.o->faults, 1);
	assert_int_equal(fake_window_pages(T.o), 0);
	/* Unmapping still frees everything of the window. */
	fake_window_destroy(T.other);
	fake_window_destroy(T.o);
	assert_int_equal(fake_slab_in_use("kmsg"), 0);
	assert_int_equal(fake_slab_in_use("vm_object"), 0);
}

static void
the_pager_port_destroyed_while_a_fault_waits_fails_it_with_dead(void **state)
{
	fault_while_the_port_dies(pager_port_is_destroyed);
}

static void
the_pager_task_ending_while_a_fault_waits_fails_it_with_dead(void **state)
{
	fault_while_the_port_dies(pager_task_ends);
}

static void a_fault_after_the_port_died_returns_dead_at_once(void **state)
{
	map_window();
	assert_int_equal(destroy(B, T.obj), 0);
	assert_true(T.o->dead);
	assert_int_equal(fault(PAGE(0), false), -ERR_DEAD);
	assert_int_equal(fake_sched_blocks(), 0);
	assert_int_equal(T.o->faults, 0);
}

static uint64_t unmapped_id;

static void the_window_is_unmapped(void *arg)
{
	unmapped_id = T.o->id;
	fake_window_destroy(T.o);
	T.o = NULL;
	woken(&A->thread, -ERR_DEAD);
}

static void
unmapping_the_window_with_its_request_queued_frees_it_on_receipt(void **state)
{
	map_window();
	struct port *p = port_of(B, T.obj);

	fake_sched_block_runs(the_window_is_unmapped, NULL);
	assert_int_equal(fault(PAGE(0), false), -ERR_DEAD);
	assert_int_equal(fake_slab_in_use("vm_object"), 0);
	/* The request is still queued, now on its own. */
	assert_int_equal(fake_slab_in_use("kmsg"), 1);
	assert_int_equal(queued_on(B, T.obj), 1);
	assert_true(list_empty(&p->pager_objects));
	expect_request_on(T.obj, unmapped_id, PAGE(0), UK_VM_READ, BADGE_1);
	assert_int_equal(fake_slab_in_use("kmsg"), 0);
	assert_int_equal(quota_used(A), T.unmapped);
	/* Answers for a window that is gone find nothing. */
	fill_pattern(B, SPARE_ADDR, PAGE_SIZE, 0x3);
	assert_int_equal(
	    supply(B, T.obj, unmapped_id, PAGE(0), SPARE_ADDR, PAGE_SIZE),
	    -ERR_NOT_FOUND);
	assert_int_equal(refuse(B, T.obj, unmapped_id, PAGE(0), ERR_IO),
			 -ERR_NOT_FOUND);
	assert_int_equal(A->task.frames, 0);
}

static void unmapping_the_window_with_its_request_queued_frees_it_with_the_port(
    void **state)
{
	map_window();
	fault_times_out(false);
	fake_window_destroy(T.o);
	assert_int_equal(fake_slab_in_use("vm_object"), 0);
	assert_int_equal(fake_slab_in_use("kmsg"), 1);
	assert_int_equal(destroy(B, T.obj), 0);
	assert_int_equal(fake_slab_in_use("kmsg"), 0);
}

static void
unmapping_the_window_after_the_pager_took_the_request_frees_it(void **state)
{
	map_window();
	fault_times_out(true);
	fake_window_destroy(T.o);
	assert_int_equal(fake_slab_in_use("vm_object"), 0);
	assert_int_equal(fake_slab_in_use("kmsg"), 0);
	assert_int_equal(quota_used(A), T.unmapped);
	expect_empty(B, T.obj);
}

static void the_mapper_ending_with_its_request_queued_leaves_nothing_on_receipt(
    void **state)
{
	map_window();
	uint64_t id = T.o->id, accounts = fake_slab_in_use("account");

	fault_times_out(false);
	task_end(A);
	/* A's account lives on while its request is charged to it. */
	assert_int_equal(fake_slab_in_use("vm_object"), 0);
	assert_int_equal(fake_slab_in_use("kmsg"), 1);
	assert_int_equal(fake_slab_in_use("account"), accounts);
	assert_int_equal(msg_receive(B, T.obj),
			 sizeof(struct uk_pager_request));
	const struct uk_pager_request *r = (const void *)received(B);
	assert_int_equal(r->object, id);
	assert_int_equal(fake_slab_in_use("kmsg"), 0);
	assert_int_equal(fake_slab_in_use("account"), accounts - 1);
	assert_int_equal(supply(B, T.obj, id, PAGE(0), SPARE_ADDR, PAGE_SIZE),
			 -ERR_NOT_FOUND);
}

/* ---- the mapper's side ---- */

static void mapper_is_at_its_quota(void *arg)
{
	expect_request(PAGE(1), UK_VM_READ);
	T.filled = fill_quota(A);
	uint64_t frames = fake_frames_in_use(), b_was = quota_used(B);
	fill_pattern(B, SPARE_ADDR, 2 * PAGE_SIZE, 0x8);
	/* Pages below and above the one A waits for: not its answer. */
	assert_int_equal(
	    supply(B, T.obj, T.o->id, PAGE(0), SPARE_ADDR, PAGE_SIZE),
	    -ERR_LIMIT);
	assert_int_equal(
	    supply(B, T.obj, T.o->id, PAGE(2), SPARE_ADDR, 2 * PAGE_SIZE),
	    -ERR_LIMIT);
	still_waiting(T.o, &A->thread);
	assert_int_equal(
	    supply(B, T.obj, T.o->id, PAGE(1), SPARE_ADDR, PAGE_SIZE),
	    -ERR_LIMIT);
	woken(&A->thread, -ERR_LIMIT);
	/* Not charged to the pager instead. */
	assert_int_equal(quota_used(B), b_was);
	assert_int_equal(fake_frames_in_use(), frames);
	unfill_quota(A, T.filled);
}

static void
supply_to_a_mapper_at_its_quota_returns_limit_and_fails_the_waiter(void **state)
{
	map_window();
	uint64_t a_was = quota_used(A);

	fake_sched_block_runs(mapper_is_at_its_quota, NULL);
	assert_int_equal(fault(PAGE(1), false), -ERR_LIMIT);
	assert_int_equal(fake_window_pages(T.o), 0);
	assert_int_equal(quota_used(A), a_was);
	assert_int_equal(A->task.frames, 0);
	assert_false(T.o->requested);
}

static void mapper_has_room_for_one_page(void *arg)
{
	T.filled = fill_quota(A) - PAGE_SIZE;
	unfill_quota(A, PAGE_SIZE);
	fill_pattern(B, SPARE_ADDR, 2 * PAGE_SIZE, 0x8);
	/* The requested page is installed, the next one is over the quota. */
	assert_int_equal(
	    supply(B, T.obj, T.o->id, PAGE(0), SPARE_ADDR, 2 * PAGE_SIZE),
	    -ERR_LIMIT);
	assert_true(page_present(T.o, PAGE(0)));
	assert_false(page_present(T.o, PAGE(1)));
	woken(&A->thread, 0);
	unfill_quota(A, T.filled);
}

static void
supply_reaching_the_quota_after_the_requested_page_wakes_with_success(
    void **state)
{
	map_window();
	fake_sched_block_runs(mapper_has_room_for_one_page, NULL);
	assert_int_equal(fault(PAGE(0), false), 0);
	assert_int_equal(fake_window_pages(T.o), 1);
	assert_false(T.o->requested);
}

static void
supply_for_a_dead_mapper_returns_dead_and_installs_nothing(void **state)
{
	map_window();
	fault_times_out(true);
	uint64_t a_was = quota_used(A), frames = fake_frames_in_use();

	/* As task_terminate leaves it: ended, its memory not yet released. */
	A->task.state = TASK_ZOMBIE;
	fill_pattern(B, SPARE_ADDR, PAGE_SIZE, 0x8);
	assert_int_equal(
	    supply(B, T.obj, T.o->id, PAGE(0), SPARE_ADDR, PAGE_SIZE),
	    -ERR_DEAD);
	assert_int_equal(refuse(B, T.obj, T.o->id, PAGE(0), ERR_IO), -ERR_DEAD);
	assert_int_equal(fake_window_pages(T.o), 0);
	assert_int_equal(quota_used(A), a_was);
	assert_int_equal(fake_frames_in_use(), frames);
	assert_true(T.o->requested);
}

/* ---- one request per window ---- */

static void pager_answers_before_taking_the_request(void *arg)
{
	assert_int_equal(queued_on(B, T.obj), 1);
	fill_pattern(B, SPARE_ADDR, PAGE_SIZE, 0x21);
	assert_int_equal(
	    supply(B, T.obj, T.o->id, PAGE(0), SPARE_ADDR, PAGE_SIZE), 1);
	woken(&A->thread, 0);
}

static void the_request_was_rewritten(void *arg)
{
	assert_int_equal(queued_on(B, T.obj), 1);
	expect_request(PAGE(2), UK_VM_WRITE);
	expect_empty(B, T.obj);
}

static void
a_request_answered_before_it_was_taken_is_rewritten_in_place(void **state)
{
	map_window();
	fake_sched_block_runs(pager_answers_before_taking_the_request, NULL);
	assert_int_equal(fault(PAGE(0), false), 0);
	assert_true(T.o->request->in_flight);
	fake_sched_block_runs(the_request_was_rewritten, NULL);
	assert_int_equal(fault(PAGE(2), true), -ERR_TIMED_OUT);
	assert_int_equal(T.o->faults, 2);
	assert_int_equal(fake_slab_in_use("kmsg"), 1);
}

static void the_request_is_behind_what_came_since(void *arg)
{
	/* The message A sent after the first request (as a return posted
	 * since would be) comes first: the pager learns of the page's new
	 * bytes before it is asked for the page again. */
	assert_int_equal(queued_on(B, T.obj), 2);
	assert_true(msg_receive(B, T.obj) > 0);
	assert_int_equal(received(B)->flags, 0); /* A's, not the kernel's */
	expect_request(PAGE(2), UK_VM_WRITE);
	expect_empty(B, T.obj);
}

static void a_rewritten_request_goes_behind_messages_queued_since(void **state)
{
	map_window();
	fake_sched_block_runs(pager_answers_before_taking_the_request, NULL);
	assert_int_equal(fault(PAGE(0), false), 0);
	assert_true(T.o->request->in_flight);
	assert_int_equal(send_plain(A, T.send, UK_DISP_COPY_SEND), 0);
	fake_sched_block_runs(the_request_is_behind_what_came_since, NULL);
	assert_int_equal(fault(PAGE(2), true), -ERR_TIMED_OUT);
}

static int64_t flush(struct fake_task *ft, uk_name_t port, uint64_t object,
		     uint64_t offset, uint64_t size)
{
	run_as(ft);
	return sys_pager_flush(port, object, offset, size);
}

static void pager_flush_by_the_pager_only_inside_the_window(void **state)
{
	map_window();
	fill_pattern(B, SPARE_ADDR, 2 * PAGE_SIZE, 0x31);
	assert_int_equal(
	    supply(B, T.obj, T.o->id, PAGE(1), SPARE_ADDR, 2 * PAGE_SIZE), 2);
	uint64_t a_was = quota_used(A);

	/* Refused, nothing leaves: a send right, a wrong id, outside the
	 * window, unaligned or empty. */
	assert_int_equal(flush(A, T.send, T.o->id, PAGE(0), WINDOW_SIZE),
			 -ERR_RIGHTS);
	assert_int_equal(flush(B, T.obj, T.o->id + 1, PAGE(0), WINDOW_SIZE),
			 -ERR_NOT_FOUND);
	assert_int_equal(flush(B, T.obj, T.o->id, PAGE(0), WINDOW_SIZE + PAGE_SIZE),
			 -ERR_INVALID);
	assert_int_equal(flush(B, T.obj, T.o->id, 0, PAGE_SIZE), -ERR_INVALID);
	assert_int_equal(flush(B, T.obj, T.o->id, PAGE(1) + 1, PAGE_SIZE),
			 -ERR_INVALID);
	assert_int_equal(flush(B, T.obj, T.o->id, PAGE(1), 0), -ERR_INVALID);
	assert_int_equal(fake_window_pages(T.o), 2);

	/* The pages leave, the mapper's frames go back, and the next touch
	 * asks again. */
	assert_int_equal(flush(B, T.obj, T.o->id, PAGE(0), WINDOW_SIZE), 2);
	assert_int_equal(fake_window_pages(T.o), 0);
	assert_int_equal(quota_used(A), a_was - 2 * PAGE_SIZE);
	assert_int_equal(flush(B, T.obj, T.o->id, PAGE(0), WINDOW_SIZE), 0);
	fake_sched_block_runs(nothing_happens, NULL);
	assert_int_equal(fault(PAGE(1), false), -ERR_TIMED_OUT);
	expect_request(PAGE(1), UK_VM_READ);
}

static void pager_answers_c_first(void *arg)
{
	/* One request per window, each with its window's id and badge. */
	assert_int_equal(queued_on(B, T.obj), 2);
	expect_request(PAGE(1), UK_VM_READ);
	expect_request_on(T.obj, T.other->id, PAGE(1), UK_VM_WRITE, BADGE_2);
	fill_pattern(B, SPARE_ADDR, 2 * PAGE_SIZE, 0x61);
	assert_int_equal(
	    supply(B, T.obj, T.other->id, PAGE(1), SPARE_ADDR, PAGE_SIZE), 1);
	woken(&C->thread, 0);
	still_waiting(T.o, &A->thread);
	assert_false(page_present(T.o, PAGE(1)));
	assert_int_equal(supply(B, T.obj, T.o->id, PAGE(1),
				SPARE_ADDR + PAGE_SIZE, PAGE_SIZE),
			 1);
	woken(&A->thread, 0);
}

static void c_faults_on_its_window(void *arg)
{
	fake_sched_block_runs(pager_answers_c_first, NULL);
	assert_int_equal(fault_on(T.other, &C->thread, PAGE(1), true), 0);
}

static void
windows_of_one_object_ask_and_are_answered_each_on_its_own(void **state)
{
	map_window();
	uk_name_t c_send = give_badged(B, T.obj, BADGE_2, C);
	T.other = mapped(C, map(C, c_send, WINDOW_OFFSET, WINDOW_SIZE,
				UK_VM_READ | UK_VM_WRITE, DEADLINE_NS));
	uint64_t a_was = quota_used(A), c_was = quota_used(C);

	fake_sched_block_runs(c_faults_on_its_window, NULL);
	assert_int_equal(fault(PAGE(1), false), 0);
	assert_memory_equal(page_of(T.other, PAGE(1)),
			    fake_user_ptr(&B->task, SPARE_ADDR, PAGE_SIZE),
			    PAGE_SIZE);
	assert_memory_equal(
	    page_of(T.o, PAGE(1)),
	    fake_user_ptr(&B->task, SPARE_ADDR + PAGE_SIZE, PAGE_SIZE),
	    PAGE_SIZE);
	assert_int_equal(fake_window_pages(T.o), 1);
	assert_int_equal(fake_window_pages(T.other), 1);
	assert_int_equal(quota_used(A), a_was + PAGE_SIZE);
	assert_int_equal(quota_used(C), c_was + PAGE_SIZE);
}

static const struct CMUnitTest pager_tests[] = {
    /* vm_map_object */
    IPC_TEST(vm_map_object_maps_a_window_charged_to_the_mapper),
    IPC_TEST(vm_map_object_of_a_bad_name_returns_bad_name),
    IPC_TEST(vm_map_object_without_a_send_right_returns_rights),
    IPC_TEST(vm_map_object_through_a_dead_name_returns_dead),
    IPC_TEST(vm_map_object_refuses_flags_beyond_read_and_write),
    IPC_TEST(vm_map_object_refuses_an_unaligned_empty_or_wrapping_range),
    IPC_TEST(
	vm_map_object_refuses_a_deadline_above_the_maximum_and_defaults_zero),
    IPC_TEST(vm_map_object_without_memory_returns_the_error_and_keeps_nothing),
    /* faults and supplies */
    IPC_TEST(a_fault_posts_one_request_from_the_kernel_with_the_badge),
    IPC_TEST(a_second_fault_while_a_request_is_outstanding_posts_none),
    IPC_TEST(supply_installs_the_page_charged_to_the_mapper_and_wakes_it),
    IPC_TEST(supply_answered_twice_installs_nothing_the_second_time),
    IPC_TEST(supply_of_another_page_installs_it_and_leaves_the_waiter_waiting),
    IPC_TEST(supply_of_several_pages_installs_each_and_wakes_the_waiter),
    IPC_TEST(supply_of_a_range_unaligned_or_outside_the_window_returns_invalid),
    IPC_TEST(supply_beyond_the_most_one_call_takes_returns_too_big),
    IPC_TEST(supply_from_a_bad_address_returns_fault_and_installs_nothing),
    IPC_TEST(supply_and_error_need_the_receive_right_of_the_window_s_port),
    /* refusals */
    IPC_TEST(pager_error_for_the_outstanding_offset_fails_every_waiter_with_it),
    IPC_TEST(pager_error_for_another_offset_returns_not_found),
    IPC_TEST(pager_error_of_zero_or_an_unknown_code_returns_invalid),
    /* the ends of a wait */
    IPC_TEST(a_fault_whose_deadline_passes_returns_timed_out),
    IPC_TEST(the_pager_port_destroyed_while_a_fault_waits_fails_it_with_dead),
    IPC_TEST(the_pager_task_ending_while_a_fault_waits_fails_it_with_dead),
    IPC_TEST(a_fault_after_the_port_died_returns_dead_at_once),
    IPC_TEST(a_rewritten_request_goes_behind_messages_queued_since),
    IPC_TEST(pager_flush_by_the_pager_only_inside_the_window),
    IPC_TEST(unmapping_the_window_with_its_request_queued_frees_it_on_receipt),
    IPC_TEST(
	unmapping_the_window_with_its_request_queued_frees_it_with_the_port),
    IPC_TEST(unmapping_the_window_after_the_pager_took_the_request_frees_it),
    IPC_TEST(
	the_mapper_ending_with_its_request_queued_leaves_nothing_on_receipt),
    /* the mapper's side */
    IPC_TEST(
	supply_to_a_mapper_at_its_quota_returns_limit_and_fails_the_waiter),
    IPC_TEST(
	supply_reaching_the_quota_after_the_requested_page_wakes_with_success),
    IPC_TEST(supply_for_a_dead_mapper_returns_dead_and_installs_nothing),
    /* one request per window */
    IPC_TEST(a_request_answered_before_it_was_taken_is_rewritten_in_place),
    IPC_TEST(windows_of_one_object_ask_and_are_answered_each_on_its_own),
};

int main(void)
{
	return cmocka_run_group_tests_name("pager", pager_tests, NULL, NULL);
}
