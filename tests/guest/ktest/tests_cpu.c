/* SPDX-License-Identifier: MIT */
/*
 * The CPU as the kernel set it up: what UK_KINFO_CPU reports, and the
 * protections a user program can observe (UMIP, native x87 errors). The
 * same suite runs on TCG's default CPU and on -cpu max (guest.ktest.cpumax),
 * so each test checks what the reported features promise on either.
 */
#include <string.h>

#include "ktest.h"

#define ALL_FEATURES                                                           \
	(UK_CPU_NX | UK_CPU_SMEP | UK_CPU_SMAP | UK_CPU_UMIP | UK_CPU_PGE)

DEFINE_TEST(CPU0001, kinfo_cpu_reports_identity_and_protections)
{
	struct uk_kinfo_cpu c;
	static const uint64_t bad[] = {0, 8, 0xffffffff80100000ull,
				       0x0000800000000000ull,
				       0x0000500000000000ull};

	memset(&c, 0xa5, sizeof(c));
	EXPECT_EQ(uk_kinfo(UK_KINFO_CPU, &c, sizeof(c)), sizeof(c));
	EXPECT(c.brand[0] != '\0' && c.brand[0] != ' ');
	EXPECT(memchr(c.brand, '\0', sizeof(c.brand)) != NULL);
	EXPECT(memchr(c.hypervisor, '\0', sizeof(c.hypervisor)) != NULL);
	EXPECT(c.phys_bits >= 32 && c.phys_bits <= 52);
	EXPECT_EQ(c.features & ~ALL_FEATURES, 0);
	EXPECT_EQ(c.enabled & ~c.features, 0);
	/* The kernel turns on every protection it knows the CPU has. */
	EXPECT_EQ(c.enabled, c.features);
	EXPECT(c.tsc == UK_TSC_CYCLES || c.tsc == UK_TSC_INSTRUCTIONS);
	EXPECT(c.family != 0);
	EXPECT_EQ(c.reserved, 0);
	printf("ktest: cpu \"%s\", hypervisor \"%s\", family %u model %u, "
	       "phys_bits %u, features %x, enabled %x, tsc %u\n",
	       c.brand, c.hypervisor, c.family, c.model, c.phys_bits,
	       c.features, c.enabled, c.tsc);

	EXPECT_ERR(uk_kinfo(UK_KINFO_CPU, &c, sizeof(c) - 1), ERR_INVALID);
	EXPECT_ERR(uk_kinfo(UK_KINFO_CPU, &c, 0), ERR_INVALID);
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		EXPECT_ERR(uk_kinfo(UK_KINFO_CPU, (void *)bad[i], sizeof(c)),
			   ERR_FAULT);
	/* Read-only memory (program text) is not a valid output buffer. */
	EXPECT_ERR(uk_kinfo(UK_KINFO_CPU, (void *)0x400000ull, sizeof(c)),
		   ERR_FAULT);
}

static unsigned cpu_enabled(void)
{
	struct uk_kinfo_cpu c;

	return uk_kinfo(UK_KINFO_CPU, &c, sizeof(c)) == sizeof(c) ? c.enabled
								  : 0;
}

DEFINE_TEST(CPU0002, umip_makes_descriptor_table_stores_fault)
{
	static const char *const modes[] = {"sgdt", "sidt"};

	for (unsigned i = 0; i < 2; i++) {
		const char *argv[] = {"hostile", modes[i], NULL};
		struct uk_exit_status st = run_hostile(argv);
		if (cpu_enabled() & UK_CPU_UMIP) {
			EXPECT_EQ(st.reason, UK_EXIT_FAULT);
			EXPECT_EQ(st.vector, 13);
		} else {
			/* Without UMIP the store succeeds and hostile reports
			 * that the fault did not happen. */
			EXPECT_EQ(st.reason, UK_EXIT_NORMAL);
			EXPECT_EQ(st.code, 99);
		}
	}
}

DEFINE_TEST(CPU0003, unmasked_x87_error_faults_the_task_with_vector_16)
{
	const char *argv[] = {"hostile", "x87-error", NULL};
	struct uk_exit_status st = run_hostile(argv);

	/* CR0.NE: #MF in the task, on every CPU. */
	EXPECT_EQ(st.reason, UK_EXIT_FAULT);
	EXPECT_EQ(st.vector, 16);
}

/* The boot's identity: a real-time clock the proxy's epochs and logs can
 * use, an epoch that is never 0, and an uptime that moves. */
