/* SPDX-License-Identifier: MIT */
/*
 * The IPC ABI: ports, rights, messages, notifications and hardware
 * capabilities. See docs/ARCHITECTURE.md ("IPC") for the semantics.
 *
 * A task names rights by 64-bit values from its own name table. A name
 * is (index << 32 | generation): the generation is 32 bits, never 0, and
 * changes each time a slot is reused, so a name does not come back for
 * 2^32 reuses of its slot; name 0 is UK_NAME_NULL. A stale or wrong name fails with ERR_BAD_NAME and never
 * touches another right.
 */
#ifndef UK_IPC_H
#define UK_IPC_H

#include <stdint.h>

typedef uint64_t uk_name_t;
#define UK_NAME_NULL 0u

/* Right types held under a name (uk_port_info.rights); a name may hold
 * RECEIVE and SEND together for the same port, as in Mach. */
#define UK_RIGHT_RECEIVE 0x01u
#define UK_RIGHT_SEND 0x02u	 /* counted: uk_port_info.send_refs */
#define UK_RIGHT_SEND_ONCE 0x04u /* one use; a name holds exactly one */
#define UK_RIGHT_PORT_SET 0x08u
#define UK_RIGHT_DEAD_NAME 0x10u /* a send right whose port died */
#define UK_RIGHT_HARDWARE 0x20u	 /* an I/O, memory or IRQ capability */

/* How a right travels in a message (uk_msg_port.disposition,
 * dest_disposition, reply_disposition). */
enum uk_disposition {
	UK_DISP_NONE = 0,
	UK_DISP_MOVE_RECEIVE = 1,   /* the receive right moves */
	UK_DISP_COPY_SEND = 2,	    /* sender keeps its send right */
	UK_DISP_MOVE_SEND = 3,	    /* sender gives up one send reference */
	UK_DISP_MAKE_SEND = 4,	    /* a new (unbadged) send right from a receive right */
	UK_DISP_MAKE_SEND_ONCE = 5, /* a new send-once right from a receive right */
	UK_DISP_MOVE_SEND_ONCE = 6,
	UK_DISP_COPY_HARDWARE = 7,  /* hardware capabilities: copy or move */
	UK_DISP_MOVE_HARDWARE = 8,
};

/*
 * Badges (seL4's badged endpoints, Zircon's per-handle keys): port_mint
 * makes, from a receive right, a send right stamped with a nonzero 64-bit
 * badge; every message sent through it or through a copy of it arrives with
 * that badge in uk_msg_header.badge. A task holds one name per (port,
 * badge, delegable bits): send rights with different badges never merge,
 * and an unbadged send right shares its name with the receive right as in
 * Mach. Copies and moves keep the badge; MAKE_SEND and MAKE_SEND_ONCE make
 * unbadged rights. A server mints one badge per client (or per session, per
 * open file, per remote caller of the proxy) and decides by it, not by the
 * sender's id.
 *
 * Delegable badges, for a forwarder (the proxy) that serves many clients
 * through one right: port_mint_delegable(name, badge, bits) makes, from
 * the receive right, a send right with a nonzero badge whose low `bits`
 * bits (1..UK_BADGE_DELEGABLE_BITS_MAX) are zero and reserved for its
 * holder. Any holder of that right (copies and moves keep it delegable)
 * may port_derive(name, sub), 0 < sub < 2^bits: a new ordinary send right
 * to the same port with badge | sub. So the server reads the right it gave
 * from the high bits and the holder's sub-client from the low bits;
 * messages through the delegable right itself carry sub 0. A derived right
 * cannot be derived again (ERR_RIGHTS, as for a non-delegable or unbadged
 * right), merges with an equal (port, badge) right the task holds, and
 * counts as a sender like any send right (no-senders waits for it), but
 * not in the make-send count: it is a copy, not made from the receive
 * right. Its name is charged to the deriving task like any name (ERR_LIMIT
 * at the table's size or the task's quota). A delegable right never merges
 * with an ordinary right of the same badge. The server owns its badge
 * space: it must not mint, in [badge, badge + 2^bits), badges it wants to
 * tell apart from the holder's sub-clients.
 */
#define UK_BADGE_DELEGABLE_BITS_MAX 32u

/*
 * A message in user memory: the header, then n_ports port descriptors,
 * then n_ool out-of-line descriptors, then inline bytes up to size.
 * On receive the kernel rewrites names to the receiver's names and
 * out-of-line addresses to where the memory now is in the receiver.
 */
