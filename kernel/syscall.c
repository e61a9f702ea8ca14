/* SPDX-License-Identifier: MIT */
/*
 * System call dispatch and the handlers for tasks, threads, time, memory
 * and debug output. Each handler decodes (checks every argument and copies
 * user data in) before it acts, and answers bad input with an error code.
 */
#include <cmdline.h>
#include <string.h>
#include <uk/errors.h>
#include <uk/syscall.h>
#include <uk/types.h>

#include "arch.h"
#include "ipc.h"
#include "kernel.h"
#include "loader.h"
#include "pager.h"
#include "quota.h"
#include "sched.h"
#include "slab.h"
#include "syscall_table.h"
#include "task.h"
#include "timer.h"
#include "usercopy.h"
#include "vm.h"

typedef int64_t (*syscall_fn)(const uint64_t a[6]);

/* Thunks that turn raw registers into typed arguments. */
#define UPTR(type) uaddr_t
#define SYSCALL0(n, name) \
	static int64_t thunk_##name(const uint64_t a[6]) { (void)a; return sys_##name(); }
#define SYSCALL1(n, name, t0, a0) \
	static int64_t thunk_##name(const uint64_t a[6]) { return sys_##name((t0)a[0]); }
#define SYSCALL2(n, name, t0, a0, t1, a1)                             \
	static int64_t thunk_##name(const uint64_t a[6])             \
	{                                                            \
		return sys_##name((t0)a[0], (t1)a[1]);               \
	}
#define SYSCALL3(n, name, t0, a0, t1, a1, t2, a2)                     \
	static int64_t thunk_##name(const uint64_t a[6])             \
	{                                                            \
		return sys_##name((t0)a[0], (t1)a[1], (t2)a[2]);     \
	}
#define SYSCALL4(n, name, t0, a0, t1, a1, t2, a2, t3, a3)                     \
	static int64_t thunk_##name(const uint64_t a[6])                     \
	{                                                                    \
		return sys_##name((t0)a[0], (t1)a[1], (t2)a[2], (t3)a[3]);   \
	}
#define SYSCALL5(n, name, t0, a0, t1, a1, t2, a2, t3, a3, t4, a4)            \
	static int64_t thunk_##name(const uint64_t a[6])                    \
	{                                                                   \
		return sys_##name((t0)a[0], (t1)a[1], (t2)a[2], (t3)a[3],   \
				  (t4)a[4]);                                \
	}
#define SYSCALL6(n, name, t0, a0, t1, a1, t2, a2, t3, a3, t4, a4, t5, a5)   \
	static int64_t thunk_##name(const uint64_t a[6])                    \
	{                                                                   \
		return sys_##name((t0)a[0], (t1)a[1], (t2)a[2], (t3)a[3],   \
				  (t4)a[4], (t5)a[5]);                      \
	}
#include <uk/syscalls.def>
#undef SYSCALL0
#undef SYSCALL1
#undef SYSCALL2
#undef SYSCALL3
#undef SYSCALL4
#undef SYSCALL5
#undef SYSCALL6

#define SYSCALL0(n, name) [n] = thunk_##name,
#define SYSCALL1(n, name, ...) [n] = thunk_##name,
#define SYSCALL2(n, name, ...) [n] = thunk_##name,
#define SYSCALL3(n, name, ...) [n] = thunk_##name,
#define SYSCALL4(n, name, ...) [n] = thunk_##name,
#define SYSCALL5(n, name, ...) [n] = thunk_##name,
#define SYSCALL6(n, name, ...) [n] = thunk_##name,
static const syscall_fn syscall_table[SYS_COUNT_] = {
#include <uk/syscalls.def>
};
#undef SYSCALL0
#undef SYSCALL1
#undef SYSCALL2
#undef SYSCALL3
#undef SYSCALL4
#undef SYSCALL5
#undef SYSCALL6

#define SYSCALL0(n, name) [n] = #name,
#define SYSCALL1(n, name, ...) [n] = #name,
#define SYSCALL2(n, name, ...) [n] = #name,
#define SYSCALL3(n, name, ...) [n] = #name,
#define SYSCALL4(n, name, ...) [n] = #name,
#define SYSCALL5(n, name, ...) [n] = #name,
#define SYSCALL6(n, name, ...) [n] = #name,
static const char *const syscall_names[SYS_COUNT_] = {
#include <uk/syscalls.def>
};
#undef SYSCALL0
#undef SYSCALL1
#undef SYSCALL2
#undef SYSCALL3
#undef SYSCALL4
#undef SYSCALL5
#undef SYSCALL6
#undef UPTR

