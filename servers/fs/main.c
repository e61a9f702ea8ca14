/* SPDX-License-Identifier: MIT */
/*
 * fs: the file server (include/uk/proto/fs.h). It mounts the ext2 file
 * system on a block device found through the name server, and registers
 * itself as "fs". The device is "blk0" unless an argument names another:
 * a bare NAME, or blk=NAME, the form a node's kernel command line gives
 * (fs.blk=blk@2: the disk of node 2, through the proxies; see
 * blk_client.c). blk=none: this node serves no file system (its fs is
 * another node's, or its disk is), so fs exits at once, touching nothing.
 *
 * Ports: the service port (path operations), one port per open file (a
 * send right to it is what FS_OPEN hands out) and a notification port,
 * all in one port set served by one loop: receive, decode (fs_proto.c),
 * act (ext2.c), reply with ipc_reply_receive. A file closes on FILE_CLOSE
 * or when its last send right goes (no-senders notification, which only
 * the kernel can send: UK_MSG_KERNEL). Malformed requests are answered
 * ERR_INVALID (ERR_UNSUPPORTED for an operation the port does not serve)
 * and counted; rights and memory that came with any request are released.
 *
 * A file port is also a memory object (docs/MEMORY.md, "Mapped files"):
 * a holder of the send right maps it (vm_map_object) and the kernel posts
 * its faults and page-outs there; fs answers faults with pager_supply or
 * pager_error and writes returned pages into the file (fs_pager.c has the
 * rules). Those kernel messages get no reply.
 *
 * Writes stay in the block cache until FS_SYNC, FILE_FSYNC or eviction,
 * and never longer than WRITEBACK_AGE_NS after the cache first became
 * dirty: then everything is written back, busy or not.
 *
 * Error choices the header leaves open: reading from a file opened
 * write-only or writing one opened read-only is ERR_BAD_HANDLE (EBADF);
 * anything that would change a read-only file system is ERR_PERMISSION.
 */
#include <stdbool.h>
#include <string.h>
#include <ulib.h>
#include <uk/proto/fs.h>
#include <uk/proto/name.h>

#include "blk_client.h"
#include "ext2.h"
#include "fs_pager.h"
#include "fs_proto.h"

#define MAX_OPEN 256
#define CACHE_BYTES (2u << 20)
#define WRITEBACK_AGE_NS (2ull * 1000000000ull)
#define DEVICE_WAIT_NS (60ull * 1000000000ull)
#define BAD_REQUEST_LOG_MAX 20
#define PAGER_LOG_MAX 20

struct open_file {
	uk_name_t port; /* receive right, 0 when the slot is free */
	struct ext2_file *file;
};

union msgbuf {
	struct uk_msg_header h;
	uint8_t bytes[UK_MSG_SIZE_MAX];
	uint64_t align_;
};

static struct open_file files[MAX_OPEN];
static struct ext2_fs *fs;
static struct blk_client blk;
static uk_name_t port_set, service, notify;
static uint32_t time_base;
static union msgbuf in, out;
static struct {
	uint64_t requests, bad_requests, opens, closes, no_senders, writebacks,
	    lost_replies;
} stats;
/* Mapped files; FS_STATFS reports them (struct uk_statfs). */
static struct {
	uint64_t requests, pages_in, refused, returns, pages_out, pages_dropped,
	    pages_lost, bad, logged;
} pager_stats;
/* One fault's pages, read ahead; what pager_supply copies from. */
static uint8_t supply_buf[FS_PAGER_READAHEAD]
    __attribute__((aligned(FS_PAGER_PAGE)));

static uint64_t dirty_since; /* uk_clock when the cache became dirty, or 0 */

static uint32_t fs_now(void *ctx)
{
	(void)ctx;
	return time_base + (uint32_t)(uk_clock() / 1000000000ull);
}

static void fs_log(void *ctx, const char *msg)
{
	(void)ctx;
	printf("fs: %s\n", msg);
}

static const struct ext2_dev_ops dev_ops = {
    .read = blk_client_read,
    .write = blk_client_write,
    .flush = blk_client_flush,
    .now = fs_now,
    .log = fs_log,
};