struct uk_msg_header {
	uint32_t size;		   /* bytes of the whole message */
	uint32_t id;		   /* operation id, defined by each protocol */
	uk_name_t dest;		   /* send: a send or send-once right; receive: the port's name here */
	uk_name_t reply;	   /* send: reply right or 0; receive: its name here or 0 */
	uint8_t dest_disposition;  /* COPY_SEND (0 means COPY_SEND), MOVE_SEND, MOVE_SEND_ONCE */
	uint8_t reply_disposition; /* for reply: MAKE_SEND_ONCE, MOVE_SEND_ONCE, MAKE_SEND, COPY_SEND, MOVE_SEND */
	uint16_t n_ports;
	uint16_t n_ool;
	uint16_t flags;		   /* UK_MSG_* (kernel-set on receive) */
	/* Receive: the sending task's full id (slot | generation << 32), which
	 * never names a later task; 0 from the kernel. For logs: a server
	 * decides what a request may do by badge, not by sender. */
	uint64_t sender;
	/* Receive: the badge of the send right the message came through (0:
	 * an unbadged right, a send-once right or the kernel). Only the holder
	 * of the receive right can make a badged right (port_mint), and a
	 * badged right cannot be changed or rebadged (a holder of a delegable
	 * right only fills in the low bits the server left it), so the badge
	 * tells a server which of the clients it gave rights to is calling. */
	uint64_t badge;
};
_Static_assert(sizeof(struct uk_msg_header) == 48, "uk_msg_header layout");
_Static_assert(__builtin_offsetof(struct uk_msg_header, dest_disposition) == 24 &&
		       __builtin_offsetof(struct uk_msg_header, sender) == 32,
	       "uk_msg_header layout");

#define UK_MSG_KERNEL 0x1u /* the kernel sent it (notification, interrupt) */

/* The full id of a received message's sending task (0 from the kernel). */
static inline uint64_t uk_msg_sender(const struct uk_msg_header *h)
{
	return h->sender;
}

struct uk_msg_port {
	uk_name_t name;	      /* send: sender's name; receive: receiver's name */
	uint64_t disposition; /* send: enum uk_disposition; receive: UK_RIGHT_* got */
};
_Static_assert(sizeof(struct uk_msg_port) == 16, "uk_msg_port layout");

/* Out-of-line memory: whole pages. MOVE takes the pages from the sender (the
 * range must be exactly one vm_allocate region) and gives them to the
 * receiver without copying; COPY gives the receiver a private copy of any
 * byte range (whole pages of anonymous memory copy-on-write: the frames
 * are shared until either side writes, each side charged as for a copy);
 * SHARE maps the same frames into the receiver while the
 * sender keeps them (the range must be exactly one vm_allocate or
 * vm_allocate_dma region). Shared frames are freed when the last task
 * unmaps them. */
#define UK_OOL_COPY 0x0u
#define UK_OOL_MOVE 0x1u
#define UK_OOL_SHARE 0x2u
struct uk_msg_ool {
	uint64_t address; /* send: in the sender; receive: in the receiver */
	uint64_t size;	  /* bytes */
	uint32_t flags;	  /* UK_OOL_COPY or UK_OOL_MOVE */
	uint32_t reserved;
};
_Static_assert(sizeof(struct uk_msg_ool) == 24, "uk_msg_ool layout");

#define UK_MSG_INLINE_MAX 4096u	 /* inline bytes after the descriptors */
#define UK_MSG_PORTS_MAX 16u
#define UK_MSG_OOL_MAX 8u
#define UK_MSG_OOL_SIZE_MAX (64u << 20)
#define UK_MSG_SIZE_MAX                                                  \
	(sizeof(struct uk_msg_header) + UK_MSG_PORTS_MAX * 16u +          \
	 UK_MSG_OOL_MAX * 24u + UK_MSG_INLINE_MAX)

#define UK_PORT_QUEUE_DEFAULT 16u
#define UK_PORT_QUEUE_MAX 1024u

/* Notifications, sent by the kernel to a notify port: a port whose receive
 * right the requester holds (so a notice marked UK_MSG_KERNEL only ever
 * names rights in the table of the task that reads it). The notice is
 * allocated when it is requested, so it is never dropped; a request that
 * cannot be allocated fails with ERR_NO_MEMORY. Each right has at most one
 * request per kind (asking again replaces the notify port), and a task has
 * at most UK_NOTIFY_REQUESTS_MAX requests outstanding (ERR_LIMIT).
 * The body is struct uk_notification. */