static bool trace_syscalls;

void syscall_set_trace(bool on)
{
	trace_syscalls = on;
}

void syscall_dispatch(struct trap_frame *f)
{
	uint64_t n = arch_syscall_number(f), a[6];
	int64_t rc;

	arch_syscall_args(f, a);
	if (n >= SYS_COUNT_ || !syscall_table[n]) {
		rc = -ERR_NO_SYSCALL;
	} else {
		rc = syscall_table[n](a);
		if (trace_syscalls)
			klog(LOG_DEBUG, "%s(%lx, %lx, %lx) = %ld",
			     syscall_names[n], a[0], a[1], a[2], rc);
	}
	arch_syscall_return(f, rc);
	vm_pressure_check();
	sched_preempt_point();
}

#define DEBUG_WRITE_MAX 4096

int64_t sys_debug_write(uaddr_t buf, uint64_t len)
{
	static char kbuf[DEBUG_WRITE_MAX];

	if (user_range_ok(buf, len) < 0)
		return -ERR_FAULT;
	if (len > DEBUG_WRITE_MAX)
		len = DEBUG_WRITE_MAX; /* a short write, as with POSIX write */
	if (copy_from_user(current->task, kbuf, buf, len) < 0)
		return -ERR_FAULT;
	for (uint64_t i = 0; i < len; i++) {
		if (kbuf[i] == '\n')
			arch_console_putc('\r');
		arch_console_putc(kbuf[i]);
	}
	return (int64_t)len;
}

int64_t sys_task_exit(int64_t code)
{
	struct uk_exit_status st = { .reason = UK_EXIT_NORMAL, .code = code };

	task_terminate(current->task, &st);
	panic("task_exit returned");
}

int64_t sys_thread_exit(void)
{
	task_thread_exit();
}

static union {
	struct uk_task_args a;
	char bytes[sizeof(struct uk_task_args) + UK_TASK_ARGS_MAX];
} task_args_in; /* the kernel is not preemptible */

/* The task arguments at args (task_create, task_clone), copied in and
 * checked: names, priority and MCP within the creator's, argv, rights. */
static int64_t task_args_get(uaddr_t args, uint64_t args_len, unsigned *mcp_out)
{
	struct uk_task_args *ta = &task_args_in.a;

	if (args_len < sizeof(*ta) || args_len > sizeof(task_args_in))
		return args_len > sizeof(task_args_in) ? -ERR_TOO_BIG : -ERR_INVALID;
	if (copy_from_user(current->task, &task_args_in, args, args_len) < 0)
		return -ERR_FAULT;
	if (strnlen(ta->name, sizeof(ta->name)) == sizeof(ta->name))
		return -ERR_INVALID;
	if (ta->priority < 0 || ta->priority > UK_PRIORITY_MAX ||
	    (ta->flags & ~(UK_TASK_ARGS_MCP | UK_TASK_ARGS_QUOTA)) ||
	    ((ta->flags & UK_TASK_ARGS_MCP) && ta->mcp > UK_PRIORITY_MAX) ||
	    ((ta->flags & UK_TASK_ARGS_QUOTA) && ta->quota == 0))
		return -ERR_INVALID;
	/* Scheduling authority: nothing above the creator's MCP. */
	unsigned mcp = (ta->flags & UK_TASK_ARGS_MCP) ? ta->mcp : current->task->mcp;
	if ((uint64_t)ta->priority > current->task->mcp || mcp > current->task->mcp)
		return -ERR_PERMISSION;
	if (ta->argv_len != args_len - sizeof(*ta))
		return -ERR_INVALID;
	/* argv_blob must hold exactly argc NUL-terminated strings. */
	uint32_t strings = 0;
	for (uint32_t i = 0; i < ta->argv_len; i++)
		if (ta->argv_blob[i] == '\0')
			strings++;
	if (strings != ta->argc ||
	    (ta->argv_len && ta->argv_blob[ta->argv_len - 1] != '\0'))
		return -ERR_INVALID;

	if (ta->n_rights > UK_TASK_RIGHTS_MAX)
		return -ERR_TOO_BIG;
	for (uint32_t i = 0; i < ta->n_rights; i++) {
		if (ta->rights[i].disposition > UK_DISP_MOVE_HARDWARE)
			return -ERR_INVALID;
		unsigned d = (unsigned)ta->rights[i].disposition;
		int rc = ipc_check_transfer(current->task, ta->rights[i].name, d);
		if (rc < 0)
			return rc;
		for (uint32_t j = 0; j < i; j++)
			if (ta->rights[j].name == ta->rights[i].name &&
			    (d == UK_DISP_MOVE_RECEIVE || d == UK_DISP_MOVE_SEND ||
			     d == UK_DISP_MOVE_SEND_ONCE ||
			     ta->rights[j].disposition == UK_DISP_MOVE_RECEIVE ||
			     ta->rights[j].disposition == UK_DISP_MOVE_SEND ||
			     ta->rights[j].disposition == UK_DISP_MOVE_SEND_ONCE))
				return -ERR_INVALID;
	}
	*mcp_out = mcp;
	return 0;
}

