/* SPDX-License-Identifier: MIT */
/*
 * Fixed-width types and constants of the user/kernel ABI. Structures that
 * cross the boundary hold fixed-width fields only and their layout is pinned
 * by _Static_assert, so a 32-bit host tool or the network proxy can use them.
 */
#ifndef UK_TYPES_H
#define UK_TYPES_H

#include <stdint.h>

#define UK_TIMEOUT_INFINITE UINT64_MAX
#define UK_PAGE_SIZE 4096u

/* Task ids carry a generation so a stale id never names a reused slot. */
#define UK_ID_INDEX(id) ((uint32_t)((id) & 0xffffffffu))
#define UK_ID_GENERATION(id) ((uint32_t)((id) >> 32))

/* Arguments for task_create: a packed block copied by the kernel. */
#define UK_TASK_NAME_MAX 32
#define UK_TASK_ARGS_MAX 2048
#define UK_TASK_RIGHTS_MAX 4
struct uk_task_right {
	uint64_t name;	      /* a name (uk_name_t) in the creating task */
	uint64_t disposition; /* enum uk_disposition (uk/ipc.h) */
};
struct uk_task_args {
	char name[UK_TASK_NAME_MAX]; /* NUL-terminated, shown in logs */
	int64_t priority;	     /* 0 (lowest) .. the creator's MCP */
	uint32_t argc;		     /* strings in argv_blob */
	uint32_t argv_len;	     /* bytes used in argv_blob */
	/* Rights the child starts with (uk_startup.rights); by convention
	 * rights[0] is its bootstrap port. */
	uint32_t n_rights;
	uint16_t flags;		     /* UK_TASK_ARGS_* */
	uint8_t mcp;		     /* with UK_TASK_ARGS_MCP: the child's MCP */
	uint8_t reserved;	     /* 0 */
	struct uk_task_right rights[UK_TASK_RIGHTS_MAX];
	/* With UK_TASK_ARGS_QUOTA: the bytes of kernel memory the child may
	 * hold, carved from the creator's account (see below). */
	uint64_t quota;
	char argv_blob[];	     /* argc NUL-terminated strings */
};
_Static_assert(sizeof(struct uk_task_args) == 128, "uk_task_args layout");
_Static_assert(__builtin_offsetof(struct uk_task_args, flags) == 52 &&
		       __builtin_offsetof(struct uk_task_args, mcp) == 54 &&
		       __builtin_offsetof(struct uk_task_args, quota) == 120,
	       "uk_task_args layout");

/*
 * Scheduling authority (seL4's maximum controlled priority, MCP): a task
 * may start threads and tasks at priorities up to its MCP and give a child
 * an MCP up to its own. The first task (init) holds UK_PRIORITY_MAX; a child
 * gets its creator's MCP unless the creator sets UK_TASK_ARGS_MCP and a
 * lower one. Violations fail with ERR_PERMISSION.
 */
#define UK_PRIORITY_MAX 31
#define UK_PRIORITY_DEFAULT 16
#define UK_TASK_ARGS_MCP 0x1u /* uk_task_args.mcp is the child's MCP */

/*
 * Kernel memory quotas: everything the kernel holds for a task (the task
 * and its threads, page tables, names, ports, memory, messages it has in
 * flight, notification requests) is charged to an account, and what would
 * take an account past its limit fails with ERR_LIMIT. init's account is
 * all of memory. A child shares its creator's account unless the creator
 * sets UK_TASK_ARGS_QUOTA: then it gets an account of its own with a limit
 * of uk_task_args.quota bytes, charged to the creator's account until the
 * child and everything charged to it are gone (0 is ERR_INVALID, more than
 * the creator has free ERR_LIMIT).
 */
#define UK_TASK_ARGS_QUOTA 0x2u /* uk_task_args.quota is the child's quota */

/* Why a task ended. */
enum uk_exit_reason {
	UK_EXIT_NORMAL = 1, /* task_exit(code) or last thread exited */
	UK_EXIT_FAULT = 2,  /* CPU exception in user mode; see vector */
	UK_EXIT_KILLED = 3, /* task_kill */
};

