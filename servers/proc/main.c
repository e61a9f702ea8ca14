/* SPDX-License-Identifier: MIT */
/*
 * proc: the process server (include/uk/proto/proc.h), registered as "proc".
 * It starts programs from the file system by path (read through the
 * adapter, like any program would) and is the parent of every task it
 * starts, so it alone can collect their ends; clients wait through it.
 *
 * A child gets rights[0] = a name-server client of its own, a sub-client
 * of proc's (NAME_CLIENT_NEW: its own limits, no more authority than
 * proc's client and no resolver or sub-clients of its own), and rights[1]
 * = the console stream that came with the request, if one did, which
 * becomes its standard input and output.
 *
 * Authority over a task is its task capability: PROC_SPAWN answers with a
 * send right to the service port minted with the badge of the task's
 * record (proc_table.h), and PROC_WAIT and PROC_KILL are decided by the
 * badge a request arrives with and nothing else: whoever holds the
 * capability, or a copy of it, may wait for and kill the task. A request
 * without a badge is ERR_PERMISSION, one whose record is gone (collected,
 * evicted, or from before a restart of proc) ERR_NO_CHILD. The sender's
 * id (uk_msg_header.sender) serves only PROC_SPAWN: kinfo(UK_KINFO_TASK)
 * turns it into the client's MCP (proc holds the top MCP, so it may see
 * every task). A program is started at most at its client's MCP
 * (ERR_PERMISSION above it; the default priority is lowered to it) and
 * gets that priority as its own MCP, so nothing started through proc
 * outranks whoever asked for it. Each program also gets a kernel memory
 * account of its own (PROC_CHILD_QUOTA, carved from proc's, returned when
 * it and all it holds are gone), so one that fills its quota is refused
 * with ERR_LIMIT and leaves every other program, and proc, their memory.
 *
 * Two threads. The main thread serves requests and never blocks on a
 * child: waits are deferred (the caller's send-once right is kept and
 * answered later). The reaper thread sits in task_wait(any child) and
 * passes each end to the main thread as a PROC_EXITED message on the
 * service port, accepted only when it comes from this task. With no
 * children task_wait fails at once, so the reaper then sleeps on a kick
 * port that the main thread pokes after every start.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <ulib.h>
#include <unistd.h>
#include <uk/proto/name.h>
#include <uk/proto/proc.h>

#include "proc_table.h"

/* Internal: the reaper's report of a task's end (body: uk_exit_status). */
#define PROC_EXITED (UK_PROTO_PROC + 0x80)
#define IMAGE_MAX (64u << 20)
#define ARGC_MAX 64
/* The kernel memory each program it starts may hold (tables, threads,
 * memory, messages in flight, its own children): ample for the programs
 * of the disk. Their accounts come out of proc's (+quota=40% in
 * init.conf: with 128 MiB, five such programs at once). */
#define PROC_CHILD_QUOTA (8ull << 20)
#define REAPER_STACK 16384

static struct proc_table table;
static uk_name_t service, kick;
static uint64_t self_id;
static uint64_t bad_requests;

union msgbuf {
	struct uk_msg_header h;
	uint8_t bytes[UK_MSG_SIZE_MAX];
	uint64_t align_;
};
/* out: the reply to the request in in; later: replies to deferred waiters,
 * built while out may still hold the former. */
static union msgbuf in, out, later;

static void *reply_start(union msgbuf *b, uint32_t id, int32_t status)
{
	return uk_rpc_reply_start(&b->h, id, status, 0, 0);
}

/* Answer a deferred waiter; one that has gone away is not our error. */
static void reply_later(uk_name_t reply)
{
	later.h.dest = reply;
	if (uk_ipc_send(&later.h, later.h.size, 0) < 0)
		uk_port_deallocate(reply);
}

