/* SPDX-License-Identifier: MIT */
/*
 * Syscall argument checking, time, memory and kernel information. Every
 * pointer argument is tried with NULL, a kernel address, a non-canonical
 * address, an unmapped user address and a length that runs off the end.
 */
#include <string.h>

#include "ktest.h"

#define KERNEL_PTR 0xffffffff80100000ull
#define DIRECT_MAP_PTR 0xffff800000001000ull
#define NONCANONICAL_PTR 0x0000800000000000ull
#define UNMAPPED_PTR 0x0000500000000000ull
#define LAST_USER_PAGE 0x00007ffffffff000ull

static const uint64_t bad_pointers[] = {
	0, 8, KERNEL_PTR, DIRECT_MAP_PTR, NONCANONICAL_PTR, UNMAPPED_PTR,
	LAST_USER_PAGE, UINT64_MAX,
};
#define NBAD (sizeof(bad_pointers) / sizeof(bad_pointers[0]))

DEFINE_TEST(KERN0001, debug_write_returns_the_length_written)
{
	EXPECT_EQ(uk_debug_write("ktest: hello from user mode\n", 28), 28);
	EXPECT_EQ(uk_debug_write("x", 0), 0);
}

DEFINE_TEST(KERN0002, debug_write_rejects_bad_pointers_and_lengths)
{
	static char buf[64] = "ktest: this line must not appear whole\n";

	for (unsigned i = 0; i < NBAD; i++)
		EXPECT_ERR(uk_debug_write((const char *)bad_pointers[i], 16),
			   ERR_FAULT);
	EXPECT_ERR(uk_debug_write(buf, UINT64_MAX), ERR_FAULT);
	EXPECT_ERR(uk_debug_write(buf, 1ull << 47), ERR_FAULT);
	/* A buffer that runs from mapped into unmapped memory. */
	long page = uk_vm_allocate(4096, UK_VM_READ | UK_VM_WRITE);
	EXPECT(page > 0);
	EXPECT_ERR(uk_debug_write((const char *)page + 4000, 200), ERR_FAULT);
	uk_vm_free((uint64_t)page, 4096);
}

DEFINE_TEST(KERN0003, unknown_syscall_numbers_return_no_syscall)
{
	static const long numbers[] = { 30, 31, 48, 50, 63, 64, 1000, -1,
					(long)0x8000000000000000ull };
	for (unsigned i = 0; i < sizeof(numbers) / sizeof(numbers[0]); i++)
		EXPECT_ERR(uk_syscall6(numbers[i], 1, 2, 3, 4, 5, 6),
			   ERR_NO_SYSCALL);
}

DEFINE_TEST(KERN0004, clock_is_monotonic_and_advances)
{
	long prev = uk_clock();
	EXPECT(prev >= 0);
	for (int i = 0; i < 1000; i++) {
		long now = uk_clock();
		EXPECT(now >= prev);
		prev = now;
	}
	uk_sleep(20000000);
	EXPECT(uk_clock() >= prev + 20000000);
}

DEFINE_TEST(KERN0005, sleep_waits_at_least_its_timeout)
{
	long start = uk_clock();
	EXPECT_EQ(uk_sleep(50000000), 0);
	long slept = uk_clock() - start;
	EXPECT(slept >= 50000000);
	EXPECT(slept < 2000000000); /* and returns: not a hang */
	EXPECT_EQ(uk_sleep(0), 0);
}

DEFINE_TEST(KERN0006, yield_returns_success)
{
	for (int i = 0; i < 10; i++)
		EXPECT_EQ(uk_yield(), 0);
}

DEFINE_TEST(KERN0007, vm_allocate_gives_zeroed_private_memory)
{
	long a = uk_vm_allocate(3 * 4096 + 1, UK_VM_READ | UK_VM_WRITE);
	EXPECT(a > 0);
	if (a <= 0)
		return;
	EXPECT_EQ(a & 4095, 0);
	const uint8_t *p = (const uint8_t *)a;
	int nonzero = 0;
	for (int i = 0; i < 4 * 4096; i++)
		nonzero |= p[i];
	EXPECT_EQ(nonzero, 0);
	memset((void *)a, 0x5a, 4 * 4096);
	long b = uk_vm_allocate(4096, UK_VM_READ | UK_VM_WRITE);
	EXPECT(b > 0 && (b >= a + 4 * 4096 || b + 4096 <= a));
	EXPECT_EQ(uk_vm_free((uint64_t)a, 4 * 4096), 0);
	EXPECT_ERR(uk_vm_free((uint64_t)a, 4 * 4096), ERR_NOT_FOUND);
	EXPECT_EQ(uk_vm_free((uint64_t)b, 4096), 0);
}

