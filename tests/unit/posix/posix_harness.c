/* SPDX-License-Identifier: MIT */
/*
 * The fake kernel and servers of the adapter tests (posix_harness.h):
 * uk_syscall6, ns_lookup and uk_startup_info, which the adapter calls
 * instead of lib/uk's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "posix_harness.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
/* Frames on ASan's fake stack start unpoisoned whenever they are reused,
 * which is what makes poisoning the tail of a receive buffer that lives
 * on the adapter's stack safe (see poison_tail). */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "detect_stack_use_after_return=1";
}
#endif

#define MAX_SENT 128
#define MAX_REPLIES 80
#define MAX_RIGHTS 256
#define MAX_REGIONS 32
#define MAX_LOOKUPS 8
#define MMAP_CLEANUP_REPLIES 16

static struct sent_msg sent_log[MAX_SENT];
static unsigned n_sent;
static struct reply replies[MAX_REPLIES];
static unsigned n_replies, next_reply;

static struct {
	uk_name_t name;
	uint32_t rights;
	unsigned refs, deallocs;
} rights_table[MAX_RIGHTS];

static struct {
	void *addr;
	size_t size;
} regions[MAX_REGIONS];
static unsigned n_vm_frees;

/* Mappings: windows (vm_map_object) and demand-zero regions (vm_allocate
 * with UK_VM_LAZY) at made-up addresses nothing dereferences. */
#define MAX_WINDOWS 80
#define FAKE_MAP_BASE 0x0000700000000000ull
#define FAKE_MAP_STRIDE (1ull << 32)
static struct {
	uint64_t size; /* 0: free */
	uk_name_t port;
} windows[MAX_WINDOWS];
#define MAX_VM_CALLS 256
static struct vm_call vm_log[MAX_VM_CALLS];
static unsigned n_vm_calls;
long fake_vm_sync_result;
long fake_vm_map_result;

static struct {
	char name[32];
	long answer;
	unsigned lookups;
	uk_name_t given;
} lookups[MAX_LOOKUPS];

static char debug_buf[64 * 1024];
static size_t debug_len;

long fake_task_kill_result;
uint64_t fake_task_killed;
uint64_t fake_slept_ns;
bool harness_in_child;
unsigned long harness_calls;
struct uk_startup fake_startup = {
    .magic = UK_STARTUP_MAGIC, .n_rights = 1, .rights = {NAME_BOOTSTRAP}};
const struct uk_startup *uk_startup_info = &fake_startup;

__attribute__((format(printf, 1, 2), noreturn)) static void
fake_fail(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (harness_in_child) {
		fprintf(stderr, "child: %s\n", msg);
		_exit(99);
	}
	fail_msg("%s", msg);
	abort(); /* not reached: fail_msg leaves the test */
}

#define CHECK(cond, ...)                                                       \
	do {                                                                   \
		if (!(cond))                                                   \
			fake_fail(__VA_ARGS__);                                \
	} while (0)

/* ---- rights ---- */

static int right_slot(uk_name_t name, bool create)
{
	for (int i = 0; i < MAX_RIGHTS; i++)
		if (rights_table[i].name == name)
			return i;
	if (!create)
		return -1;
	for (int i = 0; i < MAX_RIGHTS; i++)
		if (!rights_table[i].name) {
			rights_table[i].name = name;
			return i;
		}
	fake_fail("fake: rights table full");
}

void right_give(uk_name_t name, uint32_t rights)
{
	int i = right_slot(name, true);

	rights_table[i].rights = rights;
	rights_table[i].refs++;
}

unsigned right_refs(uk_name_t name)
{
	int i = right_slot(name, false);

	return i < 0 ? 0 : rights_table[i].refs;
}

unsigned deallocations(uk_name_t name)
{
	int i = right_slot(name, false);

	return i < 0 ? 0 : rights_table[i].deallocs;
}

static void check_held(uk_name_t name, const char *what)
{
	CHECK(right_refs(name) > 0, "%s: name %#llx is not held by the adapter",
	      what, (unsigned long long)name);
}

/* ---- regions ---- */

static uint64_t region_new(const void *data, size_t len)
{
	for (int i = 0; i < MAX_REGIONS; i++)
		if (!regions[i].addr) {
			/* Exactly len bytes: ASan reports a read past them. */
			regions[i].addr = malloc(len ? len : 1);
			regions[i].size = len;
			memcpy(regions[i].addr, data, len);
			return (uint64_t)(uintptr_t)regions[i].addr;
		}
	fake_fail("fake: too many regions");
}