/* The ERR_* code for the errno an adapter call left. */
static int err_from_errno(int e)
{
	switch (e) {
	case ENOENT: return -ERR_NOT_FOUND;
	case ENOTDIR: return -ERR_NOT_DIR;
	case EISDIR: return -ERR_IS_DIR;
	case ENOMEM: return -ERR_NO_MEMORY;
	case EACCES: return -ERR_PERMISSION;
	case EPERM: return -ERR_PERMISSION;
	case ENAMETOOLONG: return -ERR_NAME_TOO_LONG;
	case EINVAL: return -ERR_INVALID;
	case EUCLEAN: return -ERR_CORRUPT;
	case ETIMEDOUT: return -ERR_TIMED_OUT;
	case EMFILE: return -ERR_LIMIT;
	default: return -ERR_IO;
	}
}

/* Read the whole file at path into fresh pages; *image and *len describe
 * them (free with uk_vm_free(*image, *alloc)). */
static int load_file(const char *path, void **image, size_t *len, size_t *alloc)
{
	struct stat st;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return err_from_errno(errno);
	int rc = 0;
	if (fstat(fd, &st) < 0) {
		rc = err_from_errno(errno);
	} else if (S_ISDIR(st.st_mode)) {
		rc = -ERR_IS_DIR;
	} else if (st.st_size <= 0) {
		rc = -ERR_BAD_IMAGE; /* an empty file is no program */
	} else if ((uint64_t)st.st_size > IMAGE_MAX) {
		rc = -ERR_TOO_BIG;
	}
	if (rc < 0) {
		close(fd);
		return rc;
	}
	size_t size = (size_t)st.st_size;
	size_t pages = (size + UK_PAGE_SIZE - 1) & ~(size_t)(UK_PAGE_SIZE - 1);
	long addr = uk_vm_allocate(pages, UK_VM_READ | UK_VM_WRITE);
	if (addr <= 0) {
		close(fd);
		return addr < 0 ? (int)addr : -ERR_NO_MEMORY;
	}
	size_t got = 0;
	while (got < size) {
		ssize_t n = read(fd, (uint8_t *)addr + got, size - got);
		if (n < 0) {
			rc = err_from_errno(errno);
			break;
		}
		if (n == 0) {
			rc = -ERR_IO; /* shorter than fstat said */
			break;
		}
		got += (size_t)n;
	}
	close(fd);
	if (rc < 0) {
		uk_vm_free((uint64_t)addr, pages);
		return rc;
	}
	*image = (void *)addr;
	*len = size;
	*alloc = pages;
	return 0;
}

/* Split argc NUL-terminated strings of blob into argv; false if the blob
 * does not hold exactly that. */
static bool split_args(char *blob, uint32_t len, uint32_t argc, const char **argv)
{
	uint32_t n = 0, start = 0;

	if (argc > ARGC_MAX || (len && blob[len - 1] != '\0'))
		return false;
	for (uint32_t i = 0; i < len; i++) {
		if (blob[i] != '\0')
			continue;
		if (n == argc)
			return false;
		argv[n++] = blob + start;
		start = i + 1;
	}
	if (n != argc)
		return false;
	argv[n] = NULL;
	return true;
}

/* The sending task of h (full id and MCP); false if it is gone. The kernel
 * stamps the sender's full id, generation included, so a task that ended
 * and whose slot went to another is never mistaken for it. */
static bool client_of(const struct uk_msg_header *h, struct uk_kinfo_task *c)
{
	memset(c, 0, sizeof(*c));
	c->id = uk_msg_sender(h);
	return c->id && uk_kinfo(UK_KINFO_TASK, c, sizeof(*c)) > 0 &&
	       c->state == UK_TASK_ALIVE;
}

/* A sub-client of our own name-server client for a program we start
 * (uk/proto/name.h): its names and waits count against it alone. It keeps
 * none of our flags and may make no sub-clients. Returns the only send
 * right to it, or an error. */
