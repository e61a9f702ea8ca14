/* SPDX-License-Identifier: MIT */
/*
 * Tasks and threads: creation from images (valid and malformed), exit
 * status, faults that kill only the faulting task, wait and kill
 * semantics, preemption and priorities, exhaustion without leaks.
 */
#include <string.h>

#include "ktest.h"

static long spawn_copy(const void *image, size_t len, const char *mode)
{
	const char *argv[] = { "hostile", mode, NULL };
	return spawn_image(image, len, "hostile", argv, UK_PRIORITY_DEFAULT);
}

DEFINE_TEST(TASK0001, child_exit_code_reaches_the_parent)
{
	const char *argv[] = { "hostile", "exit", "42", NULL };
	struct uk_exit_status st = run_hostile(argv);

	EXPECT_EQ(st.reason, UK_EXIT_NORMAL);
	EXPECT_EQ(st.code, 42);
	EXPECT(st.task != 0);
}

/* Offsets into an ELF64 header. */
#define E_TYPE 16
#define E_MACHINE 18
#define E_ENTRY 24
#define E_PHOFF 32
#define E_PHENTSIZE 54
#define E_PHNUM 56
#define P_VADDR 16
#define P_FILESZ 32
#define P_MEMSZ 40

static uint64_t phoff(const char *img)
{
	uint64_t v;
	memcpy(&v, img + E_PHOFF, 8);
	return v;
}

DEFINE_TEST(TASK0002, malformed_images_are_refused)
{
	size_t len = HOSTILE_SIZE;
	char *img = malloc(len);
	EXPECT(img != NULL);
	if (!img)
		return;
	const uint64_t kernel = 0xffffffff80000000ull, huge = UINT64_MAX;
	const uint16_t bad16 = 3;
	struct {
		const char *what;
		size_t offset;
		const void *value;
		size_t size;
	} cases[] = {
		{ "magic", 0, "\177ELG", 4 },
		{ "class", 4, "\001", 1 },
		{ "type", E_TYPE, &bad16, 2 },
		{ "machine", E_MACHINE, &bad16, 2 },
		{ "phentsize", E_PHENTSIZE, &bad16, 2 },
		{ "phoff", E_PHOFF, &huge, 8 },
		{ "entry", E_ENTRY, &kernel, 8 },
		{ "segment vaddr", 0, &kernel, 8 },
		{ "segment filesz", 1, &huge, 8 },
		{ "segment memsz", 2, &huge, 8 },
	};
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memcpy(img, hostile_image, len);
		size_t off = cases[i].offset;
		if (i >= 7) { /* fields of the first program header */
			static const size_t field[] = { P_VADDR, P_FILESZ, P_MEMSZ };
			off = phoff(img) + field[off];
		}
		memcpy(img + off, cases[i].value, cases[i].size);
		long rc = spawn_copy(img, len, "exit");
		if (rc != -ERR_BAD_IMAGE)
			ktest_fail(__FILE__, __LINE__, "bad %s: got %ld (%s)",
				   cases[i].what, rc, err_name(rc));
	}
	memcpy(img, hostile_image, len);
	EXPECT_ERR(spawn_copy(img, 63, "exit"), ERR_BAD_IMAGE);	/* truncated */
	/* Cut one byte short of the last segment's file data. */
	uint64_t data_end = 0;
	uint16_t phnum;
	memcpy(&phnum, img + E_PHNUM, 2);
	for (unsigned i = 0; i < phnum; i++) {
		const char *ph = img + phoff(img) + i * 56;
		uint32_t type;
		uint64_t off, filesz;
		memcpy(&type, ph, 4);
		memcpy(&off, ph + 8, 8);
		memcpy(&filesz, ph + P_FILESZ, 8);
		if (type == 1 && off + filesz > data_end)
			data_end = off + filesz;
	}
	EXPECT(data_end > 64 && data_end <= len);
	long cut = spawn_copy(img, data_end - 1, "exit");
	EXPECT_ERR(cut, ERR_BAD_IMAGE);
	if (cut > 0) {
		struct uk_exit_status st;
		uk_task_kill((uint64_t)cut);
		wait_task((uint64_t)cut, &st, 1000000000ull);
	}
	EXPECT_ERR(spawn_copy(NULL, len, "exit"), ERR_FAULT);
	EXPECT_ERR(spawn_copy((void *)0xffffffff80000000ull, len, "exit"), ERR_FAULT);
	EXPECT_ERR(spawn_copy(img, UINT64_MAX, "exit"), ERR_FAULT);
	/* Random bytes never start a task. */
	for (size_t i = 0; i < len; i++)
		img[i] = (char)(i * 131 + 7);
	EXPECT_ERR(spawn_copy(img, len, "exit"), ERR_BAD_IMAGE);
	free(img);
}