static void vm_record(long n, long a0, long a1, long a2, long a3, long a4)
{
	CHECK(n_vm_calls < MAX_VM_CALLS, "fake: too many vm calls");
	vm_log[n_vm_calls++] = (struct vm_call){
	    n, {(uint64_t)a0, (uint64_t)a1, (uint64_t)a2, (uint64_t)a3,
		(uint64_t)a4}, n_sent};
}

/* The window containing addr, or -1. */
static int window_of(uint64_t addr)
{
	if (addr < FAKE_MAP_BASE)
		return -1;
	uint64_t i = (addr - FAKE_MAP_BASE) / FAKE_MAP_STRIDE;
	if (i >= MAX_WINDOWS || !windows[i].size ||
	    addr - FAKE_MAP_BASE - i * FAKE_MAP_STRIDE >= windows[i].size)
		return -1;
	return (int)i;
}

static long window_new(uint64_t size, uk_name_t port)
{
	CHECK(size && !(size & (UK_PAGE_SIZE - 1)) && size < FAKE_MAP_STRIDE,
	      "fake: a mapping of %llu bytes", (unsigned long long)size);
	for (int i = 0; i < MAX_WINDOWS; i++)
		if (!windows[i].size) {
			windows[i].size = size;
			windows[i].port = port;
			return (long)(FAKE_MAP_BASE + (uint64_t)i * FAKE_MAP_STRIDE);
		}
	return -ERR_LIMIT;
}

static long sys_vm_map_object(uk_name_t port, uint64_t offset, uint64_t size,
			      uint64_t flags, uint64_t deadline)
{
	check_held(port, "vm_map_object");
	CHECK(!(offset & (UK_PAGE_SIZE - 1)) &&
		  !(flags & ~(uint64_t)(UK_VM_READ | UK_VM_WRITE)) &&
		  deadline <= UK_PAGER_DEADLINE_MAX_NS,
	      "vm_map_object(offset %#llx, flags %#llx, deadline %llu)",
	      (unsigned long long)offset, (unsigned long long)flags,
	      (unsigned long long)deadline);
	return fake_vm_map_result ? fake_vm_map_result : window_new(size, port);
}

static long sys_vm_sync(uint64_t addr, uint64_t size, uint64_t flags)
{
	int i = window_of(addr);

	/* The kernel's rules: whole pages of one window. */
	CHECK(i >= 0 && windows[i].port && size && !(addr & (UK_PAGE_SIZE - 1)) &&
		  !(size & (UK_PAGE_SIZE - 1)) && window_of(addr + size - 1) == i &&
		  !(flags & ~(uint64_t)UK_VM_SYNC_EVICT),
	      "vm_sync(%#llx, %llu, %#llx) outside one window",
	      (unsigned long long)addr, (unsigned long long)size,
	      (unsigned long long)flags);
	return fake_vm_sync_result;
}

unsigned vm_call_count(void)
{
	return n_vm_calls;
}

const struct vm_call *vm_call(unsigned i)
{
	CHECK(i < n_vm_calls, "vm call %u of %u", i, n_vm_calls);
	return &vm_log[i];
}

unsigned windows_outstanding(void)
{
	unsigned n = 0;

	for (int i = 0; i < MAX_WINDOWS; i++)
		n += windows[i].size != 0;
	return n;
}

static long sys_vm_free(uint64_t addr, uint64_t size)
{
	n_vm_frees++;
	int w = window_of(addr);
	if (w >= 0) {
		CHECK(addr == FAKE_MAP_BASE + (uint64_t)w * FAKE_MAP_STRIDE &&
			  size == windows[w].size,
		      "vm_free(%#llx, %llu) of part of a mapping",
		      (unsigned long long)addr, (unsigned long long)size);
		windows[w].size = 0;
		return 0;
	}
	for (int i = 0; i < MAX_REGIONS; i++)
		if (regions[i].addr &&
		    (uint64_t)(uintptr_t)regions[i].addr == addr) {
			CHECK(size == regions[i].size,
			      "vm_free(%#llx, %llu) of a region of %zu bytes",
			      (unsigned long long)addr,
			      (unsigned long long)size, regions[i].size);
			free(regions[i].addr);
			regions[i].addr = NULL;
			return 0;
		}
	fake_fail("vm_free(%#llx, %llu) of memory the adapter was never given",
		  (unsigned long long)addr, (unsigned long long)size);
}