static long name_client_new(void)
{
	static union msgbuf m;
	struct uk_name_client_req rq = { 0, 0 };

	memset(&m.h, 0, sizeof(m.h));
	m.h.id = NAME_CLIENT_NEW;
	m.h.dest = ns_port();
	memcpy(uk_msg_body(&m.h), &rq, sizeof(rq));
	m.h.size = sizeof(m.h) + sizeof(rq);
	long rc = uk_ipc_call(&m.h, m.h.size, &m.h, sizeof(m), 10 * 1000000000ull);
	if (rc < 0)
		return rc;
	uk_name_t port = m.h.n_ports ? uk_msg_ports(&m.h)[0].name : 0;
	for (unsigned i = 1; i < m.h.n_ports && i < UK_MSG_PORTS_MAX; i++)
		if (uk_msg_ports(&m.h)[i].name)
			uk_port_deallocate(uk_msg_ports(&m.h)[i].name);
	const struct uk_rpc_status *st = uk_msg_body(&m.h);
	if (m.h.id != NAME_CLIENT_NEW || uk_msg_body_len(&m.h) < sizeof(*st) ||
	    st->status > 0)
		rc = -ERR_INVALID;
	else
		rc = st->status;
	if (rc == 0 && (!port || !(uk_msg_ports(&m.h)[0].disposition & UK_RIGHT_SEND)))
		rc = -ERR_INVALID;
	if (rc < 0) {
		if (port)
			uk_port_deallocate(port);
		return rc;
	}
	return (long)port;
}

static int do_spawn(const struct uk_msg_header *h, uk_name_t *stdio)
{
	static char path[UK_FS_PATH_MAX + 1], args[UK_TASK_ARGS_MAX];
	const char *argv[ARGC_MAX + 1];
	struct uk_proc_spawn_req rq;
	const uint8_t *body = uk_msg_body(h);
	uint32_t len = uk_msg_body_len(h);

	if (len < sizeof(rq))
		return -ERR_INVALID;
	memcpy(&rq, body, sizeof(rq));
	if (rq.path_len == 0 || rq.path_len > UK_FS_PATH_MAX ||
	    rq.argv_len > UK_TASK_ARGS_MAX ||
	    sizeof(rq) + rq.path_len + (uint64_t)rq.argv_len > len ||
	    (rq.priority != -1 && (rq.priority < 0 || rq.priority > UK_PRIORITY_MAX)))
		return -ERR_INVALID;
	memcpy(path, body + sizeof(rq), rq.path_len);
	path[rq.path_len] = '\0';
	if (strlen(path) != rq.path_len)
		return -ERR_INVALID;
	memcpy(args, body + sizeof(rq) + rq.path_len, rq.argv_len);
	if (!split_args(args, rq.argv_len, rq.argc, argv))
		return -ERR_INVALID;
	struct uk_kinfo_task client;
	if (!client_of(h, &client))
		return -ERR_PERMISSION;
	int32_t priority = rq.priority;
	if (priority < 0)
		priority = UK_PRIORITY_DEFAULT < client.mcp ? UK_PRIORITY_DEFAULT
							    : (int32_t)client.mcp;
	if ((uint32_t)priority > client.mcp)
		return -ERR_PERMISSION;
	if (!proc_task_room(&table))
		return -ERR_LIMIT;
	void *image = NULL;
	size_t image_len = 0, alloc = 0;
	int rc = load_file(path, &image, &image_len, &alloc);
	if (rc < 0)
		return rc;
	long bootstrap = name_client_new();
	if (bootstrap < 0) {
		uk_vm_free((uint64_t)(uintptr_t)image, alloc);
		return (int)bootstrap;
	}
	struct uk_task_right rights[2] = {
		{ (uk_name_t)bootstrap, UK_DISP_MOVE_SEND },
		{ *stdio, UK_DISP_MOVE_SEND },
	};
	const char *name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	long id = spawn_image_quota(image, image_len, name, argv, priority,
				    (unsigned)priority, PROC_CHILD_QUOTA, rights,
				    *stdio ? 2 : 1);
	uk_vm_free((uint64_t)(uintptr_t)image, alloc);
	if (id < 0) {
		uk_port_deallocate((uk_name_t)bootstrap); /* the client ends */
		return (int)id;
	}
	*stdio = 0; /* moved to the child, with its bootstrap right */
	/* There is room (checked above, and only this thread adds). */
	struct proc_task *p = proc_task_add(&table, (uint64_t)id, path);
	long cap = p ? uk_port_mint(service, proc_task_badge(&table, p)) : -ERR_LIMIT;
	if (cap < 0) {
		/* Nobody could wait for it or kill it: it does not run. */
		uk_task_kill((uint64_t)id);
		if (p)
			proc_task_free(p);
		return (int)cap;
	}
	/* The reaper may be asleep for want of children. */
	struct uk_msg_header k = { .size = sizeof(k), .dest = kick,
				   .dest_disposition = UK_DISP_COPY_SEND };
	uk_ipc_send(&k, sizeof(k), 0);
	struct uk_proc_spawn_reply *r = uk_rpc_reply_start(&later.h, PROC_SPAWN, 0, 1, 0);
	uk_msg_ports(&later.h)[0] = (struct uk_msg_port){ (uk_name_t)cap, UK_DISP_MOVE_SEND };
	r->task = (uint64_t)id;
	later.h.size += sizeof(*r);
	/* Sent here, so a capability that could not be delivered (the
	 * client is gone) is not left behind in our name table. */
	later.h.dest = h->reply;
	if (uk_ipc_send(&later.h, later.h.size, 0) < 0) {
		uk_port_deallocate(h->reply);
		uk_port_deallocate((uk_name_t)cap);
	}
	return 0;
}

