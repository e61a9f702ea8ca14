/* SPDX-License-Identifier: MIT */
/*
 * Scheduling and task authority (issue #11, attacks 5 and 7): a task
 * creates nothing above its maximum controlled priority (MCP), a busy
 * child at its cap leaves the node running, and only a task's ancestors
 * may kill it, wait for it (its parent) or see it; orphans go to init.
 * ktest runs with init's MCP (31), which lets it see every task.
 */
#include <fmt.h>
#include <string.h>

#include <uk/proto/rpc.h>

#include "ktest.h"

#define SECOND 1000000000ull

/* Start hostile MODE ARG at priority and MCP prio. */
static long spawn_capped(const char *mode, const char *arg, unsigned prio)
{
	const char *argv[] = {"hostile", mode, arg, NULL};
	struct uk_task_right r = {ns_port(), UK_DISP_COPY_SEND};

	return spawn_image_mcp(hostile_image, HOSTILE_SIZE, "hostile", argv,
			       (int)prio, prio, &r, r.name ? 1 : 0);
}

static long exit_code_of(long id)
{
	struct uk_exit_status st;

	if (id <= 0)
		return id;
	long rc = wait_task((uint64_t)id, &st, 10 * SECOND);
	if (rc < 0) {
		uk_task_kill((uint64_t)id);
		wait_task((uint64_t)id, &st, SECOND);
		return rc;
	}
	return st.reason == UK_EXIT_NORMAL ? st.code : -1000 - (long)st.reason;
}

DEFINE_TEST(AUTH0001, nothing_is_created_above_the_creators_mcp)
{
	/* The child checks itself at MCP 10 (see hostile's mcp-probe). */
	EXPECT_EQ(exit_code_of(spawn_capped("mcp-probe", "10", 10)), 0);
	EXPECT_EQ(exit_code_of(spawn_capped("mcp-probe", "0", 0)), 0);
	/* A child's MCP is at most ours; 32 is no priority at all. */
	struct uk_kinfo_task self = {.id = (uint64_t)uk_task_self()};
	EXPECT_EQ(uk_kinfo(UK_KINFO_TASK, &self, sizeof(self)), sizeof(self));
	if (self.mcp < UK_PRIORITY_MAX) {
		const char *argv[] = {"hostile", "exit", "00", NULL};
		EXPECT_ERR(spawn_image_mcp(hostile_image, HOSTILE_SIZE,
					   "hostile", argv, 1, self.mcp + 1,
					   NULL, 0),
			   ERR_PERMISSION);
	}
	const char *argv[] = {"hostile", "exit", "00", NULL};
	EXPECT_ERR(spawn_image_mcp(hostile_image, HOSTILE_SIZE, "hostile", argv,
				   1, UK_PRIORITY_MAX + 1, NULL, 0),
		   ERR_INVALID);
}

DEFINE_TEST(AUTH0002, a_busy_child_at_its_cap_leaves_the_node_running)
{
	/* The child tries to add a spinner at the top priority, then spins
	 * itself; its MCP is below our priority, so we still run, sleep,
	 * wake, and kill it. */
	uint64_t start = (uint64_t)uk_clock();
	long id = spawn_capped("escalate", "0", UK_PRIORITY_DEFAULT - 1);
	EXPECT(id > 0);
	if (id <= 0)
		return;
	uk_sleep(200000000);
	EXPECT((uint64_t)uk_clock() - start < 5 * SECOND);
	struct uk_kinfo_task k = {.id = (uint64_t)id};
	EXPECT_EQ(uk_kinfo(UK_KINFO_TASK, &k, sizeof(k)), sizeof(k));
	EXPECT_EQ(k.threads, 1); /* the top-priority spinner was refused */
	EXPECT_EQ(k.mcp, UK_PRIORITY_DEFAULT - 1);
	EXPECT_EQ(uk_task_kill((uint64_t)id), 0);
	struct uk_exit_status st;
	EXPECT_EQ(wait_task((uint64_t)id, &st, 10 * SECOND), 0);
	EXPECT_EQ(st.reason, UK_EXIT_KILLED);
}