static void bad_request(const struct uk_msg_header *h, long err)
{
	stats.bad_requests++;
	if (stats.bad_requests <= BAD_REQUEST_LOG_MAX)
		printf("fs: malformed request 0x%x from task %u: %s%s\n", h->id,
		       UK_ID_INDEX(h->sender), err_name(err),
		       stats.bad_requests == BAD_REQUEST_LOG_MAX
			   ? " (no more of these logged)"
			   : "");
}

/* Starts a reply in out: the status, then room for the reply struct. */
static void *reply_start(uint32_t id, int32_t status, unsigned n_ports,
			 unsigned n_ool)
{
	return uk_rpc_reply_start(&out.h, id, status, n_ports, n_ool);
}

static void reply_grow(uint32_t bytes)
{
	out.h.size += bytes;
}

/* Sends the reply in out on its own. When it cannot be delivered (the
 * caller died, or gave a reply right that is not send-once) the rights and
 * memory it carried are still ours: dropping our send right to a new file
 * port makes the kernel's no-senders notice close that file. */
static void send_reply(void)
{
	if (uk_ipc_send(&out.h, out.h.size, 0) == 0)
		return;
	stats.lost_replies++;
	for (unsigned i = 0; i < out.h.n_ports; i++)
		uk_port_deallocate(uk_msg_ports(&out.h)[i].name);
	for (unsigned i = 0; i < out.h.n_ool; i++)
		uk_vm_free(uk_msg_ools(&out.h)[i].address,
			   uk_msg_ools(&out.h)[i].size);
	uk_port_deallocate(out.h.dest);
}

/* Rights and memory that came with a request are ours to drop. */
static void release_request(const struct uk_msg_header *h)
{
	uk_msg_release(h);
}

static struct open_file *file_of(uk_name_t port)
{
	for (unsigned i = 0; i < MAX_OPEN; i++)
		if (files[i].port && files[i].port == port)
			return &files[i];
	return NULL;
}

static void file_close(struct open_file *of)
{
	int rc = ext2_close(of->file);

	if (rc < 0)
		printf("fs: closing a file: %s\n", err_name(rc));
	uk_port_destroy(of->port);
	of->port = 0;
	of->file = NULL;
	stats.closes++;
}

static void do_open(const struct fs_path_args *a)
{
	struct open_file *of = NULL;
	struct ext2_file *f;
	struct uk_stat st;
	long port = -ERR_LIMIT;
	int rc;

	for (unsigned i = 0; i < MAX_OPEN && !of; i++)
		if (!files[i].port)
			of = &files[i];
	if (!of) {
		reply_start(FS_OPEN, -ERR_LIMIT, 0, 0);
		return;
	}
	rc = ext2_open(fs, a->path, a->path_len, a->flags, a->mode, &f);
	if (rc == 0 && (rc = ext2_fstat(f, &st)) < 0)
		ext2_close(f);
	if (rc == 0) {
		/* Our own send right first, so the no-senders request does not
		 * fire at once; the reply moves it to the client. */
		port = uk_port_allocate(UK_RIGHT_RECEIVE);
		long r = port;
		if (r > 0)
			r = uk_port_set_add(port_set, (uk_name_t)port);
		if (r >= 0)
			r = uk_port_insert_right((uk_name_t)port,
						 UK_DISP_MAKE_SEND);
		if (r >= 0)
			r = uk_port_request_notification(
			    (uk_name_t)port, UK_NOTIFY_NO_SENDERS, notify);
		rc = r < 0 ? (int)r : 0;
		if (rc < 0) {
			if (port > 0)
				uk_port_destroy((uk_name_t)port);
			ext2_close(f);
		}
	}
	if (rc < 0) {
		reply_start(FS_OPEN, rc, 0, 0);
		return;
	}
	of->port = (uk_name_t)port;
	of->file = f;
	stats.opens++;
	struct uk_fs_open_reply *r = reply_start(FS_OPEN, 0, 1, 0);
	uk_msg_ports(&out.h)[0] =
	    (struct uk_msg_port){(uk_name_t)port, UK_DISP_MOVE_SEND};
	/* reply_start placed the body after one port descriptor. */
	r->st = st;
	reply_grow(sizeof(*r));
}

