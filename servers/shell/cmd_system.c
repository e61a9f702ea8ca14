/* SPDX-License-Identifier: MIT */
/*
 * Built-in commands about the system: tasks (the kernel's list), devices
 * (the device server), services (the name server), memory (the kernel's
 * and the memory server's), and help.
 * Task ids are shown and taken as their slot number (the low half of the
 * id, "PID"); kill looks the full id up, generation included, so a PID
 * never names a task that took the slot since the listing.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <ulib.h>
#include <uk/proto/dev.h>
#include <uk/proto/mem.h>
#include <uk/proto/name.h>

#include "shell.h"

#define TASKS_MAX 256

static struct uk_kinfo_task tasks[TASKS_MAX];

/* The kernel's task list into tasks[]; returns how many (or -1). */
static long task_list(void)
{
	long n = uk_kinfo(UK_KINFO_TASKS, tasks, sizeof(tasks));

	if (n < 0) {
		err("cannot read the task list: %s\n", err_str(n));
		return -1;
	}
	return n < TASKS_MAX ? n : TASKS_MAX;
}

/* The name of a task, by full id or by the low half servers record
 * (uk_msg_header.sender); "?" if it is gone. */
static const char *task_name(uint64_t id, long n)
{
	for (long i = 0; i < n; i++)
		if (tasks[i].id == id || (uint32_t)tasks[i].id == (uint32_t)id)
			return tasks[i].name;
	return "?";
}

int cmd_ps(int argc, char **argv)
{
	long n = task_list();

	if (n < 0)
		return 1;
	/* CPU: millions of TSC ticks the task ran (of guest instructions
	 * under -icount). ACCOUNT: the kernel memory charged to the task's
	 * account and its limit (shared with its creator unless it was given
	 * a quota). */
	out("  PID  PARENT  THREADS  STATE        CPU   MEMORY          ACCOUNT  NAME\n");
	for (long i = 0; i < n; i++) {
		const struct uk_kinfo_task *t = &tasks[i];
		out("%5u  %6u  %7u  %-6s %9luM %6luK  %7luK/%7luK  %s\n", UK_ID_INDEX(t->id),
		    UK_ID_INDEX(t->parent), t->threads, t->state == 0 ? "run" : "zombie",
		    (unsigned long)(t->cpu_tsc / 1000000u),
		    (unsigned long)t->frames * (UK_PAGE_SIZE / 1024),
		    (unsigned long)(t->account_used / 1024),
		    (unsigned long)(t->account_limit / 1024), t->name);
	}
	return 0;
}

int cmd_kill(int argc, char **argv)
{
	int status = 0;

	if (argc < 2) {
		err("usage: kill pid...  (pid as shown by ps)\n");
		return 2;
	}
	long n = task_list();
	if (n < 0)
		return 1;
	for (int i = 1; i < argc; i++) {
		char *end;
		unsigned long pid = strtoul(argv[i], &end, 10);
		uint64_t id = 0;
		for (long k = 0; k < n && *argv[i] && !*end; k++)
			if (UK_ID_INDEX(tasks[k].id) == pid)
				id = tasks[k].id;
		if (!id) {
			err("kill: %s: no such task\n", argv[i]);
			status = 1;
		} else if (id == (uint64_t)uk_task_self()) {
			err("kill: %s: that is this shell\n", argv[i]);
			status = 1;
		} else if (kill((pid_t)id, SIGKILL) < 0) {
			err("kill: %s (%s): %s\n", argv[i], task_name(id, n), strerror(errno));
			status = 1;
		}
	}
	return status;
}