enum uk_notify_kind {
	UK_NOTIFY_DEAD_NAME = 1,  /* on a send right: its port died */
	UK_NOTIFY_NO_SENDERS = 2, /* on a receive right: no send rights remain */
	UK_NOTIFY_SEND_ONCE = 3,  /* internal: a send-once right died unused */
};
#define UK_NOTIFY_REQUESTS_MAX 1024u /* outstanding requests per task */
#define UK_MSG_ID_DEAD_NAME 0x7f000001u
#define UK_MSG_ID_NO_SENDERS 0x7f000002u
#define UK_MSG_ID_SEND_ONCE_DIED 0x7f000003u
#define UK_MSG_ID_INTERRUPT 0x7f000010u
#define UK_MSG_ID_MEMORY_LOW 0x7f000030u /* vm_pressure_notify: count = free pages */

/*
 * make_send_count (NO_SENDERS) is the port's make-send count (Mach's
 * mscount) when the notice fired: how many send rights have ever been made
 * from its receive right (UK_DISP_MAKE_SEND, in a message or with
 * port_insert_right, port_mint and port_mint_delegable; not port_derive,
 * which copies a send right). port_info reports the current count; a notice whose
 * count is lower is stale: a send right was made after it fired, so the
 * port has senders again.
 */
struct uk_notification {
	struct uk_msg_header header;
	uk_name_t name;	    /* the requester's name the notice is about */
	uint32_t irq;	    /* UK_MSG_ID_INTERRUPT: the line */
	uint32_t reserved;
	union {
		uint64_t count;		  /* INTERRUPT: interrupts since the last acknowledgement */
		uint64_t make_send_count; /* NO_SENDERS: see above */
	};
};
_Static_assert(sizeof(struct uk_notification) == 72, "uk_notification layout");
_Static_assert(__builtin_offsetof(struct uk_notification, name) == 48,
	       "uk_notification layout");
_Static_assert(__builtin_offsetof(struct uk_notification, make_send_count) == 64,
	       "uk_notification layout");

/*
 * Pagers (docs/MEMORY.md). A task holding a send right to a port maps a
 * window of the memory object that port stands for (vm_map_object); a
 * fault on a page of it that is not present posts this request to the
 * port, from the kernel, carrying the badge of the send right the window
 * was mapped with. The faulting thread waits, up to the window's
 * deadline, for the port's receiver (the pager) to answer with
 * pager_supply (the page's bytes) or pager_error; a refusal, a timeout or
 * the port's death ends the faulting task with UK_EXIT_FAULT (vector 14,
 * code the error) and nothing else. One request per window is
 * outstanding at a time; each window's request is allocated when it is
 * mapped, so a request is never dropped and a pager's queue holds at most
 * one per window.
 */
#define UK_MSG_ID_PAGER_REQUEST 0x7f000020u
#define UK_PAGER_DEADLINE_DEFAULT_NS 1000000000ull /* vm_map_object: 0 */
#define UK_PAGER_DEADLINE_MAX_NS 60000000000ull
/* Windows a task may have at once (ERR_LIMIT beyond): each can put one
 * kernel request in a port's queue past its limit, so this bounds what a
 * task can queue at a server it only holds a send right to. */
#define UK_WINDOWS_MAX 256u
struct uk_pager_request {
	struct uk_msg_header header;
	uint64_t object; /* the window's id: never reused while the kernel runs */
	uint64_t offset; /* in the memory object, page aligned */
	uint32_t length; /* bytes wanted (one page in this version) */
	uint32_t access; /* UK_VM_READ, or UK_VM_WRITE for a write fault */
	/* The window: [window_offset, window_offset + window_size) of the
	 * object. A supply must lie inside it, so a pager reading ahead
	 * clips to it. */
	uint64_t window_offset;
	uint64_t window_size;
};
_Static_assert(sizeof(struct uk_pager_request) == 88, "uk_pager_request layout");
_Static_assert(__builtin_offsetof(struct uk_pager_request, offset) == 56 &&
		       __builtin_offsetof(struct uk_pager_request, window_size) == 80,
	       "uk_pager_request layout");

/*
 * Page-out (Mach's data_return). vm_sync(addr, size, flags), by the
 * mapper on a page-aligned range of one window, hands the pager every
 * page of the range written since it was supplied or last returned (the
 * dirty bits of the page tables), in runs of at most 1 MiB: one message
 * per run, from the kernel, on the window's port with the window's badge,
 * the bytes as out-of-line memory that is the pager's from then on (it
 * frees it). Without UK_VM_SYNC_EVICT the pages stay mapped, now clean
 * (the message carries a copy, charged to the mapper until the pager
 * receives it); with it every page of the range leaves the window, the
 * dirty ones moving to the pager without a copy, and a later touch asks
 * the pager again. Returns pass through the port's queue like any
 * message: vm_sync waits for room, at most the window's deadline
 * (ERR_TIMED_OUT), so a pager that does not keep up slows its mapper and
 * nothing else. A pager that also serves calls on the port sees a call
 * the mapper makes after vm_sync behind the returns (one queue, in
 * order): msync is vm_sync, then a call that waits for the writes.
 */