unsigned ool_outstanding(void)
{
	unsigned n = 0;

	for (int i = 0; i < MAX_REGIONS; i++)
		n += regions[i].addr != NULL;
	return n;
}

unsigned vm_frees(void)
{
	return n_vm_frees;
}

/* ---- scripted replies ---- */

struct reply *reply(int32_t status)
{
	if (next_reply == n_replies) /* all used: start over */
		n_replies = next_reply = 0;
	CHECK(n_replies < MAX_REPLIES, "fake: too many scripted replies");
	struct reply *r = &replies[n_replies++];
	memset(r, 0, sizeof(*r));
	r->status = status;
	return r;
}

void reply_add(struct reply *r, const void *p, size_t n)
{
	CHECK(r->body_len + n <= sizeof(r->body), "fake: reply body too big");
	if (n)
		memcpy(r->body + r->body_len, p, n);
	r->body_len += (uint32_t)n;
}

void reply_port(struct reply *r, uk_name_t name, uint32_t rights)
{
	r->ports[r->n_ports++] = (struct uk_msg_port){name, rights};
}

void reply_ool(struct reply *r, const void *p, size_t n)
{
	r->ool[r->n_ool].data = (uint8_t *)p;
	r->ool[r->n_ool].len = n;
	r->n_ool++;
}

void reply_transport(long err)
{
	reply(0)->transport = err;
}

unsigned replies_left(void)
{
	return n_replies - next_reply;
}

void reply_open(uk_name_t file, uint64_t size)
{
	struct uk_fs_open_reply o = {
	    .st = {.ino = 12, .size = size, .mode = UK_S_IFREG | 0644}};
	struct reply *r = reply(0);

	reply_add(r, &o, sizeof(o));
	reply_port(r, file, UK_RIGHT_SEND);
}

void reply_io(uint32_t len, const void *data, size_t data_len)
{
	struct uk_file_io_reply io = {.len = len};
	struct reply *r = reply(0);

	reply_add(r, &io, sizeof(io));
	if (data_len)
		reply_add(r, data, data_len);
}

void reply_stat(const struct uk_stat *st)
{
	reply_add(reply(0), st, sizeof(*st));
}

void reply_empty(void)
{
	reply(0);
}

/* ---- ipc_call ---- */

/* Copy the request out of the adapter's buffer and check it as the
 * kernel (sizes, counts, rights held) and rpc.h (an ipc_call with no
 * reply right of its own) would. */