static void service_request(const struct uk_msg_header *h)
{
	struct fs_path_args a;
	int rc;

	switch (h->id) {
	case FS_OPEN:
	case FS_STAT:
	case FS_UNLINK:
	case FS_MKDIR:
	case FS_RMDIR:
	case FS_RENAME:
		rc = fs_decode_path(h, &a);
		if (rc < 0) {
			bad_request(h, rc);
			reply_start(h->id, rc, 0, 0);
			return;
		}
		break;
	case FS_SYNC:
	case FS_STATFS:
		rc = fs_decode_plain(h);
		if (rc < 0) {
			bad_request(h, rc);
			reply_start(h->id, rc, 0, 0);
			return;
		}
		break;
	default:
		bad_request(h, -ERR_UNSUPPORTED);
		reply_start(h->id, -ERR_UNSUPPORTED, 0, 0);
		return;
	}

	switch (h->id) {
	case FS_OPEN:
		do_open(&a);
		return;
	case FS_STAT: {
		struct uk_stat st;
		rc = ext2_stat(fs, a.path, a.path_len, &st);
		struct uk_stat *r = reply_start(FS_STAT, rc, 0, 0);
		if (rc == 0) {
			*r = st;
			reply_grow(sizeof(*r));
		}
		return;
	}
	case FS_UNLINK:
		rc = ext2_unlink(fs, a.path, a.path_len);
		break;
	case FS_MKDIR:
		rc = ext2_mkdir(fs, a.path, a.path_len, a.mode);
		break;
	case FS_RMDIR:
		rc = ext2_rmdir(fs, a.path, a.path_len);
		break;
	case FS_RENAME:
		rc = ext2_rename(fs, a.path, a.path_len, a.new_path, a.new_len);
		break;
	case FS_SYNC:
		rc = ext2_sync(fs);
		break;
	default: { /* FS_STATFS */
		struct uk_statfs *r = reply_start(FS_STATFS, 0, 0, 0);
		ext2_statfs(fs, r);
		r->pager_requests = pager_stats.requests;
		r->pager_pages_in = pager_stats.pages_in;
		r->pager_refused = pager_stats.refused;
		r->pager_returns = pager_stats.returns;
		r->pager_pages_out = pager_stats.pages_out;
		r->pager_pages_dropped = pager_stats.pages_dropped;
		r->pager_pages_lost = pager_stats.pages_lost;
		r->pager_bad = pager_stats.bad;
		reply_grow(sizeof(*r));
		return;
	}
	}
	reply_start(h->id, rc, 0, 0);
}

static void do_read(struct open_file *of, const struct fs_io_args *a)
{
	struct uk_file_io_reply *r;

	if (a->len <= UK_RPC_INLINE_DATA) {
		r = reply_start(FILE_READ, 0, 0, 0);
		long n = ext2_read(of->file, a->offset, r + 1, a->len);
		if (n < 0) {
			reply_start(FILE_READ, (int32_t)n, 0, 0);
			return;
		}
		memset(r, 0, sizeof(*r));
		r->len = (uint32_t)n;
		reply_grow(sizeof(*r) + (uint32_t)n);
		return;
	}
	/* Big reads go out of line: our pages move to the client. */
	uint64_t size = ((uint64_t)a->len + UK_PAGE_SIZE - 1) &
			~(uint64_t)(UK_PAGE_SIZE - 1);
	long addr = uk_vm_allocate(size, UK_VM_READ | UK_VM_WRITE);
	if (addr <= 0) {
		reply_start(FILE_READ, -ERR_NO_MEMORY, 0, 0);
		return;
	}
	long n = ext2_read(of->file, a->offset, (void *)addr, a->len);
	if (n <= (long)UK_RPC_INLINE_DATA) {
		r = reply_start(FILE_READ, n < 0 ? (int32_t)n : 0, 0, 0);
		if (n >= 0) {
			memset(r, 0, sizeof(*r));
			r->len = (uint32_t)n;
			memcpy(r + 1, (const void *)addr, (size_t)n);
			reply_grow(sizeof(*r) + (uint32_t)n);
		}
		uk_vm_free((uint64_t)addr, size);
		return;
	}
	r = reply_start(FILE_READ, 0, 0, 1);
	uk_msg_ools(&out.h)[0] =
	    (struct uk_msg_ool){(uint64_t)addr, size, UK_OOL_MOVE, 0};
	memset(r, 0, sizeof(*r));
	r->len = (uint32_t)n;
	reply_grow(sizeof(*r));
}