struct uk_exit_status {
	uint64_t task;
	int64_t code;	   /* task_exit code, or -1 */
	uint32_t reason;   /* enum uk_exit_reason */
	uint32_t vector;   /* exception vector for UK_EXIT_FAULT */
	uint64_t fault_ip; /* user instruction pointer at the fault */
	uint64_t fault_addr; /* CR2 for page faults */
};
_Static_assert(sizeof(struct uk_exit_status) == 40, "uk_exit_status layout");

/* Passed to every new task: its first thread starts with a pointer to this
 * page in rdi. Strings are inside the page. */
#define UK_STARTUP_MAGIC 0x756b5354u /* "ukST" */
struct uk_startup {
	uint32_t magic;
	uint32_t argc;
	uint64_t argv_offset;	/* offset of argc consecutive NUL-terminated strings */
	uint64_t self;		/* this task's id */
	uint64_t boot_archive;	/* init only: user address of the boot archive */
	uint64_t boot_archive_len;
	uint64_t cmdline_offset; /* init only: kernel command line, or 0 */
	uint32_t n_rights;	 /* names in rights[] */
	uint32_t reserved;
	/* Rights given by the creator (uk_task_args.rights), as names
	 * (uk_name_t) in this task. init gets its hardware capabilities here
	 * (UK_STARTUP_HW_*). */
	uint64_t rights[UK_TASK_RIGHTS_MAX];
};
_Static_assert(sizeof(struct uk_startup) == 88, "uk_startup layout");

/* vm_allocate flags */
#define UK_VM_READ 0x1u
#define UK_VM_WRITE 0x2u
#define UK_VM_EXEC 0x4u
/* vm_allocate: frames on first touch, zeroed by the kernel and charged to
 * the task then (a touch its account cannot pay for ends the task with
 * UK_EXIT_FAULT, code -ERR_LIMIT); the region may be larger than free
 * memory. docs/MEMORY.md, "Demand-zero memory". */
#define UK_VM_LAZY 0x8u

/* kinfo queries */
enum uk_kinfo {
	UK_KINFO_MEMORY = 1, /* struct uk_kinfo_memory */
	UK_KINFO_TASKS = 2,  /* array of struct uk_kinfo_task */
	UK_KINFO_CPU = 3,    /* struct uk_kinfo_cpu */
	/* One struct uk_kinfo_task; the caller sets its id (generation 0:
	 * whatever task holds that slot, as uk_msg_header.sender names it). */
	UK_KINFO_TASK = 4,
	UK_KINFO_ACCOUNT = 5, /* struct uk_kinfo_account: the caller's */
	UK_KINFO_BOOT = 6,    /* struct uk_kinfo_boot */
	UK_KINFO_LOAD = 7,    /* struct uk_kinfo_load */
};

struct uk_kinfo_memory {
	uint64_t frames_total;
	uint64_t frames_free;
	uint64_t kobjects_in_use; /* slab objects of every cache */
	uint64_t kobject_pages;	  /* frames held by the slab caches */
	uint64_t tasks;
	uint64_t threads;
};
_Static_assert(sizeof(struct uk_kinfo_memory) == 48, "uk_kinfo_memory layout");

/* Where the CPU's time went, in TSC ticks since the scheduler started
 * (guest instructions under QEMU's -icount shift=0: uk_kinfo_cpu.tsc).
 * busy = total - idle: every task's cpu_tsc and the kernel's own work on
 * their behalf. */
struct uk_kinfo_load {
	uint64_t total;
	uint64_t idle;
	uint64_t busy;
	uint32_t tsc; /* enum uk_tsc_kind */
	uint32_t reserved;
};
_Static_assert(sizeof(struct uk_kinfo_load) == 32, "uk_kinfo_load layout");