DEFINE_TEST(TASK0003, task_create_rejects_bad_argument_blocks)
{
	static union {
		struct uk_task_args a;
		char bytes[sizeof(struct uk_task_args) + 64];
	} req;

	memset(&req, 0, sizeof(req));
	strlcpy(req.a.name, "hostile", sizeof(req.a.name));
	req.a.priority = UK_PRIORITY_DEFAULT;
	memcpy(req.a.argv_blob, "hostile\0exit\0", 13);
	req.a.argc = 2;
	req.a.argv_len = 13;
	size_t size = sizeof(req.a) + 13;
	EXPECT_ERR(uk_task_create(hostile_image, HOSTILE_SIZE, &req.a, 10), ERR_INVALID);
	EXPECT_ERR(uk_task_create(hostile_image, HOSTILE_SIZE, &req.a, 1 << 20), ERR_TOO_BIG);
	EXPECT_ERR(uk_task_create(hostile_image, HOSTILE_SIZE, NULL, size), ERR_FAULT);
	req.a.argc = 3;
	EXPECT_ERR(uk_task_create(hostile_image, HOSTILE_SIZE, &req.a, size), ERR_INVALID);
	req.a.argc = 2;
	req.a.priority = 99;
	EXPECT_ERR(uk_task_create(hostile_image, HOSTILE_SIZE, &req.a, size), ERR_INVALID);
	req.a.priority = -1;
	EXPECT_ERR(uk_task_create(hostile_image, HOSTILE_SIZE, &req.a, size), ERR_INVALID);
	req.a.priority = UK_PRIORITY_DEFAULT;
	memset(req.a.name, 'x', sizeof(req.a.name)); /* no terminating NUL */
	EXPECT_ERR(uk_task_create(hostile_image, HOSTILE_SIZE, &req.a, size), ERR_INVALID);
	strlcpy(req.a.name, "hostile", sizeof(req.a.name));
	req.a.argv_len = 12; /* disagrees with the block size */
	EXPECT_ERR(uk_task_create(hostile_image, HOSTILE_SIZE, &req.a, size), ERR_INVALID);
	req.a.argv_len = 13;
	long id = uk_task_create(hostile_image, HOSTILE_SIZE, &req.a, size);
	EXPECT(id > 0);
	struct uk_exit_status st;
	EXPECT_EQ(wait_task((uint64_t)id, &st, 10000000000ull), 0);
	EXPECT_EQ(st.code, 0);
}

DEFINE_TEST(TASK0004, user_faults_kill_only_the_faulting_task)
{
	static const struct {
		const char *mode;
		unsigned vector;
	} cases[] = {
		{ "null-read", 14 },	 { "null-write", 14 },
		{ "kernel-read", 14 },	 { "kernel-write", 14 },
		{ "noncanonical", 13 },	 { "wild-jump", 14 },
		{ "kernel-jump", 14 },	 { "nx-exec", 14 },
		{ "write-text", 14 },	 { "cli", 13 },
		{ "hlt", 13 },		 { "in", 13 },
		{ "out", 13 },		 { "rdmsr", 13 },
		{ "wrmsr", 13 },	 { "mov-cr3", 13 },
		{ "lidt", 13 },		 { "int3", 13 },
		{ "int80", 13 },	 { "ud2", 6 },
		{ "div0", 0 },		 { "stack-overflow", 14 },
	};
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *argv[] = { "hostile", cases[i].mode, NULL };
		struct uk_exit_status st = run_hostile(argv);
		if (st.reason != UK_EXIT_FAULT || st.vector != cases[i].vector)
			ktest_fail(__FILE__, __LINE__,
				   "%s: reason %u vector %u, want fault vector %u",
				   cases[i].mode, st.reason, st.vector,
				   cases[i].vector);
	}
}