static void file_request(const struct uk_msg_header *h, struct open_file *of)
{
	struct fs_io_args a;
	struct uk_file_io_reply *r;
	int rc;

	switch (h->id) {
	case FILE_READ:
	case FILE_WRITE:
	case FILE_TRUNCATE:
	case FILE_READDIR:
		rc = fs_decode_io(h, &a);
		break;
	case FILE_STAT:
	case FILE_FSYNC:
	case FILE_CLOSE:
		rc = fs_decode_plain(h);
		break;
	default:
		rc = -ERR_UNSUPPORTED;
		break;
	}
	if (rc < 0) {
		bad_request(h, rc);
		reply_start(h->id, rc, 0, 0);
		return;
	}
	switch (h->id) {
	case FILE_READ:
		do_read(of, &a);
		return;
	case FILE_WRITE: {
		long n = ext2_write(of->file, a.offset, a.data, a.len);
		r = reply_start(FILE_WRITE, n < 0 ? (int32_t)n : 0, 0, 0);
		if (n >= 0) {
			memset(r, 0, sizeof(*r));
			r->len = (uint32_t)n;
			reply_grow(sizeof(*r));
		}
		return;
	}
	case FILE_STAT: {
		struct uk_stat st;
		rc = ext2_fstat(of->file, &st);
		struct uk_stat *s = reply_start(FILE_STAT, rc, 0, 0);
		if (rc == 0) {
			*s = st;
			reply_grow(sizeof(*s));
		}
		return;
	}
	case FILE_TRUNCATE:
		rc = ext2_truncate(of->file, a.offset);
		break;
	case FILE_READDIR: {
		uint32_t max =
		    a.len && a.len < FS_READDIR_MAX ? a.len : FS_READDIR_MAX;
		uint64_t next = 0;
		r = reply_start(FILE_READDIR, 0, 0, 0);
		long n = ext2_readdir(of->file, a.offset, r + 1, max, &next);
		if (n < 0) {
			reply_start(FILE_READDIR, (int32_t)n, 0, 0);
			return;
		}
		memset(r, 0, sizeof(*r));
		r->len = (uint32_t)n;
		r->next = next;
		reply_grow(sizeof(*r) + (uint32_t)n);
		return;
	}
	case FILE_FSYNC:
		rc = ext2_fsync(of->file);
		break;
	default: /* FILE_CLOSE */
		file_close(of);
		rc = 0;
		break;
	}
	reply_start(h->id, rc, 0, 0);
}

static void pager_page_out(const struct uk_msg_header *h, struct open_file *of);

static void notification(const struct uk_msg_header *h)
{
	const struct uk_notification *n = (const void *)h;

	if (h->id != UK_MSG_ID_NO_SENDERS || h->size < sizeof(*n))
		return;
	struct open_file *of = file_of(n->name);
	struct uk_port_info info;
	/* Names carry a generation, so a stale notice names no open file;
	 * still, close only what really has no senders left. */
	if (!of || uk_port_info(of->port, &info) < 0 || info.senders)
		return;
	stats.no_senders++;
	/* Pages a mapper returned as it ended (the kernel posts them before
	 * its rights go) may still wait on the file's port: a port set does
	 * not order its ports, so take them now, before the file closes. */
	static union msgbuf left;
	while (uk_ipc_receive(of->port, &left.h, sizeof(left), 0) >= 0) {
		if ((left.h.flags & UK_MSG_KERNEL) &&
		    left.h.id == UK_MSG_ID_PAGER_RETURN)
			pager_page_out(&left.h, of);
		release_request(&left.h);
	}
	file_close(of);
}

/* The first PAGER_LOG_MAX pager problems are logged. */
static bool pager_log_ok(void)
{
	return ++pager_stats.logged <= PAGER_LOG_MAX;
}