int64_t sys_task_create(uaddr_t image, uint64_t image_len, uaddr_t args,
			uint64_t args_len)
{
	struct uk_task_args *ta = &task_args_in.a;
	uint64_t id;
	const char *reason = NULL;
	unsigned mcp;

	if (user_range_ok(image, image_len) < 0 || image_len == 0)
		return -ERR_FAULT;
	int64_t rc0 = task_args_get(args, args_len, &mcp);
	if (rc0 < 0)
		return rc0;
	struct image_source src = {
		.read = image_source_user_read,
		.task = current->task,
		.user_base = image,
		.len = image_len,
	};
	struct loader_request req = {
		.name = ta->name,
		.priority = (unsigned)ta->priority,
		.mcp = mcp,
		.quota = (ta->flags & UK_TASK_ARGS_QUOTA) ? ta->quota : 0,
		.argc = ta->argc,
		.argv_blob = ta->argv_blob,
		.argv_len = ta->argv_len,
		.parent = current->task,
		.rights_from = current->task,
		.n_rights = ta->n_rights,
		.rights = ta->rights,
	};
	int rc = loader_create_task(&src, &req, &id, &reason);
	if (rc < 0) {
		if (reason)
			klog(LOG_INFO, "task_create(%s) refused: %s", ta->name,
			     reason);
		return rc;
	}
	return (int64_t)id;
}

int64_t sys_task_clone(uaddr_t args, uint64_t args_len, uint64_t entry,
		       uint64_t stack_top)
{
	struct uk_task_args *ta = &task_args_in.a;
	static uint8_t block[sizeof(struct uk_startup) + UK_TASK_ARGS_MAX];
	int error = 0;
	unsigned mcp;

	if (entry < USER_BASE || entry >= USER_TOP || stack_top < USER_BASE ||
	    stack_top > USER_TOP)
		return -ERR_FAULT;
	int64_t rc = task_args_get(args, args_len, &mcp);
	if (rc < 0)
		return rc;
	struct task *t = task_create(ta->name, current->task,
				     (ta->flags & UK_TASK_ARGS_QUOTA) ? ta->quota : 0,
				     &error);
	if (!t)
		return error;
	t->mcp = mcp;
	/* The creator's memory, copy-on-write; then the startup block just
	 * below stack_top in the clone's copy (written as the task's own
	 * write: its page becomes the clone's). */
	if ((rc = vm_clone(current->task, t)) < 0)
		goto fail;
	struct uk_startup *su = (struct uk_startup *)block;
	uint64_t len = sizeof(*su) + ta->argv_len;
	memset(block, 0, len);
	su->magic = UK_STARTUP_MAGIC;
	su->self = t->id;
	su->argc = ta->argc;
	su->argv_offset = sizeof(*su);
	memcpy(block + sizeof(*su), ta->argv_blob, ta->argv_len);
	uint64_t at = (stack_top - len) & ~15ull;
	if (at < USER_BASE) {
		rc = -ERR_FAULT;
		goto fail;
	}
	/* Written once before the rights move (it may fault, or need a
	 * frame for the clone's own copy of the page), so nothing after the
	 * rights can fail but thread creation. */
	if ((rc = copy_to_user(t, at, block, len)) < 0)
		goto fail;
	for (uint32_t i = 0; i < ta->n_rights; i++)
		su->rights[i] = ipc_transfer(current->task, ta->rights[i].name,
					     ta->rights[i].disposition, t);
	su->n_rights = ta->n_rights;
	copy_to_user(t, at, block, len);
	/* As at ELF entry: rdi the block, rsp 16-byte aligned below it. */
	if (!thread_create_user(t, entry, at, at, (unsigned)ta->priority,
				&error)) {
		rc = error;
		goto fail;
	}
	return (int64_t)t->id;
fail:
	task_destroy_unstarted(t);
	return rc;
}