/* The record the task capability a request came through names (its
 * badge), checked against the task the request names (0: any). */
static struct proc_task *task_of(const struct uk_msg_header *h, uint64_t task, int *err)
{
	struct proc_task *p = proc_task_by_badge(&table, h->badge);

	if (!h->badge)
		*err = -ERR_PERMISSION; /* the service port: no capability */
	else if (!p)
		*err = -ERR_NO_CHILD; /* collected, evicted, or never ours */
	else if (task && task != p->id)
		*err = -ERR_INVALID;
	else
		return p;
	return NULL;
}

static int do_wait(const struct uk_msg_header *h, const struct uk_proc_wait_req *rq)
{
	int rc;
	struct proc_task *p = task_of(h, rq->task, &rc);

	if (!p)
		return rc;
	if (p->ended) {
		struct uk_exit_status *r = reply_start(&out, PROC_WAIT, 0);
		*r = p->status;
		out.h.size += sizeof(*r);
		proc_task_free(p); /* collected */
		return 1;
	}
	if (rq->timeout_ns == 0)
		return -ERR_TIMED_OUT;
	rc = proc_waiter_add(&table, p->id, h->reply,
				 proc_deadline((uint64_t)uk_clock(), rq->timeout_ns));
	if (rc < 0) {
		/* Room taken by callers that went away? */
		for (unsigned i = 0; i < PROC_WAITERS_MAX; i++) {
			struct proc_waiter *w = &table.waiters[i];
			struct uk_port_info info;
			if (w->task && (uk_port_info(w->reply, &info) < 0 ||
					(info.rights & UK_RIGHT_DEAD_NAME))) {
				uk_port_deallocate(w->reply);
				w->task = 0;
			}
		}
		rc = proc_waiter_add(&table, p->id, h->reply,
				     proc_deadline((uint64_t)uk_clock(), rq->timeout_ns));
	}
	return rc;
}

static int do_kill(const struct uk_msg_header *h, const struct uk_proc_wait_req *rq)
{
	int err;
	struct proc_task *p = task_of(h, rq->task, &err);

	if (!p)
		return err;
	/* An ended task is already where kill would take it, and so is one
	 * whose end the reaper has not reported yet (not found). */
	long rc = p->ended ? 0 : uk_task_kill(p->id);
	if (rc < 0 && rc != -ERR_NOT_FOUND)
		return (int)rc;
	reply_start(&out, PROC_KILL, 0);
	return 1;
}