int cmd_lsdev(int argc, char **argv)
{
	struct uk_dev_info d;
	long n = task_list();
	long rc;
	uint32_t i;

	out("DEV  ADDRESS   VENDOR:DEV  NAME            IRQ  OWNER\n");
	for (i = 0; (rc = dev_info(i, &d)) == 0; i++) {
		char addr[16], irq[8];
		if (d.bus == UK_DEV_BUS_PCI)
			snprintf(addr, sizeof(addr), "%02x:%02x.%x", d.address >> 8,
				 (d.address >> 3) & 31, d.address & 7);
		else
			snprintf(addr, sizeof(addr), "io %lx", (unsigned long)d.res[0].base);
		if (d.irq == UK_DEV_NO_IRQ)
			strlcpy(irq, "-", sizeof(irq));
		else
			snprintf(irq, sizeof(irq), "%u", d.irq);
		char ids[12] = "legacy";
		if (d.bus == UK_DEV_BUS_PCI)
			snprintf(ids, sizeof(ids), "%04x:%04x", d.vendor, d.device);
		out("%3u  %-8s  %-10s  %-14s  %3s  %s\n", d.index, addr, ids, d.name, irq,
		    !d.owner_task ? "-" : n < 0 ? "?" : task_name(d.owner_task, n));
	}
	if (rc != -ERR_NOT_FOUND) {
		err("lsdev: the device server: %s\n", err_str(rc));
		return 1;
	}
	return 0;
}

/* services [NODE]: this node's names, aliases and resolvers, or another
 * node's names (asked of its resolver, the proxy). */
int cmd_services(int argc, char **argv)
{
	static struct uk_name_entry e[UK_NAME_LIST_MAX];
	uint32_t total = 0, start = 0, node = 0;
	char *end = NULL;

	if (argc > 2) {
		err("usage: services [node]\n");
		return 2;
	}
	if (argc == 2) {
		unsigned long v = strtoul(argv[1], &end, 10);
		if (!*argv[1] || *end || v == 0 || v >= UK_NAME_ANY_NODE) {
			err("services: %s: not a node number\n", argv[1]);
			return 2;
		}
		node = (uint32_t)v;
	}
	/* Owners are task ids of this node: meaningless for another. */
	long n = node ? -1 : task_list();

	out("NAME                             NODE  OWNER\n");
	do {
		long got = ns_list_node(node, start, e, UK_NAME_LIST_MAX, &total);
		if (got < 0) {
			if (node)
				err("services: node %u: %s\n", node, err_str(got));
			else
				err("services: the name server: %s\n", err_str(got));
			return 1;
		}
		if (got == 0)
			break;
		for (long i = 0; i < got; i++) {
			char name[2 * UK_NAME_MAX + 16], where[12];
			uint32_t flags = e[i].flags;
			e[i].name[UK_NAME_MAX - 1] = e[i].target[UK_NAME_MAX - 1] = '\0';
			if (e[i].node == UK_NAME_ANY_NODE)
				snprintf(where, sizeof(where), "*");
			else
				snprintf(where, sizeof(where), "%u", e[i].node);
			if (flags & UK_NAME_ENTRY_ALIAS)
				snprintf(name, sizeof(name), "%s -> %s@%u", e[i].name,
					 e[i].target, e[i].node);
			else
				snprintf(name, sizeof(name), "%s", e[i].name);
			const char *owner = n < 0 ? "-" : task_name(e[i].owner, n);
			out("%-32s %5s  %s%s\n", name, where,
			    flags & UK_NAME_ENTRY_ALIAS ? "(alias)" : owner,
			    flags & UK_NAME_ENTRY_RESOLVER ? " (resolver)" : "");
		}
		start += (uint32_t)got;
	} while (start < total);
	return 0;
}

/* bytes as "N KiB", or "N MiB" from 10 MiB up. */
static const char *mem_size(char *buf, size_t len, uint64_t bytes)
{
	if (bytes < (10ull << 20))
		snprintf(buf, len, "%lu KiB", (unsigned long)(bytes >> 10));
	else
		snprintf(buf, len, "%lu MiB", (unsigned long)(bytes >> 20));
	return buf;
}

/* The memory server's figures, or a line saying it does not run (that
 * is no error: a node may go without it). */