static void pager_refuse(uk_name_t port, const struct fs_pager_fault *f,
			 long err)
{
	pager_stats.refused++;
	long rc = uk_pager_error(port, f->object, f->offset, (uint64_t)-err);
	/* The mapper may have ended, or unmapped the window, meanwhile. */
	if (rc < 0 && rc != -ERR_NOT_FOUND && rc != -ERR_DEAD && pager_log_ok())
		printf("fs: pager: refusing a fault: %s\n", err_name(rc));
}

/* The bytes for fault f on open file of (NULL: the service port) into
 * supply_buf, read ahead: 0 with *r, or the error to refuse it with. */
static long fault_read(struct open_file *of, const struct fs_pager_fault *f,
		       struct fs_pager_range *r)
{
	struct uk_stat st;
	long rc;

	if (!of)
		return -ERR_UNSUPPORTED;
	if ((rc = fs_pager_fault_allowed(ext2_file_flags(of->file), f->write)) <
		0 ||
	    (rc = ext2_fstat(of->file, &st)) < 0 ||
	    (rc = fs_pager_supply_range(f, st.size, sizeof(supply_buf), r)) < 0)
		return rc;
	long n = ext2_read(of->file, r->offset, supply_buf, r->file_bytes);
	if (n < 0)
		return n;
	/* Past the end of the file (or of what a short read gave): zeros. */
	memset(supply_buf + n, 0, r->size - (uint64_t)n);
	return 0;
}

/* A fault a proxy forwarded (the mapper is on another node: uk/ipc.h,
 * "Pagers across nodes"): answered by a reply, struct uk_pager_answer,
 * with the pages or the refusal. */
static void pager_fault_forwarded(const struct uk_msg_header *h,
				  struct open_file *of)
{
	struct fs_pager_fault f;
	struct fs_pager_range r;

	if (fs_pager_decode_request(h, &f) < 0) {
		pager_stats.bad++;
		reply_start(h->id, -ERR_INVALID, 0, 1);
		out.h.size = sizeof(struct uk_pager_answer);
		return;
	}
	pager_stats.requests++;
	long rc = fault_read(of, &f, &r);
	struct uk_pager_answer *a = (struct uk_pager_answer *)&out.h;
	reply_start(h->id, (int32_t)rc, 0, 1);
	a->object = f.object;
	a->offset = f.offset;
	if (rc == 0) {
		a->offset = r.offset;
		a->length = (uint32_t)r.size;
		a->data = (struct uk_msg_ool){ (uint64_t)supply_buf, r.size,
					       UK_OOL_COPY, 0 };
		pager_stats.pages_in += r.size / FS_PAGER_PAGE;
	} else {
		pager_stats.refused++;
	}
	out.h.size = sizeof(*a);
}

/* A fault on a window of an open file (of; NULL for the service port):
 * the page and the ones after it, or a refusal. */
static void pager_fault(const struct uk_msg_header *h, struct open_file *of)
{
	struct fs_pager_fault f;
	struct fs_pager_range r;
	long rc;

	if (fs_pager_decode_request(h, &f) < 0) {
		/* Nothing to answer with: the mapper waits out its deadline. */
		pager_stats.bad++;
		return;
	}
	pager_stats.requests++;
	if ((rc = fault_read(of, &f, &r)) < 0) {
		pager_refuse(h->dest, &f, rc);
		return;
	}
	rc = uk_pager_supply(h->dest, f.object, r.offset, (uint64_t)supply_buf,
			     r.size);
	if (rc > 0)
		pager_stats.pages_in += (uint64_t)rc;
	else if (rc < 0 && rc != -ERR_NOT_FOUND && rc != -ERR_DEAD &&
		 pager_log_ok())
		printf("fs: pager: supply failed: %s\n", err_name(rc));
}

/* Pages the mapper gave back (vm_sync): written into the file, clipped
 * to its size. The region is freed with the message (release_request). */