int64_t sys_thread_create(uint64_t entry, uint64_t stack_top, uint64_t arg,
			  int64_t priority)
{
	int error = 0;
	struct thread *th;

	/* The entry and stack must be user addresses; whether they are mapped
	 * is the thread's own business: a bad one faults in user mode. */
	if (entry < USER_BASE || entry >= USER_TOP || stack_top < USER_BASE ||
	    stack_top > USER_TOP)
		return -ERR_FAULT;
	if (priority < 0 || priority > UK_PRIORITY_MAX)
		return -ERR_INVALID;
	if ((uint64_t)priority > current->task->mcp)
		return -ERR_PERMISSION;
	/* The entry is a C function: start 8 bytes below the 16-byte aligned
	 * top, as if called (it must end with thread_exit, not return). */
	th = thread_create_user(current->task, entry, (stack_top & ~15ull) - 8, arg,
				(unsigned)priority, &error);
	return th ? (int64_t)th->id : error;
}

int64_t sys_task_wait(uint64_t task, uaddr_t status, uint64_t timeout_ns)
{
	struct uk_exit_status st;
	int64_t rc;

	if (user_range_ok(status, sizeof(st)) < 0 || status == 0)
		return -ERR_FAULT;
	rc = task_wait(task, &st, timeout_ns);
	if (rc < 0)
		return rc;
	if (copy_to_user(current->task, status, &st, sizeof(st)) < 0)
		return -ERR_FAULT; /* the child stays a zombie: nothing lost */
	task_collect(st.task);
	return 0;
}

int64_t sys_yield(void)
{
	sched_yield();
	return 0;
}

int64_t sys_sleep(uint64_t ns)
{
	int64_t rc = sched_block(NULL, ns);

	return rc == -ERR_TIMED_OUT ? 0 : rc;
}

int64_t sys_clock(void)
{
	return (int64_t)timer_now_ns();
}

int64_t sys_vm_allocate(uint64_t size, uint64_t flags)
{
	uint64_t addr;
	int rc;

	if (flags & ~(uint64_t)(UK_VM_READ | UK_VM_WRITE | UK_VM_EXEC |
				UK_VM_LAZY))
		return -ERR_INVALID;
	if ((flags & (UK_VM_WRITE | UK_VM_EXEC)) == (UK_VM_WRITE | UK_VM_EXEC))
		return -ERR_PERMISSION;
	rc = vm_map_anonymous(current->task, 0, size, (unsigned)flags | UK_VM_READ,
			      VM_ANONYMOUS, &addr);
	return rc < 0 ? rc : (int64_t)addr;
}

int64_t sys_vm_free(uint64_t addr, uint64_t size)
{
	if (user_range_ok(addr, size) < 0)
		return -ERR_FAULT;
	return vm_free_region(current->task, addr, size);
}

int64_t sys_vm_sync(uint64_t addr, uint64_t size, uint64_t flags)
{
	if (flags & ~(uint64_t)UK_VM_SYNC_EVICT)
		return -ERR_INVALID;
	if (user_range_ok(addr, size) < 0)
		return -ERR_FAULT;
	return vm_sync(current->task, addr, size, (unsigned)flags);
}

int64_t sys_task_kill(uint64_t id)
{
	struct task *t = task_lookup(id);
	struct uk_exit_status st = { .reason = UK_EXIT_KILLED, .code = -1 };

	/* A task one may not see is one that does not exist (as for kinfo). */
	if (!t || t->state != TASK_ALIVE || !task_visible(current->task, t))
		return -ERR_NOT_FOUND;
	/* Only an ancestor (init adopts orphans, so it is everyone's) or the
	 * task itself may kill: authority follows the task tree until there
	 * are capabilities for tasks. */
	if (!task_is_ancestor(current->task, t))
		return -ERR_PERMISSION;
	task_terminate(t, &st);
	return 0;
}