DEFINE_TEST(AUTH0003, a_sibling_cannot_kill_wait_for_or_see_a_task)
{
	static char arg[24];
	long victim = spawn_capped("sleep", "0", UK_PRIORITY_DEFAULT - 1);
	EXPECT(victim > 0);
	if (victim <= 0)
		return;
	snprintf(arg, sizeof(arg), "%lx", (unsigned long)victim);
	/* hostile's sibling mode: kill, wait, kinfo list and kinfo of one
	 * task must all keep the victim out of its reach and sight. */
	EXPECT_EQ(
	    exit_code_of(spawn_capped("sibling", arg, UK_PRIORITY_DEFAULT - 1)),
	    0);
	/* The owner can. */
	struct uk_kinfo_task k = {.id = (uint64_t)victim};
	EXPECT_EQ(uk_kinfo(UK_KINFO_TASK, &k, sizeof(k)), sizeof(k));
	EXPECT_EQ(k.state, UK_TASK_ALIVE);
	EXPECT_EQ(uk_task_kill((uint64_t)victim), 0);
	struct uk_exit_status st;
	EXPECT_EQ(wait_task((uint64_t)victim, &st, 10 * SECOND), 0);
	EXPECT_EQ(st.reason, UK_EXIT_KILLED);
	/* Authority goes down the tree, never up: not our parent (init). */
	struct uk_kinfo_task self = {.id = (uint64_t)uk_task_self()};
	EXPECT_EQ(uk_kinfo(UK_KINFO_TASK, &self, sizeof(self)), sizeof(self));
	EXPECT(self.parent != 0);
	EXPECT_ERR(uk_task_kill(self.parent), ERR_PERMISSION);
}

DEFINE_TEST(AUTH0004, orphans_are_adopted_and_collected_by_init)
{
	static union {
		struct uk_msg_header h;
		uint8_t bytes[1024];
		uint64_t align_;
	} m;
	struct uk_exit_status st;
	struct uk_kinfo_task self = {.id = (uint64_t)uk_task_self()};
	EXPECT_EQ(uk_kinfo(UK_KINFO_TASK, &self, sizeof(self)), sizeof(self));

	/* The middle task gets the receive right of port, then the hostile
	 * image over it, starts its own child and ends. */
	long port = uk_port_allocate(UK_RIGHT_RECEIVE);
	EXPECT(port > 0);
	EXPECT(uk_port_insert_right((uk_name_t)port, UK_DISP_MAKE_SEND) >= 0);
	struct uk_task_right r = {(uk_name_t)port, UK_DISP_MOVE_RECEIVE};
	const char *argv[] = {"hostile", "adopt", NULL};
	long middle = spawn_image_mcp(hostile_image, HOSTILE_SIZE, "hostile",
				      argv, UK_PRIORITY_DEFAULT - 1,
				      UK_PRIORITY_DEFAULT - 1, &r, 1);
	EXPECT(middle > 0);
	if (middle <= 0)
		return;
	memset(&m.h, 0, sizeof(m.h));
	m.h.size = sizeof(m.h) + sizeof(struct uk_msg_ool);
	m.h.dest = (uk_name_t)port;
	m.h.n_ool = 1;
	*uk_msg_ools(&m.h) = (struct uk_msg_ool){
	    (uint64_t)(uintptr_t)hostile_image, HOSTILE_SIZE, UK_OOL_COPY, 0};
	EXPECT(uk_ipc_call(&m.h, m.h.size, &m.h, sizeof(m), 10 * SECOND) > 0);
	uint64_t orphan = 0;
	memcpy(&orphan, uk_msg_body(&m.h), sizeof(orphan));
	EXPECT(orphan != 0 && (long)orphan > 0);
	EXPECT_EQ(exit_code_of(middle), 0);
	uk_port_deallocate((uk_name_t)port);

	/* Its parent gone, the orphan is init's: not ours to kill or wait for.
	 */
	struct uk_kinfo_task k = {.id = orphan};
	EXPECT_EQ(uk_kinfo(UK_KINFO_TASK, &k, sizeof(k)), sizeof(k));
	EXPECT_EQ(k.parent, self.parent);
	EXPECT_ERR(uk_task_kill(orphan), ERR_PERMISSION);
	EXPECT_ERR(uk_task_wait(orphan, &st, 0), ERR_NO_CHILD);
	/* It naps and ends; init collects it, so it goes entirely. */
	long rc = 0;
	for (int i = 0; i < 50; i++) {
		k.id = orphan;
		rc = uk_kinfo(UK_KINFO_TASK, &k, sizeof(k));
		if (rc < 0)
			break;
		uk_sleep(100000000ull);
	}
	EXPECT_ERR(rc, ERR_NOT_FOUND);
}