static struct sent_msg *take_request(const struct uk_msg_header *msg,
				     uint64_t size, uint64_t timeout)
{
	CHECK(n_sent < MAX_SENT, "fake: more than %d requests in one test",
	      MAX_SENT);
	struct sent_msg *s = &sent_log[n_sent++];
	memset(s, 0, sizeof(*s));
	CHECK(size >= sizeof(*msg), "ipc_call with %llu bytes",
	      (unsigned long long)size);
	memcpy(&s->h, msg, sizeof(*msg));
	CHECK(s->h.size == size, "header size %u, ipc_call size %llu",
	      s->h.size, (unsigned long long)size);
	CHECK(s->h.n_ports <= UK_MSG_PORTS_MAX && s->h.n_ool <= UK_MSG_OOL_MAX,
	      "%u ports, %u regions", s->h.n_ports, s->h.n_ool);
	uint64_t fixed = sizeof(*msg) +
			 s->h.n_ports * sizeof(struct uk_msg_port) +
			 s->h.n_ool * sizeof(struct uk_msg_ool);
	CHECK(fixed <= size && size - fixed <= UK_MSG_INLINE_MAX,
	      "size %llu with %u ports and %u regions",
	      (unsigned long long)size, s->h.n_ports, s->h.n_ool);
	CHECK(s->h.reply == 0 && s->h.reply_disposition == 0,
	      "ipc_call with a reply right of its own");
	CHECK(s->h.dest_disposition == 0 ||
		  s->h.dest_disposition == UK_DISP_COPY_SEND,
	      "dest disposition %u", s->h.dest_disposition);
	CHECK(s->h.flags == 0 && s->h.sender == 0 && s->h.badge == 0,
	      "header flags/sender/badge not zero");
	check_held(s->h.dest, "request dest");
	memcpy(s->ports, uk_msg_ports(msg),
	       s->h.n_ports * sizeof(struct uk_msg_port));
	for (unsigned i = 0; i < s->h.n_ports; i++) {
		check_held(s->ports[i].name, "port descriptor");
		uint64_t d = s->ports[i].disposition;
		CHECK(d == UK_DISP_COPY_SEND || d == UK_DISP_MOVE_SEND,
		      "a client passes send rights, not disposition %llu",
		      (unsigned long long)d);
		if (d == UK_DISP_MOVE_SEND)
			rights_table[right_slot(s->ports[i].name, false)]
			    .refs--;
	}
	memcpy(s->ool, uk_msg_ools(msg),
	       s->h.n_ool * sizeof(struct uk_msg_ool));
	for (unsigned i = 0; i < s->h.n_ool; i++) {
		const struct uk_msg_ool *o = &s->ool[i];
		CHECK(o->flags == UK_OOL_COPY && o->reserved == 0,
		      "region %u flags %u reserved %u", i, o->flags,
		      o->reserved);
		CHECK(o->size <= UK_MSG_OOL_SIZE_MAX &&
			  (o->address || !o->size),
		      "region %u at %#llx size %llu", i,
		      (unsigned long long)o->address,
		      (unsigned long long)o->size);
		s->ool_data[i] = malloc(o->size ? o->size : 1);
		memcpy(s->ool_data[i], (const void *)(uintptr_t)o->address,
		       o->size);
	}
	s->body_len = (uint32_t)(size - fixed);
	memcpy(s->body, (const uint8_t *)msg + fixed, s->body_len);
	s->timeout_ns = timeout;
	return s;
}

/* Make the bytes after the reply unreadable (see posix_harness.h). Only
 * for the last scripted reply: a caller that loops (chunked reads and
 * writes, readdir after an empty reply) builds its next request in the
 * same buffer, and ASan would take that write for a bug. */
static void poison_tail(uint8_t *buf, uint64_t used, uint64_t buf_size,
			bool last)
{
	memset(buf + used, REPLY_CANARY, buf_size - used);
#if defined(__SANITIZE_ADDRESS__)
	void *fake_stack = __asan_get_current_fake_stack();
	if (last && fake_stack &&
	    __asan_addr_is_in_fake_stack(fake_stack, buf, NULL, NULL))
		__asan_poison_memory_region(buf + used, buf_size - used);
#else
	(void)last;
#endif
}

static long sys_ipc_call(const struct uk_msg_header *msg, uint64_t size,
			 struct uk_msg_header *buf, uint64_t buf_size,
			 uint64_t timeout)
{
	struct sent_msg *s = take_request(msg, size, timeout);

	CHECK(next_reply < n_replies,
	      "unexpected request %#x to %#llx (no reply scripted)", s->h.id,
	      (unsigned long long)s->h.dest);
	const struct reply *r = &replies[next_reply++];
	if (r->transport)
		return r->transport;

	uint64_t fixed = sizeof(*buf) +
			 r->n_ports * sizeof(struct uk_msg_port) +
			 r->n_ool * sizeof(struct uk_msg_ool);
	uint64_t len =
	    fixed + (r->raw ? 0 : sizeof(struct uk_rpc_status)) + r->body_len;
	CHECK(len <= buf_size && r->body_len <= UK_MSG_INLINE_MAX,
	      "reply of %llu bytes for a buffer of %llu",
	      (unsigned long long)len, (unsigned long long)buf_size);
	memset(buf, 0, sizeof(*buf));
	buf->size = (uint32_t)len;
	buf->id = r->id ? r->id : s->h.id;
	buf->dest = NAME_REPLY;
	buf->n_ports = (uint16_t)r->n_ports;
	buf->n_ool = (uint16_t)r->n_ool;
	buf->sender = 0x0000000900000099ull; /* a full task id */
	for (unsigned i = 0; i < r->n_ports; i++) {
		right_give(r->ports[i].name, r->ports[i].disposition);
		uk_msg_ports(buf)[i] = r->ports[i];
	}
	for (unsigned i = 0; i < r->n_ool; i++) {
		struct uk_msg_ool o = {0, 0, UK_OOL_COPY, 0};
		if (r->ool[i].data) {
			o.address = region_new(r->ool[i].data, r->ool[i].len);
			o.size = r->ool[i].len;
		}
		uk_msg_ools(buf)[i] = o;
	}
	uint8_t *p = uk_msg_body(buf);
	if (!r->raw) {
		struct uk_rpc_status st = {r->status, 0};
		memcpy(p, &st, sizeof(st));
		p += sizeof(st);
	}
	memcpy(p, r->body, r->body_len);
	poison_tail((uint8_t *)buf, len, buf_size, next_reply == n_replies);
	return (long)len;
}