static void task_ended(const struct uk_exit_status *st)
{
	struct proc_task *p = proc_task_end(&table, st);

	if (!p)
		return;
	if (st->reason == UK_EXIT_FAULT)
		printf("proc: %s (task %lx) crashed: vector %u at %lx, address %lx\n",
		       p->path, (unsigned long)st->task, st->vector,
		       (unsigned long)st->fault_ip, (unsigned long)st->fault_addr);
	uk_name_t reply;
	bool collected = false;
	while ((reply = proc_waiter_take(&table, st->task, 0))) {
		struct uk_exit_status *r = reply_start(&later, PROC_WAIT, 0);
		*r = *st;
		later.h.size += sizeof(*r);
		reply_later(reply);
		collected = true;
	}
	if (collected)
		proc_task_free(p);
}

static void expire_waiters(uint64_t now)
{
	uk_name_t reply;

	while ((reply = proc_waiter_take(&table, 0, now))) {
		reply_start(&later, PROC_WAIT, -ERR_TIMED_OUT);
		reply_later(reply);
	}
}

static void drop_carried(const struct uk_msg_header *h)
{
	for (unsigned i = 0; i < h->n_ports && i < UK_MSG_PORTS_MAX; i++)
		if (uk_msg_ports(h)[i].name)
			uk_port_deallocate(uk_msg_ports(h)[i].name);
	for (unsigned i = 0; i < h->n_ool && i < UK_MSG_OOL_MAX; i++) {
		const struct uk_msg_ool *o = &uk_msg_ools(h)[i];
		if (o->address)
			uk_vm_free(o->address, o->size);
	}
}

/* Returns 1 if out holds the reply, 0 if answered or deferred, or an error
 * to reply. */
static int handle_request(const struct uk_msg_header *h)
{
	uint32_t len = uk_msg_body_len(h);
	struct uk_proc_wait_req rq;

	if (h->n_ool)
		return -ERR_INVALID;
	if (h->id == PROC_SPAWN) {
		uk_name_t stdio = 0;
		if (h->n_ports == 1) {
			const struct uk_msg_port *mp = &uk_msg_ports(h)[0];
			stdio = mp->name;
			if (stdio && !(mp->disposition & UK_RIGHT_SEND)) {
				uk_port_deallocate(stdio);
				return -ERR_INVALID;
			}
		} else if (h->n_ports > 1) {
			drop_carried(h);
			return -ERR_INVALID;
		}
		int rc = do_spawn(h, &stdio);
		if (stdio)
			uk_port_deallocate(stdio);
		return rc;
	}
	if (h->n_ports)
		return -ERR_INVALID;
	switch (h->id) {
	case PROC_WAIT:
	case PROC_KILL:
		if (len < sizeof(rq))
			return -ERR_INVALID;
		memcpy(&rq, uk_msg_body(h), sizeof(rq));
		return h->id == PROC_WAIT ? do_wait(h, &rq) : do_kill(h, &rq);
	default:
		return -ERR_UNSUPPORTED;
	}
}

/* Returns true if out holds a reply for in.h.reply. */
static bool handle(void)
{
	const struct uk_msg_header *h = &in.h;

	if (h->id == PROC_EXITED && uk_msg_sender(h) == self_id && !h->reply &&
	    !(h->flags & UK_MSG_KERNEL)) {
		struct uk_exit_status st;
		if (uk_msg_body_len(h) >= sizeof(st)) {
			memcpy(&st, uk_msg_body(h), sizeof(st));
			task_ended(&st);
		}
		return false;
	}
	if ((h->flags & UK_MSG_KERNEL) || !h->reply) {
		bad_requests++;
		drop_carried(h);
		return false;
	}
	int rc = handle_request(h);
	if (rc == 1)
		return true;
	if (rc == 0)
		return false;
	/* Counted always, logged a few times: a client cannot flood the log. */
	if ((rc == -ERR_INVALID || rc == -ERR_UNSUPPORTED) && ++bad_requests <= 10)
		printf("proc: refused a malformed request (id %x) from task %x%s\n",
		       h->id, UK_ID_INDEX(h->sender), bad_requests == 10 ? "; not logging more" : "");
	if (h->id != PROC_SPAWN)
		drop_carried(h);
	reply_start(&out, h->id, rc);
	return true;
}

