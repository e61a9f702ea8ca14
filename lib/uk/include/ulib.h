/* SPDX-License-Identifier: MIT */
/*
 * The user runtime: what a program gets besides the raw syscall stubs of
 * <uk/syscall.h>. Programs define int main(int argc, char **argv).
 */
#ifndef ULIB_H
#define ULIB_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <fmt.h>
#include <stdlib.h>
#include <uk/errors.h>
#include <uk/syscall.h>
#include <uk/types.h>

/* The startup block of this task (argv, boot archive, command line). */
extern const struct uk_startup *uk_startup_info;

int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vprintf(const char *fmt, va_list ap);
int puts(const char *s);
__attribute__((noreturn)) void exit(int code);

void *malloc(size_t size);
void *calloc(size_t n, size_t size);
void free(void *p);

/* Start the program in image (an ELF in this task's memory) as a child
 * task with the given name and NULL-terminated argv; it gets a copy of this
 * task's bootstrap right. Returns the task id or a negative error. */
long spawn_image(const void *image, size_t len, const char *name,
		 const char *const argv[], int priority);
/* The same, giving the child rights (uk_startup.rights in the child). */
long spawn_image_rights(const void *image, size_t len, const char *name,
			const char *const argv[], int priority,
			const struct uk_task_right *rights, unsigned n_rights);
/* The same, with the child's maximum controlled priority (at most ours;
 * SPAWN_MCP_INHERIT: ours). */
#define SPAWN_MCP_INHERIT (~0u)
long spawn_image_mcp(const void *image, size_t len, const char *name,
		     const char *const argv[], int priority, unsigned mcp,
		     const struct uk_task_right *rights, unsigned n_rights);
/* The same, with a kernel memory account of its own of quota bytes,
 * carved from ours until it and all it holds are gone (ERR_LIMIT when we
 * have not that much free); SPAWN_QUOTA_SHARED: it charges to ours. */
#define SPAWN_QUOTA_SHARED 0
long spawn_image_quota(const void *image, size_t len, const char *name,
		       const char *const argv[], int priority, unsigned mcp,
		       uint64_t quota, const struct uk_task_right *rights,
		       unsigned n_rights);
/* Wait for a child (0: any) with a timeout; fills status. */
long wait_task(uint64_t task, struct uk_exit_status *status, uint64_t timeout_ns);

/* The kernel command line (init only) and a value from it. */
const char *cmdline(void);
int cmdline_value(const char *key, char *out, size_t out_len);

/* Services (lib/uk/services.c). ns_*: the name server reached through the
 * bootstrap right (include/uk/proto/name.h). ns_lookup returns a send
 * right's name or a negative error, waiting up to timeout_ns for the name
 * to be registered. dev_*: the device server "dev" (uk/proto/dev.h);
 * claims and configuration access go to "dev.claim", which init binds only
 * for the drivers its configuration names (ERR_PERMISSION otherwise);
 * dev_claim's owner is a receive right of the caller (a send right is made
 * from it), caps get one capability per nonzero resource, then the IRQ;
 * dev_release ends a claim, and the device server revokes its capabilities
 * (they answer ERR_DEAD from then on). */
struct uk_name_entry;
struct uk_dev_info;
struct uk_dev_claim_req;
struct uk_dev_claim_reply;
uk_name_t ns_port(void);
long ns_register(const char *name, uk_name_t send_right);
long ns_unregister(const char *name);
/* A new port (receive right plus a send right under the same name)
 * registered as name; returns its name or a negative error. */
long service_create(const char *name);
/* A new port whose receive right is ours, already in port set `set` (a
 * server's private notify port, for one): its name, or a negative error
 * with nothing left behind. */
long port_in_set(uk_name_t set);
/* name may be written NAME@NODE: NAME on that node ("fs@2"), which the
 * name server forwards to the node's resolver (ERR_UNREACHABLE without
 * one; this node's number means this node). ns_lookup_node's node (0:
 * this node) must agree with a written one (ERR_INVALID). A lookup on
 * another node fails with ERR_TIMED_OUT when nothing answers within
 * timeout_ns and a few seconds more. */