DEFINE_TEST(KERN0008, vm_calls_reject_bad_arguments)
{
	EXPECT_ERR(uk_vm_allocate(0, UK_VM_READ), ERR_INVALID);
	EXPECT_ERR(uk_vm_allocate(4096, 0x80), ERR_INVALID);
	EXPECT_ERR(uk_vm_allocate(4096, UK_VM_WRITE | UK_VM_EXEC), ERR_PERMISSION);
	EXPECT_ERR(uk_vm_allocate(UINT64_MAX, UK_VM_READ), ERR_NO_MEMORY);
	EXPECT_ERR(uk_vm_allocate(1ull << 46, UK_VM_READ), ERR_NO_MEMORY);
	EXPECT_ERR(uk_vm_free(UNMAPPED_PTR, 4096), ERR_NOT_FOUND);
	EXPECT_ERR(uk_vm_free(KERNEL_PTR, 4096), ERR_FAULT);
	EXPECT_ERR(uk_vm_free(NONCANONICAL_PTR, 4096), ERR_FAULT);
	EXPECT_ERR(uk_vm_free(0x400000, UINT64_MAX), ERR_FAULT);
	long a = uk_vm_allocate(2 * 4096, UK_VM_READ | UK_VM_WRITE);
	EXPECT_ERR(uk_vm_free((uint64_t)a, 4096), ERR_INVALID); /* part of a region */
	EXPECT_ERR(uk_vm_free(0x400000, 4096), ERR_INVALID);	/* program image */
	EXPECT_EQ(uk_vm_free((uint64_t)a, 2 * 4096), 0);
}

DEFINE_TEST(KERN0009, kinfo_reports_memory_and_rejects_bad_buffers)
{
	struct uk_kinfo_memory m;
	static struct uk_kinfo_task tasks[64];

	EXPECT_EQ(uk_kinfo(UK_KINFO_MEMORY, &m, sizeof(m)), sizeof(m));
	EXPECT(m.frames_total > 1000 && m.frames_free <= m.frames_total);
	EXPECT(m.tasks >= 2 && m.threads >= 2);
	long n = uk_kinfo(UK_KINFO_TASKS, tasks, sizeof(tasks));
	EXPECT(n >= 2);
	int found_self = 0;
	for (long i = 0; i < n && i < 64; i++)
		if (tasks[i].id == (uint64_t)uk_task_self() &&
		    !strcmp(tasks[i].name, "ktest"))
			found_self = 1;
	EXPECT(found_self);
	EXPECT_ERR(uk_kinfo(99, &m, sizeof(m)), ERR_INVALID);
	EXPECT_ERR(uk_kinfo(UK_KINFO_MEMORY, &m, 4), ERR_INVALID);
	for (unsigned i = 0; i < NBAD; i++) {
		EXPECT_ERR(uk_kinfo(UK_KINFO_MEMORY, (void *)bad_pointers[i],
				    sizeof(m)), ERR_FAULT);
		EXPECT_ERR(uk_kinfo(UK_KINFO_TASKS, (void *)bad_pointers[i],
				    sizeof(tasks)), ERR_FAULT);
	}
	/* Read-only memory is not a valid output buffer. */
	EXPECT_ERR(uk_kinfo(UK_KINFO_MEMORY, (void *)0x400000ull,
			    sizeof(m)), ERR_FAULT);
}

/* A small deterministic generator (xorshift64*) so a failing run can be
 * repeated from the seed it prints. */
static uint64_t rng_state;
static uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1Dull;
}

static uint64_t wild_value(void)
{
	static const uint64_t specials[] = {
		0, 1, 8, 4095, 4096, 0x400000, KERNEL_PTR, DIRECT_MAP_PTR,
		NONCANONICAL_PTR, UNMAPPED_PTR, LAST_USER_PAGE, UINT64_MAX,
		UINT64_MAX - 4095, 1ull << 63, 0x7fffffffffffffffull,
	};
	uint64_t r = rng();
	return (r & 3) ? specials[(r >> 8) % (sizeof(specials) / 8)] : rng();
}

DEFINE_TEST(KERN0010, wild_arguments_to_every_syscall_return_errors)
{
	/* Syscalls that would end or block this task are given only the
	 * arguments that make them fail fast. */
	rng_state = 0x9e3779b97f4a7c15ull ^ (uint64_t)rdtsc();
	if (!rng_state)
		rng_state = 1;
	printf("ktest: KERN0010 seed %lx\n", rng_state);
	for (int i = 0; i < 4000; i++) {
		long n = (long)(rng() % 20);
		uint64_t a0 = wild_value(), a1 = wild_value(), a2 = wild_value();
		uint64_t a3 = wild_value();
		switch (n) {
		case SYS_task_exit:
		case SYS_thread_exit:
		case SYS_yield:
		case SYS_clock:
		case SYS_task_self:
		case SYS_thread_self:
			continue;
		case SYS_sleep:
		case SYS_thread_create:
			continue; /* covered by their own tests */
		case SYS_task_wait:
			a2 = 0; /* poll */
			break;
		case SYS_task_kill:
			if (a0 == (uint64_t)uk_task_self())
				continue;
			break;
		case SYS_vm_allocate:
			if (a0 < (1ull << 24))
				a0 = UINT64_MAX; /* no real allocations: no leak */
			break;
		case SYS_debug_write:
			a1 = UINT64_MAX; /* never print the garbage it points at */
			break;
		default:
			break;
		}
		long rc = uk_syscall6(n, (long)a0, (long)a1, (long)a2, (long)a3,
				      (long)wild_value(), (long)wild_value());
		if (n == SYS_vm_allocate && rc > 0)
			uk_vm_free((uint64_t)rc, a0);
		if (rc > 0 && n != SYS_debug_write && n != SYS_kinfo &&
		    n != SYS_vm_allocate)
			ktest_fail(__FILE__, __LINE__,
				   "syscall %ld(%lx, %lx, %lx) succeeded", n,
				   a0, a1, a2);
	}
}