/* The reaper thread (see the top of the file). It touches nothing but its
 * own stack and the two ports. */
static void reaper(uint64_t arg)
{
	static union {
		struct uk_msg_header h;
		uint8_t bytes[sizeof(struct uk_msg_header) + sizeof(struct uk_exit_status)];
		uint64_t align_;
	} m;
	union msgbuf *kick_buf = (union msgbuf *)arg;

	for (;;) {
		struct uk_exit_status st;
		long rc = wait_task(0, &st, UK_TIMEOUT_INFINITE);
		if (rc == -ERR_NO_CHILD) {
			uk_ipc_receive(kick, &kick_buf->h, sizeof(*kick_buf),
				       UK_TIMEOUT_INFINITE);
			continue;
		}
		if (rc < 0) {
			uk_sleep(10 * 1000000ull);
			continue;
		}
		memset(&m.h, 0, sizeof(m.h));
		m.h.size = sizeof(m);
		m.h.id = PROC_EXITED;
		m.h.dest = service;
		m.h.dest_disposition = UK_DISP_COPY_SEND;
		memcpy(&m.h + 1, &st, sizeof(st));
		/* Blocks only while the service queue is full. */
		uk_ipc_send(&m.h, sizeof(m), UK_TIMEOUT_INFINITE);
	}
}

static void reaper_entry(uint64_t arg)
{
	reaper(arg);
	uk_thread_exit();
}

static long setup(void)
{
	static uint64_t stack[REAPER_STACK / 8];
	static union msgbuf kick_buf;
	long rc;

	self_id = (uint64_t)uk_task_self();
	long p = uk_port_allocate(UK_RIGHT_RECEIVE);
	long k = uk_port_allocate(UK_RIGHT_RECEIVE);
	if (p <= 0 || k <= 0)
		return -ERR_NO_MEMORY;
	service = (uk_name_t)p;
	kick = (uk_name_t)k;
	if ((rc = uk_port_insert_right(service, UK_DISP_MAKE_SEND)) < 0 ||
	    (rc = uk_port_insert_right(kick, UK_DISP_MAKE_SEND)) < 0)
		return rc;
	uk_port_set_limit(service, 128);
	rc = uk_thread_create((uint64_t)reaper_entry,
			      (uint64_t)&stack[REAPER_STACK / 8], (uint64_t)&kick_buf,
			      UK_PRIORITY_DEFAULT);
	if (rc < 0)
		return rc;
	if ((rc = ns_register("proc", service)) < 0)
		printf("proc: cannot register \"proc\": %s\n", err_str(rc));
	return rc;
}

int main(int argc, char **argv)
{
	proc_table_init(&table);
	if (setup() < 0)
		return 1;
	bool have_reply = false;
	for (;;) {
		uint64_t now = (uint64_t)uk_clock(), next = proc_next_deadline(&table);
		uint64_t timeout = next == UINT64_MAX ? UK_TIMEOUT_INFINITE
				   : next > now	      ? next - now
							: 0;
		long r = server_next(service, &in.h, sizeof(in),
				     have_reply ? &out.h : NULL, timeout);
		have_reply = false;
		if (r >= 0)
			have_reply = handle();
		else if (r != -ERR_TIMED_OUT)
			printf("proc: receive failed: %s\n", err_str(r));
		expire_waiters((uint64_t)uk_clock());
	}
}