static int mem_server_stats(void)
{
	struct uk_mem_stats s;
	char res[24], budget[24], task[24], used[24], max[24];
	long rc = mem_stats(&s);

	/* A right to a mem that restarted since the last call is dropped
	 * by mem_stats; the next call looks the name up again. */
	if (rc == -ERR_DEAD || rc == -ERR_BAD_NAME)
		rc = mem_stats(&s);
	if (rc == -ERR_NOT_FOUND || rc == -ERR_DEAD || rc == -ERR_BAD_NAME) {
		out("pager:   no memory server runs\n");
		return 0;
	}
	if (rc < 0) {
		err("mem: the memory server: %s\n", err_str(rc));
		return 1;
	}
	out("pager:   %s resident of %s (%s per task); objects: %lu, "
	    "clients: %lu\n",
	    mem_size(res, sizeof(res), s.resident_pages * UK_PAGE_SIZE),
	    mem_size(budget, sizeof(budget), s.budget_pages * UK_PAGE_SIZE),
	    mem_size(task, sizeof(task), s.task_budget_pages * UK_PAGE_SIZE),
	    (unsigned long)s.objects, (unsigned long)s.clients);
	out("paging:  %lu faults: %lu zero-fills, %lu swap-ins; %lu evictions, "
	    "%lu swap-outs\n",
	    (unsigned long)s.faults, (unsigned long)s.zero_fills,
	    (unsigned long)s.swap_ins, (unsigned long)s.evictions,
	    (unsigned long)s.swap_outs);
	out("swap:    %s of %s in use, %lu pages lost to errors; "
	    "%lu bad requests\n",
	    mem_size(used, sizeof(used), s.swap_bytes),
	    mem_size(max, sizeof(max), s.swap_max),
	    (unsigned long)s.swap_errors, (unsigned long)s.bad_requests);
	char stored[16], store_max[16], reserve[16];
	out("store:   %s of %s for other nodes' mappers (%lu spilled to swap, "
	    "%lu served); reserve %s free, %lu pressure evictions\n",
	    mem_size(stored, sizeof(stored), s.store_pages * UK_PAGE_SIZE),
	    mem_size(store_max, sizeof(store_max), s.store_max * UK_PAGE_SIZE),
	    (unsigned long)s.store_spills, (unsigned long)s.store_hits,
	    mem_size(reserve, sizeof(reserve), s.reserve_pages * UK_PAGE_SIZE),
	    (unsigned long)s.pressure_evictions);
	return 0;
}

int cmd_mem(int argc, char **argv)
{
	struct uk_kinfo_memory m;
	long rc = uk_kinfo(UK_KINFO_MEMORY, &m, sizeof(m));

	if (rc < 0) {
		err("mem: %s\n", err_str(rc));
		return 1;
	}
	uint64_t kib = UK_PAGE_SIZE / 1024;
	out("memory:  %lu KiB total, %lu KiB free (%lu%%)\n",
	    (unsigned long)(m.frames_total * kib), (unsigned long)(m.frames_free * kib),
	    (unsigned long)(m.frames_total ? m.frames_free * 100 / m.frames_total : 0));
	out("kernel:  %lu objects in %lu KiB\n", (unsigned long)m.kobjects_in_use,
	    (unsigned long)(m.kobject_pages * kib));
	out("tasks:   %lu, threads: %lu\n", (unsigned long)m.tasks,
	    (unsigned long)m.threads);
	struct uk_kinfo_account a;
	if ((rc = uk_kinfo(UK_KINFO_ACCOUNT, &a, sizeof(a))) < 0) {
		err("mem: %s\n", err_str(rc));
		return 1;
	}
	out("account: %lu KiB of %lu KiB used (peak %lu KiB), %u tasks, "
	    "%u accounts carved from it\n",
	    (unsigned long)(a.used / 1024), (unsigned long)(a.limit / 1024),
	    (unsigned long)(a.peak / 1024), a.tasks, a.children);
	return mem_server_stats();
}

int cmd_help(int argc, char **argv)
{
	out("Built-in commands:\n");
	for (const struct command *c = commands; c->name; c++)
		out("  %-28s %s\n", c->usage, c->help);
	out("Anything else runs a program: a path (/bin/hello a b), or a name\n"
	    "looked up in /bin (hello a b). Commands are separated by ';';\n"
	    "> file and >> file send a built-in command's output to a file.\n"
	    "Keys: arrows, Home/End, Backspace, Delete, Ctrl-U, Ctrl-K, Ctrl-C,\n"
	    "Up/Down for history.\n");
	return 0;
}