DEFINE_TEST(CPU0004, kinfo_boot_reports_clock_epoch_and_uptime)
{
	struct uk_kinfo_boot a, b;

	memset(&a, 0xa5, sizeof(a));
	EXPECT_EQ(uk_kinfo(UK_KINFO_BOOT, &a, sizeof(a)), sizeof(a));
	EXPECT(a.epoch != 0);
	/* QEMU's RTC runs on the host's clock: after 2020-01-01, before 2100. */
	EXPECT(a.wall_clock > 1577836800ull && a.wall_clock < 4102444800ull);
	EXPECT_EQ(a.epoch >> 32, a.wall_clock & 0xffffffffu);
	EXPECT_EQ(a.reserved, 0);
	EXPECT_EQ(a.node, 1); /* the harness boots node=1 */
	EXPECT_EQ(uk_sleep(20000000), 0);
	EXPECT_EQ(uk_kinfo(UK_KINFO_BOOT, &b, sizeof(b)), sizeof(b));
	EXPECT_EQ(b.epoch, a.epoch);
	EXPECT_EQ(b.wall_clock, a.wall_clock);
	EXPECT(b.uptime_ms >= a.uptime_ms + 20);
	printf("ktest: wall clock %lu, epoch %lx, uptime %lu ms\n",
	       (unsigned long)a.wall_clock, (unsigned long)a.epoch,
	       (unsigned long)b.uptime_ms);
	EXPECT_ERR(uk_kinfo(UK_KINFO_BOOT, &a, sizeof(a) - 1), ERR_INVALID);
	EXPECT_ERR(uk_kinfo(UK_KINFO_BOOT, (void *)0x400000ull, sizeof(a)),
		   ERR_FAULT);
}

/* Where the CPU's time went: busy + idle = total; a task's cpu_tsc grows
 * while it computes and not while it sleeps, and the CPU is idle while
 * everyone sleeps (the icount benchmarks count instructions by these). */
DEFINE_TEST(CPU0005, kinfo_load_and_task_cpu_time_account_the_cpu)
{
	struct uk_kinfo_load a, b, c;
	struct uk_kinfo_task t0, t1, t2;

	memset(&t0, 0, sizeof(t0));
	t0.id = (uint64_t)uk_task_self();
	t1 = t2 = t0;
	EXPECT_EQ(uk_kinfo(UK_KINFO_LOAD, &a, sizeof(a)), sizeof(a));
	EXPECT_EQ(uk_kinfo(UK_KINFO_TASK, &t0, sizeof(t0)), sizeof(t0));
	EXPECT_EQ(a.busy + a.idle, a.total);
	EXPECT_EQ(a.reserved, 0);
	/* Compute: only this task runs. */
	volatile uint64_t x = 0;
	for (unsigned i = 0; i < 2000000; i++)
		x += i;
	EXPECT_EQ(uk_kinfo(UK_KINFO_LOAD, &b, sizeof(b)), sizeof(b));
	EXPECT_EQ(uk_kinfo(UK_KINFO_TASK, &t1, sizeof(t1)), sizeof(t1));
	/* Sleep: the CPU idles (every other task of the suite is asleep). */
	EXPECT_EQ(uk_sleep(30000000), 0);
	EXPECT_EQ(uk_kinfo(UK_KINFO_LOAD, &c, sizeof(c)), sizeof(c));
	EXPECT_EQ(uk_kinfo(UK_KINFO_TASK, &t2, sizeof(t2)), sizeof(t2));
	uint64_t busy_loop = b.busy - a.busy, idle_loop = b.idle - a.idle;
	uint64_t busy_sleep = c.busy - b.busy, idle_sleep = c.idle - b.idle;
	uint64_t mine_loop = t1.cpu_tsc - t0.cpu_tsc;
	uint64_t mine_sleep = t2.cpu_tsc - t1.cpu_tsc;
	printf("ktest: loop busy %lu idle %lu (mine %lu); sleep busy %lu idle %lu "
	       "(mine %lu)\n",
	       (unsigned long)busy_loop, (unsigned long)idle_loop,
	       (unsigned long)mine_loop, (unsigned long)busy_sleep,
	       (unsigned long)idle_sleep, (unsigned long)mine_sleep);
	/* A switch away is when the task is charged, so its time shows after
	 * it has been off the CPU at least once: after the sleep. */
	EXPECT(t2.cpu_tsc - t0.cpu_tsc >= busy_loop / 2);
	EXPECT(busy_loop > 1000000);
	EXPECT(idle_loop < busy_loop / 4);
	EXPECT(idle_sleep > busy_sleep);
	EXPECT(c.total > b.total && b.total > a.total);
	EXPECT_ERR(uk_kinfo(UK_KINFO_LOAD, &a, sizeof(a) - 1), ERR_INVALID);
	EXPECT_ERR(uk_kinfo(UK_KINFO_LOAD, (void *)0x400000ull, sizeof(a)),
		   ERR_FAULT);
}