DEFINE_TEST(TASK0005, wait_reports_missing_children_and_timeouts)
{
	struct uk_exit_status st;

	EXPECT_ERR(wait_task(0, &st, 0), ERR_NO_CHILD);
	EXPECT_ERR(wait_task(0x123400000001ull, &st, 0), ERR_NO_CHILD);
	const char *argv[] = { "hostile", "sleep", NULL };
	long id = spawn_image(hostile_image, HOSTILE_SIZE, "sleeper", argv,
			      UK_PRIORITY_DEFAULT);
	EXPECT(id > 0);
	EXPECT_ERR(wait_task((uint64_t)id, &st, 0), ERR_TIMED_OUT);
	long start = uk_clock();
	EXPECT_ERR(wait_task((uint64_t)id, &st, 30000000), ERR_TIMED_OUT);
	EXPECT(uk_clock() - start >= 30000000);
	EXPECT_ERR(wait_task((uint64_t)id, NULL, 0), ERR_FAULT);
	EXPECT_ERR(wait_task((uint64_t)id, (void *)0xffffffff80000000ull, 0), ERR_FAULT);
	EXPECT_EQ(uk_task_kill((uint64_t)id), 0);
	/* A bad status buffer loses nothing: the status is still there. */
	EXPECT_ERR(wait_task((uint64_t)id, (void *)0x400000ull, 1000000000), ERR_FAULT);
	EXPECT_EQ(wait_task((uint64_t)id, &st, 1000000000), 0);
	EXPECT_EQ(st.reason, UK_EXIT_KILLED);
	/* The id is stale now. */
	EXPECT_ERR(uk_task_kill((uint64_t)id), ERR_NOT_FOUND);
	EXPECT_ERR(wait_task((uint64_t)id, &st, 0), ERR_NO_CHILD);
}

DEFINE_TEST(TASK0006, only_ancestors_may_kill_a_task)
{
	struct uk_kinfo_task tasks[64];
	long n = uk_kinfo(UK_KINFO_TASKS, tasks, sizeof(tasks));
	uint64_t init_id = 0;

	for (long i = 0; i < n && i < 64; i++)
		if (!strcmp(tasks[i].name, "init"))
			init_id = tasks[i].id;
	EXPECT(init_id != 0);
	EXPECT_ERR(uk_task_kill(init_id), ERR_PERMISSION);
	EXPECT_ERR(uk_task_kill(0), ERR_NOT_FOUND);
	EXPECT_ERR(uk_task_kill(UINT64_MAX), ERR_NOT_FOUND);
}

static volatile uint64_t counters[2];
static volatile int high_ran;

static void spinner(uint64_t index)
{
	for (;;)
		counters[index]++;
}

static void high_priority(uint64_t arg)
{
	(void)arg;
	high_ran = 1;
	uk_thread_exit();
}

DEFINE_TEST(TASK0007, threads_are_preempted_and_priorities_respected)
{
	static uint64_t stacks[3][512] __attribute__((aligned(16)));

	/* A higher-priority thread runs before thread_create returns. */
	high_ran = 0;
	EXPECT(uk_thread_create((uint64_t)high_priority, (uint64_t)&stacks[2][510],
				0, UK_PRIORITY_DEFAULT + 1) > 0);
	EXPECT_EQ(high_ran, 1);

	/* Two busy threads at a lower priority than ours both make progress
	 * while we sleep: only the timer can switch between them. The child
	 * task keeps them, so killing it stops them. */
	const char *argv[] = { "hostile", "sleep", NULL };
	(void)argv;
	EXPECT(uk_thread_create((uint64_t)spinner, (uint64_t)&stacks[0][510], 0,
				UK_PRIORITY_DEFAULT - 1) > 0);
	EXPECT(uk_thread_create((uint64_t)spinner, (uint64_t)&stacks[1][510], 1,
				UK_PRIORITY_DEFAULT - 1) > 0);
	uk_sleep(200000000);
	uint64_t a = counters[0], b = counters[1];
	EXPECT(a > 0);
	EXPECT(b > 0);
	/* We are at a higher priority: they must not run while we do. */
	uint64_t before = counters[0] + counters[1];
	for (volatile int i = 0; i < 2000000; i++)
		;
	EXPECT_EQ(counters[0] + counters[1], before);
}