/* ---- the syscall entry ---- */

long uk_syscall6(long n, long a0, long a1, long a2, long a3, long a4, long a5)
{
	harness_calls++;
	switch (n) {
	case SYS_ipc_call:
		return sys_ipc_call((const struct uk_msg_header *)a0,
				    (uint64_t)a1, (struct uk_msg_header *)a2,
				    (uint64_t)a3, (uint64_t)a4);
	case SYS_port_deallocate: {
		uk_name_t name = (uk_name_t)a0;
		int i = right_slot(name, false);
		CHECK(i >= 0 && rights_table[i].refs > 0,
		      "port_deallocate(%#llx): the adapter does not hold it",
		      (unsigned long long)name);
		rights_table[i].refs--;
		rights_table[i].deallocs++;
		return 0;
	}
	case SYS_port_info: {
		int i = right_slot((uk_name_t)a0, false);
		if (i < 0 || rights_table[i].refs == 0)
			return -ERR_BAD_NAME;
		struct uk_port_info info = {.rights = rights_table[i].rights,
					    .send_refs = rights_table[i].refs};
		memcpy((void *)a1, &info, sizeof(info));
		return 0;
	}
	case SYS_vm_free:
		vm_record(n, a0, a1, a2, a3, a4);
		return sys_vm_free((uint64_t)a0, (uint64_t)a1);
	case SYS_vm_map_object:
		vm_record(n, a0, a1, a2, a3, a4);
		return sys_vm_map_object((uk_name_t)a0, (uint64_t)a1,
					 (uint64_t)a2, (uint64_t)a3,
					 (uint64_t)a4);
	case SYS_vm_sync:
		vm_record(n, a0, a1, a2, a3, a4);
		return sys_vm_sync((uint64_t)a0, (uint64_t)a1, (uint64_t)a2);
	case SYS_vm_allocate:
		vm_record(n, a0, a1, a2, a3, a4);
		CHECK((uint64_t)a1 & UK_VM_LAZY,
		      "vm_allocate(%ld, %#lx): only demand-zero mappings", a0,
		      a1);
		return window_new((uint64_t)a0, 0);
	case SYS_debug_write:
		CHECK(debug_len + (size_t)a1 <= sizeof(debug_buf),
		      "debug log full");
		memcpy(debug_buf + debug_len, (const void *)a0, (size_t)a1);
		debug_len += (size_t)a1;
		return 0;
	case SYS_task_kill:
		fake_task_killed = (uint64_t)a0;
		return fake_task_kill_result;
	case SYS_task_self:
		return (long)FAKE_TASK_SELF;
	case SYS_clock:
		return (long)FAKE_CLOCK_NS;
	case SYS_sleep:
		fake_slept_ns = (uint64_t)a0;
		return 0;
	default:
		fake_fail("unexpected syscall %ld (%#lx, %#lx, %#lx, %#lx, "
			  "%#lx, %#lx)",
			  n, a0, a1, a2, a3, a4, a5);
	}
}

/* ---- the name server (lib/uk/services.c is not linked) ---- */

long ns_lookup(const char *name, uint64_t timeout_ns);
long ns_lookup(const char *name, uint64_t timeout_ns)
{
	harness_calls++;
	CHECK(timeout_ns > 0, "ns_lookup(%s) without waiting for the name",
	      name);
	for (int i = 0; i < MAX_LOOKUPS; i++)
		if (!strcmp(lookups[i].name, name)) {
			lookups[i].lookups++;
			if (lookups[i].answer > 0) {
				right_give((uk_name_t)lookups[i].answer,
					   UK_RIGHT_SEND);
				lookups[i].given = (uk_name_t)lookups[i].answer;
			}
			return lookups[i].answer;
		}
	return -ERR_TIMED_OUT;
}