long ns_lookup(const char *name, uint64_t timeout_ns);
long ns_lookup_node(const char *name, uint32_t node, uint64_t timeout_ns);
/* The written form NAME[@NODE] into name (NUL-terminated) and *node (0
 * when none is written). ERR_INVALID: '@' without a decimal node number
 * 1..UK_NAME_ANY_NODE-1 (no sign, no leading zero) or without a name;
 * ERR_NAME_TOO_LONG: NAME has UK_NAME_MAX bytes or more. The name's
 * characters are the name server's to check. */
long ns_name_split(const char *written, char name[32], uint32_t *node);
/* Names of this node (registered names, aliases, resolvers: see
 * NAME_LIST), or of another node through its resolver (ns_list_node). */
long ns_list(uint32_t start, struct uk_name_entry *out, unsigned max,
	     uint32_t *total);
long ns_list_node(uint32_t node, uint32_t start, struct uk_name_entry *out,
		  unsigned max, uint32_t *total);
long dev_info(uint32_t index, struct uk_dev_info *out);
long dev_claim(const struct uk_dev_claim_req *req, uk_name_t owner,
	       struct uk_dev_claim_reply *out, uk_name_t *caps, unsigned max_caps,
	       unsigned *n_caps);
long dev_config_read(uint32_t index, uint16_t off, uint16_t width, uint32_t *val);
long dev_config_write(uint32_t index, uint16_t off, uint16_t width, uint32_t val);
long dev_release(uint32_t index);

/* Anonymous memory paged by the memory server "mem" (uk/proto/mem.h):
 * mem_map maps size bytes, zero until written, read-write, and returns
 * the address (or a negative error) with *object the send right that
 * keeps it; mem_unmap unmaps it and drops the right, which frees it.
 * mem_stats: the server's figures. */
struct uk_mem_stats;
long mem_map(uint64_t size, uk_name_t *object);
long mem_unmap(uint64_t addr, uint64_t size, uk_name_t object);
long mem_stats(struct uk_mem_stats *out);
/* The same from a named server: "mem@N" is node N's, through the proxy
 * (its pages then come from that node: docs/MEMORY.md, "Remote pagers"). */
long mem_map_from(const char *server, uint64_t size, uk_name_t *object);
long mem_stats_from(const char *server, struct uk_mem_stats *out);

/* The rights and memory a received message carried, dropped (a server
 * done with a request, or refusing it): receive rights destroyed, other
 * rights deallocated, out-of-line regions freed. */
void uk_msg_release(const struct uk_msg_header *h);

/* One step of a server's loop: with a reply (to the send-once right
 * request->reply), send it and receive the next request on port in one
 * call; without one, just receive. */
static inline long server_next(uk_name_t port, struct uk_msg_header *request,
			       uint64_t size, struct uk_msg_header *reply,
			       uint64_t timeout_ns)
{
	if (!reply)
		return uk_ipc_receive(port, request, size, timeout_ns);
	reply->dest = request->reply;
	return uk_ipc_reply_receive(reply, reply->size, port, request, size,
				    timeout_ns);
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

/* rdtsc after every earlier instruction has completed: for timing one short
 * operation (lfence orders it on Intel and on AMD with LFENCE serialising,
 * which every KVM host enables). */
static inline uint64_t rdtsc_ordered(void)
{
	__asm__ volatile("lfence" ::: "memory");
	return rdtsc();
}

/* What rdtsc counts on this machine (lib/uk/tsc.c), for labels. */
enum tsc_counts {
	TSC_UNKNOWN,
	TSC_INSTRUCTIONS, /* QEMU -icount shift=0 */
	TSC_CYCLES,	  /* hardware */
	TSC_KVM_CYCLES,	  /* hardware TSC under KVM */
	TSC_EMULATED,	  /* TCG without -icount: the host's clock */
};
const struct uk_kinfo_cpu *cpu_info(void); /* NULL if the kernel cannot say */
enum tsc_counts tsc_counts(void);
/* "guest instructions", "TSC cycles", "TSC ticks (host time)" */
const char *tsc_unit(void);
const char *tsc_unit_one(void); /* the same, singular */
/* One sentence: what rdtsc counts here and what that means. */
const char *tsc_description(void);

#endif