static void pager_page_out(const struct uk_msg_header *h, struct open_file *of)
{
	struct fs_pager_page_out p;
	struct uk_stat st;

	if (fs_pager_decode_return(h, &p) < 0) {
		pager_stats.bad++;
		return;
	}
	pager_stats.returns++;
	uint64_t pages = p.length / FS_PAGER_PAGE;
	if (p.lost) {
		pager_stats.pages_lost += pages;
		if (pager_log_ok())
			printf("fs: pager: %lu returned pages lost: no room "
			       "for them\n",
			       (unsigned long)pages);
		return;
	}
	if (!of || !fs_pager_return_allowed(ext2_file_flags(of->file))) {
		pager_stats.pages_dropped += pages;
		if (pager_log_ok())
			printf("fs: pager: %lu returned pages dropped: the "
			       "file is not open for writing\n",
			       (unsigned long)pages);
		return;
	}
	long rc = ext2_fstat(of->file, &st);
	uint64_t n = 0;
	if (rc == 0)
		n = fs_pager_write_bytes(p.offset, p.length, st.size);
	if (rc == 0 && n) {
		rc = ext2_write(of->file, p.offset, p.data, n);
		if (rc >= 0 && (uint64_t)rc != n)
			rc = -ERR_NO_SPACE; /* the only short write */
	}
	if (rc < 0) {
		pager_stats.pages_lost += pages;
		if (pager_log_ok())
			printf("fs: pager: writing %lu returned pages: %s\n",
			       (unsigned long)pages, err_name(rc));
		return;
	}
	pager_stats.pages_out += (n + FS_PAGER_PAGE - 1) / FS_PAGER_PAGE;
}

/* A message from the kernel on the service port or a file port. */
static void kernel_message(const struct uk_msg_header *h)
{
	struct open_file *of = h->dest == service ? NULL : file_of(h->dest);

	if (h->id == UK_MSG_ID_PAGER_REQUEST)
		pager_fault(h, of);
	else if (h->id == UK_MSG_ID_PAGER_RETURN)
		pager_page_out(h, of);
	else
		pager_stats.bad++;
}

/* Handles one message; true if a reply is waiting in out. */
static bool handle(const struct uk_msg_header *h)
{
	bool reply = false;

	stats.requests++;
	if ((h->flags & UK_MSG_KERNEL) && h->dest == notify) {
		notification(h);
	} else if (h->flags & UK_MSG_KERNEL) {
		kernel_message(h); /* never answered */
	} else if (h->id == UK_MSG_ID_PAGER_RETURN && !h->reply &&
		   h->dest != service) {
		/* Pages a mapper on another node gave back, forwarded by
		 * the proxy: a write of the file, as FILE_WRITE would be. */
		pager_page_out(h, file_of(h->dest));
	} else if (h->id == UK_MSG_ID_PAGER_REQUEST && h->reply) {
		/* A fault a proxy forwarded (on the service port: refused,
		 * counted, as the kernel's would be). */
		pager_fault_forwarded(h, h->dest == service ? NULL
							    : file_of(h->dest));
		reply = true;
	} else if (!h->reply) {
		bad_request(h, -ERR_INVALID); /* nowhere to answer */
	} else if (h->dest == service) {
		if (fs_is_file_op(h->id)) {
			bad_request(h, -ERR_UNSUPPORTED);
			reply_start(h->id, -ERR_UNSUPPORTED, 0, 0);
		} else {
			service_request(h);
		}
		reply = true;
	} else {
		struct open_file *of = file_of(h->dest);
		if (of && !fs_is_service_op(h->id)) {
			file_request(h, of);
		} else {
			long err = of ? -ERR_UNSUPPORTED : -ERR_INVALID;
			bad_request(h, err);
			reply_start(h->id, (int32_t)err, 0, 0);
		}
		reply = true;
	}
	if (reply)
		out.h.dest = h->reply;
	release_request(h);
	return reply;
}

static int setup_ports(void)
{
	long rc = uk_port_allocate(UK_RIGHT_PORT_SET);

	if (rc < 0)
		return (int)rc;
	port_set = (uk_name_t)rc;
	if ((rc = port_in_set(port_set)) < 0)
		return (int)rc;
	service = (uk_name_t)rc;
	if ((rc = port_in_set(port_set)) < 0)
		return (int)rc;
	notify = (uk_name_t)rc;
	if ((rc = uk_port_insert_right(service, UK_DISP_MAKE_SEND)) < 0 ||
	    (rc = uk_port_insert_right(notify, UK_DISP_MAKE_SEND)) < 0)
		return (int)rc;
	/* Many clients may call at once. */
	uk_port_set_limit(service, 256);
	return 0;
}