/* Another node's name: answered as "NAME@NODE" was told (ns_answer),
 * ERR_UNREACHABLE when nothing was; node 0 is ns_lookup. */
long ns_lookup_node(const char *name, uint32_t node, uint64_t timeout_ns);
long ns_lookup_node(const char *name, uint32_t node, uint64_t timeout_ns)
{
	char key[64];

	if (node == 0)
		return ns_lookup(name, timeout_ns);
	CHECK(!strchr(name, '@'), "ns_lookup_node(%s, %u): a written node",
	      name, node);
	snprintf(key, sizeof(key), "%s@%u", name, node);
	for (int i = 0; i < MAX_LOOKUPS; i++)
		if (!strcmp(lookups[i].name, key))
			return ns_lookup(key, timeout_ns);
	harness_calls++;
	return -ERR_UNREACHABLE;
}

void ns_answer(const char *name, long answer)
{
	for (int i = 0; i < MAX_LOOKUPS; i++)
		if (!lookups[i].name[0] || !strcmp(lookups[i].name, name)) {
			snprintf(lookups[i].name, sizeof(lookups[i].name), "%s",
				 name);
			lookups[i].answer = answer;
			return;
		}
	fake_fail("fake: too many names");
}

unsigned ns_lookups(const char *name)
{
	for (int i = 0; i < MAX_LOOKUPS; i++)
		if (!strcmp(lookups[i].name, name))
			return lookups[i].lookups;
	return 0;
}

uk_name_t ns_given(const char *name)
{
	for (int i = 0; i < MAX_LOOKUPS; i++)
		if (!strcmp(lookups[i].name, name))
			return lookups[i].given;
	return 0;
}

uk_name_t fs_in_use(void)
{
	reply_empty();
	assert_int_equal(ukp_unlink("/warm-up"), 0);
	sent_clear();
	return ns_given("fs");
}

/* ---- the log ---- */

unsigned sent_count(void)
{
	return n_sent;
}

const struct sent_msg *sent(unsigned i)
{
	CHECK(i < n_sent, "request %u was not sent (%u were)", i, n_sent);
	return &sent_log[i];
}

const void *sent_body(unsigned i, uint32_t id, uk_name_t dest, size_t req_len,
		      size_t extra)
{
	const struct sent_msg *s = sent(i);

	CHECK(s->h.id == id, "request %u: id %#x, expected %#x", i, s->h.id,
	      id);
	CHECK(s->h.dest == dest, "request %u: dest %#llx, expected %#llx", i,
	      (unsigned long long)s->h.dest, (unsigned long long)dest);
	CHECK(s->body_len == req_len + extra,
	      "request %u: body of %u bytes, expected %zu", i, s->body_len,
	      req_len + extra);
	return s->body;
}

const struct uk_fs_path_req *sent_path_req(unsigned i, uint32_t id)
{
	const struct sent_msg *s = sent(i);
	const struct uk_fs_path_req *rq = (const void *)s->body;

	CHECK(s->body_len >= sizeof(*rq), "request %u: no path request", i);
	sent_body(i, id, s->h.dest, sizeof(*rq),
		  (size_t)rq->path_len + rq->new_len);
	CHECK(s->h.n_ports == 0 && s->h.n_ool == 0,
	      "request %u: rights or regions", i);
	CHECK(rq->reserved == 0, "request %u: reserved %u", i, rq->reserved);
	return rq;
}

const char *sent_path(unsigned i)
{
	static char path[UK_FS_PATH_MAX + 1];
	const struct uk_fs_path_req *rq = (const void *)sent(i)->body;

	memcpy(path, rq + 1, rq->path_len);
	path[rq->path_len] = '\0';
	return path;
}

const char *sent_new_path(unsigned i)
{
	static char path[UK_FS_PATH_MAX + 1];
	const struct uk_fs_path_req *rq = (const void *)sent(i)->body;

	memcpy(path, (const char *)(rq + 1) + rq->path_len, rq->new_len);
	path[rq->new_len] = '\0';
	return path;
}