int64_t sys_task_self(void)
{
	return (int64_t)current->task->id;
}

int64_t sys_thread_self(void)
{
	return (int64_t)current->id;
}

int64_t sys_kinfo(uint64_t what, uaddr_t buf, uint64_t len)
{
	if (what == UK_KINFO_MEMORY) {
		struct uk_kinfo_memory m;
		if (len < sizeof(m))
			return -ERR_INVALID;
		m.frames_total = kframe_total_count();
		m.frames_free = kframe_free_count();
		slab_totals(&m.kobjects_in_use, &m.kobject_pages);
		m.tasks = task_count();
		m.threads = thread_count();
		if (copy_to_user(current->task, buf, &m, sizeof(m)) < 0)
			return -ERR_FAULT;
		return sizeof(m);
	}
	if (what == UK_KINFO_TASKS) {
		static struct uk_kinfo_task list[TASK_MAX];
		unsigned max = (unsigned)(len / sizeof(list[0]));
		if (max > TASK_MAX)
			max = TASK_MAX;
		unsigned n = task_list(current->task, list, max);
		unsigned copy = n < max ? n : max;
		if (copy_to_user(current->task, buf, list,
				 copy * sizeof(list[0])) < 0)
			return -ERR_FAULT;
		return n;
	}
	if (what == UK_KINFO_TASK) {
		struct uk_kinfo_task e;
		if (len < sizeof(e))
			return -ERR_INVALID;
		if (copy_from_user(current->task, &e, buf, sizeof(e.id)) < 0)
			return -ERR_FAULT;
		/* An invisible task looks like none: kinfo is no probe. */
		if (!task_info(current->task, e.id, &e))
			return -ERR_NOT_FOUND;
		if (copy_to_user(current->task, buf, &e, sizeof(e)) < 0)
			return -ERR_FAULT;
		return sizeof(e);
	}
	if (what == UK_KINFO_BOOT) {
		struct uk_kinfo_boot b = {
			.epoch = boot_epoch,
			.wall_clock = boot_wall_clock,
			.uptime_ms = timer_now_ns() / 1000000u,
		};
		uint64_t node;
		if (cmdline_get_u64(kernel_cmdline, "node", &node) == CMDLINE_FOUND &&
		    node <= UINT32_MAX)
			b.node = (uint32_t)node;
		if (len < sizeof(b))
			return -ERR_INVALID;
		if (copy_to_user(current->task, buf, &b, sizeof(b)) < 0)
			return -ERR_FAULT;
		return sizeof(b);
	}
	if (what == UK_KINFO_ACCOUNT) {
		const struct account *a = current->task->account;
		struct uk_kinfo_account out = {
			.limit = a->limit,
			.used = a->used,
			.peak = a->peak,
			.tasks = a->tasks,
			.children = a->children,
		};
		if (len < sizeof(out))
			return -ERR_INVALID;
		if (copy_to_user(current->task, buf, &out, sizeof(out)) < 0)
			return -ERR_FAULT;
		return sizeof(out);
	}
	if (what == UK_KINFO_LOAD) {
		struct uk_kinfo_load l = { 0 };
		if (len < sizeof(l))
			return -ERR_INVALID;
		sched_cpu_time(&l.total, &l.idle);
		l.busy = l.total - l.idle;
		l.tsc = cmdline_has(kernel_cmdline, "icount") ? UK_TSC_INSTRUCTIONS
							      : UK_TSC_CYCLES;
		if (copy_to_user(current->task, buf, &l, sizeof(l)) < 0)
			return -ERR_FAULT;
		return sizeof(l);
	}
	if (what == UK_KINFO_CPU) {
		struct uk_kinfo_cpu c;
		if (len < sizeof(c))
			return -ERR_INVALID;
		arch_cpu_info(&c);
		/* The harness passes "icount" with QEMU's -icount shift=0, under
		 * which rdtsc counts guest instructions, not time. */
		c.tsc = cmdline_has(kernel_cmdline, "icount") ? UK_TSC_INSTRUCTIONS
							      : UK_TSC_CYCLES;
		if (copy_to_user(current->task, buf, &c, sizeof(c)) < 0)
			return -ERR_FAULT;
		return sizeof(c);
	}
	return -ERR_INVALID;
}