int main(int argc, char **argv)
{
	const char *device = "blk0";
	int rc;

	for (int i = 1; i < argc; i++) {
		if (!strncmp(argv[i], "blk=", 4))
			device = argv[i] + 4;
		else if (!strchr(argv[i], '='))
			device = argv[i];
		else
			printf("fs: unknown argument %s (ignored)\n", argv[i]);
	}
	if (!strcmp(device, "none")) {
		printf("fs: blk=none: no file system served on this node\n");
		return 0;
	}
	if (strnlen(device, UK_NAME_MAX) >= UK_NAME_MAX) {
		printf("fs: device name too long\n");
		return 2;
	}
	rc = blk_client_open(&blk, device, DEVICE_WAIT_NS);
	if (rc < 0) {
		printf("fs: no block device %s: %s\n", device, err_name(rc));
		return 1;
	}
	struct ext2_mount_opts opts = {
	    .device_bytes = blk.info.sectors * UK_BLK_SECTOR,
	    .read_only = (blk.info.flags & UK_BLK_READ_ONLY) != 0,
	};
	opts.cache_bytes = CACHE_BYTES;
	rc = ext2_mount(&dev_ops, &blk, &opts, &fs);
	if (rc < 0) {
		printf("fs: cannot mount ext2 on %s: %s\n", device,
		       err_name(rc));
		return 1;
	}
	time_base = ext2_last_time(fs);
	rc = setup_ports();
	if (rc == 0)
		rc = (int)ns_register("fs", service);
	if (rc < 0) {
		printf("fs: cannot register: %s\n", err_name(rc));
		return 1;
	}
	struct uk_statfs sf;
	ext2_statfs(fs, &sf);
	printf("fs: ext2 on %s: %lu blocks of %lu bytes, %lu free, %lu inodes, "
	       "%lu free%s\n",
	       device, (unsigned long)sf.blocks, (unsigned long)sf.block_size,
	       (unsigned long)sf.blocks_free, (unsigned long)sf.inodes,
	       (unsigned long)sf.inodes_free,
	       ext2_read_only(fs) ? ", read-only" : "");

	bool have_reply = false;
	for (;;) {
		uint64_t now = (uint64_t)uk_clock();
		uint64_t timeout = UK_TIMEOUT_INFINITE;
		if (!ext2_dirty(fs))
			dirty_since = 0;
		else if (!dirty_since)
			dirty_since = now;
		if (dirty_since && now - dirty_since >= WRITEBACK_AGE_NS) {
			/* Answer first (a send-once right never blocks), then
			 * write back. */
			if (have_reply)
				send_reply();
			have_reply = false;
			stats.writebacks++;
			rc = ext2_sync(fs);
			if (rc < 0)
				printf("fs: write-back failed: %s\n",
				       err_name(rc));
			dirty_since =
			    ext2_dirty(fs) ? now : 0; /* retry later */
			continue;
		}
		if (dirty_since)
			timeout = dirty_since + WRITEBACK_AGE_NS - now;
		/* A reply that carries a right or memory goes on its own, so a
		 * failure can take them back; the others take the fast path
		 * of ipc_reply_receive. */
		if (have_reply && (out.h.n_ports || out.h.n_ool)) {
			send_reply();
			have_reply = false;
		}
		long r = uk_ipc_reply_receive(
		    have_reply ? &out.h : NULL, have_reply ? out.h.size : 0,
		    port_set, &in.h, sizeof(in), timeout);
		if (r < 0 && r != -ERR_TIMED_OUT && have_reply) {
			/* The reply was refused and nothing was received (a
			 * dead caller's reply right the kernel drops itself).
			 */
			stats.lost_replies++;
			if (r != -ERR_DEAD)
				uk_port_deallocate(out.h.dest);
			have_reply = false;
			continue;
		}
		have_reply = false;
		if (r == -ERR_TIMED_OUT)
			continue;
		if (r < 0) {
			printf("fs: receive failed: %s\n", err_name(r));
			uk_sleep(10000000);
			continue;
		}
		have_reply = handle(&in.h);
	}
}