const struct uk_file_io_req *sent_io_req(unsigned i, uint32_t id,
					 uk_name_t file, size_t extra)
{
	const struct uk_file_io_req *rq =
	    sent_body(i, id, file, sizeof(struct uk_file_io_req), extra);

	CHECK(rq->reserved == 0, "request %u: reserved %u", i, rq->reserved);
	return rq;
}

const char *debug_log(void)
{
	debug_buf[debug_len] = '\0';
	return debug_buf;
}

size_t debug_log_len(void)
{
	return debug_len;
}

/* ---- helpers and lifetime ---- */

void sent_clear(void)
{
	for (unsigned i = 0; i < n_sent; i++)
		for (unsigned j = 0; j < sent_log[i].h.n_ool; j++)
			free(sent_log[i].ool_data[j]);
	n_sent = 0;
}

int open_file(const char *path, int flags, unsigned i)
{
	reply_open(NAME_FILE(i), 0);
	int fd = ukp_open(path, flags, 0644);
	assert_true(fd >= 3);
	assert_int_equal(right_refs(NAME_FILE(i)), 1);
	sent_clear();
	return fd;
}

void close_file(int fd, unsigned i)
{
	unsigned before = deallocations(NAME_FILE(i));

	reply_empty();
	assert_int_equal(ukp_close(fd), 0);
	assert_int_equal(deallocations(NAME_FILE(i)), before + 1);
	assert_int_equal(right_refs(NAME_FILE(i)), 0);
}

int harness_setup(void **state)
{
	(void)state;
	sent_clear();
	n_replies = next_reply = 0;
	for (int i = 0; i < MAX_RIGHTS; i++)
		rights_table[i].deallocs = 0;
	for (int i = 0; i < MAX_LOOKUPS; i++)
		lookups[i].lookups = 0;
	n_vm_frees = 0;
	n_vm_calls = 0;
	fake_vm_sync_result = 0;
	fake_vm_map_result = 0;
	debug_len = 0;
	fake_task_kill_result = 0;
	fake_task_killed = 0;
	fake_slept_ns = 0;
	ns_answer("fs", NAME_FS);
	ns_answer("proc", NAME_PROC);
	ukp_errno = 0;
	return 0;
}

/* Close what a test left open, answering each FILE_CLOSE; returns how
 * many descriptors were open. */
static unsigned close_leftovers(void)
{
	unsigned open = 0;

	/* Nothing can be open without a request; and the first use of a
	 * descriptor sets up the standard streams, which the tests of that
	 * (test_posix_stdio.c) need untouched. */
	if (!harness_calls)
		return 0;
	for (int fd = 3; fd < ukp_adapter_abi.fd_max; fd++) {
		reply_empty();
		if (ukp_close(fd) == 0)
			open++;
		else
			n_replies = next_reply; /* EBADF: nothing was sent */
	}
	return open;
}

int harness_teardown(void **state)
{
	(void)state;
	unsigned left = replies_left(), regions_left = ool_outstanding();
	unsigned windows_left = windows_outstanding();

	/* Leave the next test a clean world whatever this one did: what it
	 * left mapped goes (a mapped file that was closed asks for a
	 * FILE_CLOSE, answered here). */
	if (windows_left) {
		n_replies = next_reply = 0;
		for (int i = 0; i < MMAP_CLEANUP_REPLIES; i++)
			reply_empty();
		fake_vm_sync_result = 0;
		ukp_munmap((void *)FAKE_MAP_BASE, MAX_WINDOWS * FAKE_MAP_STRIDE);
	}
	for (int i = 0; i < MAX_REGIONS; i++) {
		free(regions[i].addr);
		regions[i].addr = NULL;
	}
	n_replies = next_reply = 0;
	unsigned open = close_leftovers();
	unsigned kept = 0;
	for (int i = 0; i < MAX_RIGHTS; i++)
		if (IS_NAME_FILE(rights_table[i].name) &&
		    rights_table[i].refs) {
			kept += rights_table[i].refs;
			rights_table[i].refs = 0;
		}
	sent_clear();
	n_replies = next_reply = 0;
	assert_int_equal(left, 0); /* every scripted reply was asked for */
	assert_int_equal(regions_left,
			 0);	   /* every region came back (vm_free) */
	assert_int_equal(windows_left, 0); /* and every mapping went */
	assert_int_equal(open, 0); /* the test closed what it opened */
	assert_int_equal(kept, 0); /* and no other right stayed behind */
	return 0;
}