#define UK_MSG_ID_PAGER_RETURN 0x7f000021u
#define UK_VM_SYNC_EVICT 0x1u	     /* vm_sync: drop the range's pages */
#define UK_PAGER_RETURN_DIRTY 0x1u   /* written since supplied / returned */
#define UK_PAGER_RETURN_EVICTED 0x2u /* no longer in the window */
struct uk_pager_return {
	struct uk_msg_header header; /* n_ool 1, n_ports 0 */
	struct uk_msg_ool data;	     /* length bytes, the pager's memory */
	uint64_t object;	     /* the window's id */
	uint64_t offset;	     /* in the memory object, page aligned */
	uint32_t length;	     /* bytes: whole pages, at most 1 MiB */
	uint32_t flags;		     /* UK_PAGER_RETURN_* */
};
_Static_assert(sizeof(struct uk_pager_return) == 96, "uk_pager_return layout");
_Static_assert(__builtin_offsetof(struct uk_pager_return, object) == 72,
	       "uk_pager_return layout");

/*
 * Pagers across nodes (docs/MEMORY.md, "Remote pagers"). A window on a
 * port imported from another node sends its requests and returns to the
 * proxy, which forwards them: on the pager's node they arrive as ordinary
 * messages (no UK_MSG_KERNEL) with the same ids and bodies, the request
 * with a send-once reply right. The pager cannot pager_supply a window of
 * another node's kernel, so it answers such a request by replying with
 * struct uk_pager_answer: status 0 and the bytes (length, whole pages,
 * from offset, inside the request's window) as one out-of-line region, or
 * a negative ERR_* to refuse (data empty). The proxy of the mapper's
 * node supplies or refuses for it. A pager may answer any request that
 * comes with a reply right this way; one without is not the kernel's and
 * not a forwarded one.
 */
struct uk_pager_answer {
	struct uk_msg_header header; /* id UK_MSG_ID_PAGER_REQUEST, n_ool 1 */
	struct uk_msg_ool data;	     /* the bytes (size 0 when refused) */
	int32_t status;		     /* 0, or -ERR_* */
	uint32_t length;	     /* bytes in data */
	uint64_t object;	     /* the request's */
	uint64_t offset;	     /* of data in the object, page aligned */
};
_Static_assert(sizeof(struct uk_pager_answer) == 96, "uk_pager_answer layout");

/* port_info result. */
struct uk_port_info {
	uint32_t rights;       /* UK_RIGHT_* under this name */
	uint32_t send_refs;    /* user references of the send right */
	uint32_t queued;       /* receive right: messages waiting */
	uint32_t queue_limit;  /* receive right */
	uint32_t senders;      /* receive right: send rights in existence */
	uint32_t make_send_count; /* receive right: send rights ever made (see uk_notification) */
	uk_name_t set;	       /* receive right: name of its port set, or 0 */
	uint64_t badge;	       /* send right: its badge (0: none) */
	uint32_t badge_bits;   /* send right: low badge bits its holder may
				* fill in (port_derive); 0: not delegable */
	uint32_t reserved;
};
_Static_assert(sizeof(struct uk_port_info) == 48, "uk_port_info layout");

/* Hardware capabilities. init starts with one of each kind covering
 * everything; cap_derive makes narrower ones that can be sent in messages. */
enum uk_hw_kind {
	UK_HW_IO_PORTS = 1, /* base, count: x86 I/O ports */
	UK_HW_MEMORY = 2,   /* base, size: physical memory that is not RAM */
	UK_HW_IRQ = 3,	    /* base, count: interrupt lines */
};
struct uk_hw_info {
	uint32_t kind;
	uint32_t reserved;
	uint64_t base;
	uint64_t size;
};
_Static_assert(sizeof(struct uk_hw_info) == 24, "uk_hw_info layout");

/* Positions in uk_startup.rights. Every program gets a send right to the
 * name server as its bootstrap right (include/uk/proto/name.h); init gets
 * none there (it starts the name server) and the device server and test
 * programs get the hardware roots at 1..3. */
#define UK_STARTUP_BOOTSTRAP 0
#define UK_STARTUP_HW_IO 1
#define UK_STARTUP_HW_MEMORY 2
#define UK_STARTUP_HW_IRQ 3

#endif