DEFINE_TEST(TASK0008, thread_create_rejects_bad_arguments)
{
	static uint64_t stack[64] __attribute__((aligned(16)));
	uint64_t top = (uint64_t)&stack[62];

	EXPECT_ERR(uk_thread_create(0, top, 0, UK_PRIORITY_DEFAULT), ERR_FAULT);
	EXPECT_ERR(uk_thread_create(0xffffffff80100000ull, top, 0, UK_PRIORITY_DEFAULT), ERR_FAULT);
	EXPECT_ERR(uk_thread_create(0x0000800000000000ull, top, 0, UK_PRIORITY_DEFAULT), ERR_FAULT);
	EXPECT_ERR(uk_thread_create(0x400000, 0xffff800000000000ull, 0, UK_PRIORITY_DEFAULT), ERR_FAULT);
	EXPECT_ERR(uk_thread_create(0x400000, top, 0, UK_PRIORITY_MAX + 1), ERR_INVALID);
	EXPECT_ERR(uk_thread_create(0x400000, top, 0, -1), ERR_INVALID);
}

DEFINE_TEST(TASK0009, thread_exit_ends_the_task_only_with_its_last_thread)
{
	const char *argv[] = { "hostile", "threads-exit", NULL };
	struct uk_exit_status st = run_hostile(argv);
	EXPECT_EQ(st.reason, UK_EXIT_NORMAL);
	EXPECT_EQ(st.code, 7);

	const char *argv2[] = { "hostile", "last-thread-exit", NULL };
	st = run_hostile(argv2);
	EXPECT_EQ(st.reason, UK_EXIT_NORMAL);
	EXPECT_EQ(st.code, 0);
}

DEFINE_TEST(TASK0010, exhausting_memory_fails_cleanly_and_leaks_nothing)
{
	struct uk_kinfo_memory before, after;

	/* Warm up this task's own allocations so they are not counted. */
	const char *argv0[] = { "hostile", "exit", "00", NULL };
	run_hostile(argv0);
	EXPECT_EQ(uk_kinfo(UK_KINFO_MEMORY, &before, sizeof(before)), sizeof(before));

	const char *argv[] = { "hostile", "exhaust", NULL };
	struct uk_exit_status st = run_hostile(argv);
	EXPECT_EQ(st.reason, UK_EXIT_NORMAL);
	/* code = vm error * 100 + thread error; ktest runs with a quota
	 * (init.conf), which hostile shares, so the account may end first. */
	EXPECT(st.code / 100 == ERR_NO_MEMORY || st.code / 100 == ERR_LIMIT);
	EXPECT(st.code % 100 == ERR_NO_MEMORY || st.code % 100 == ERR_LIMIT);

	EXPECT_EQ(uk_kinfo(UK_KINFO_MEMORY, &after, sizeof(after)), sizeof(after));
	EXPECT_EQ(after.frames_free, before.frames_free);
	EXPECT_EQ(after.kobjects_in_use, before.kobjects_in_use);
	EXPECT_EQ(after.tasks, before.tasks);
	EXPECT_EQ(after.threads, before.threads);
	/* And the system still works. */
	const char *argv2[] = { "hostile", "exit", "05", NULL };
	st = run_hostile(argv2);
	EXPECT_EQ(st.code, 5);
}

DEFINE_TEST(TASK0011, many_tasks_in_a_row_leak_nothing)
{
	struct uk_kinfo_memory before, after;

	uk_kinfo(UK_KINFO_MEMORY, &before, sizeof(before));
	for (int i = 0; i < 50; i++) {
		const char *argv[] = { "hostile", i & 1 ? "null-read" : "exit", NULL };
		run_hostile(argv);
	}
	uk_kinfo(UK_KINFO_MEMORY, &after, sizeof(after));
	EXPECT_EQ(after.frames_free, before.frames_free);
	EXPECT_EQ(after.kobjects_in_use, before.kobjects_in_use);
}