struct uk_kinfo_account {
	uint64_t limit; /* bytes */
	uint64_t used;	/* bytes charged now (children's limits included) */
	uint64_t peak;	/* most bytes ever charged */
	uint32_t tasks;	   /* tasks sharing the account */
	uint32_t children; /* accounts carved from it, alive */
};
_Static_assert(sizeof(struct uk_kinfo_account) == 32, "uk_kinfo_account layout");

enum uk_task_state {
	UK_TASK_ALIVE = 0,
	UK_TASK_ZOMBIE = 1, /* ended; its status waits for the parent */
};

struct uk_kinfo_task {
	uint64_t id;
	uint64_t parent;
	uint32_t threads;
	uint32_t state; /* enum uk_task_state */
	uint64_t frames; /* user frames owned */
	char name[UK_TASK_NAME_MAX];
	uint32_t mcp;	 /* maximum controlled priority */
	uint32_t reserved;
	uint64_t account_limit; /* the account it charges to (shared or not) */
	uint64_t account_used;
	/* TSC ticks its threads ran (guest instructions under -icount). */
	uint64_t cpu_tsc;
};
/* UK_KINFO_TASKS and UK_KINFO_TASK show a task only to itself, to its
 * ancestors, and to tasks holding the top MCP (UK_PRIORITY_MAX). */
_Static_assert(sizeof(struct uk_kinfo_task) == 96, "uk_kinfo_task layout");

/* CPU features in struct uk_kinfo_cpu: what CPUID reports, and what the
 * kernel turned on. */
enum uk_cpu_feature {
	UK_CPU_NX = 1u << 0,   /* no-execute pages (EFER.NXE) */
	UK_CPU_SMEP = 1u << 1, /* the kernel never runs user pages */
	UK_CPU_SMAP = 1u << 2, /* the kernel touches user pages only in copies */
	UK_CPU_UMIP = 1u << 3, /* sgdt, sidt, sldt, smsw, str fault in user mode */
	UK_CPU_PGE = 1u << 4,  /* global pages: kernel TLB entries survive cr3 */
};

/* What rdtsc counts on this machine, so a benchmark can label its figures
 * truthfully. */
enum uk_tsc_kind {
	UK_TSC_CYCLES = 0,	 /* the TSC: time at the TSC rate (hardware,
				  * KVM, or TCG's host clock) */
	UK_TSC_INSTRUCTIONS = 1, /* QEMU -icount shift=0: one per guest
				  * instruction (kernel command-line word
				  * "icount", which the harness passes) */
};

struct uk_kinfo_cpu {
	char brand[48];	     /* CPUID 0x80000002-4, NUL-terminated */
	char hypervisor[16]; /* CPUID 0x40000000 ("KVMKVMKVM", ...), or "" */
	uint32_t features;   /* enum uk_cpu_feature: reported by CPUID */
	uint32_t enabled;    /* enum uk_cpu_feature: turned on by the kernel */
	uint32_t tsc;	     /* enum uk_tsc_kind */
	uint32_t phys_bits;  /* MAXPHYADDR, CPUID 0x80000008 */
	uint32_t family, model, stepping;
	uint32_t reserved;
};
_Static_assert(sizeof(struct uk_kinfo_cpu) == 96, "uk_kinfo_cpu layout");

/*
 * This boot. The epoch is a nonzero value that differs from one boot of a
 * node to the next, so a peer can tell a rebooted node from one that was
 * only slow (the proxy's handshake carries it): the real-time clock's
 * seconds in the high 32 bits and the TSC at boot in the low ones (under
 * -icount the TSC repeats, but a reboot takes more than a second).
 */
struct uk_kinfo_boot {
	uint64_t epoch;
	uint64_t wall_clock;	 /* seconds since 1970 UTC at boot, 0: no clock */
	uint64_t uptime_ms;	 /* milliseconds since the kernel started */
	uint32_t node;		 /* node=N of the command line, 0 if none */
	uint32_t reserved;
};
_Static_assert(sizeof(struct uk_kinfo_boot) == 32, "uk_kinfo_boot layout");

#endif
