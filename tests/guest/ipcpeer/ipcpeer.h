/* SPDX-License-Identifier: MIT */
/*
 * The protocol between ktest (client) and ipcpeer (the other task in the
 * cross-task IPC tests). ipcpeer serves the receive right it gets as
 * uk_startup.rights[0]; every request is an ipc_call and, unless the
 * operation says otherwise, is answered with a reply of the same id.
 * Message ids 0x1000-0x10ff, protocol version 1.
 */
#ifndef IPCPEER_H
#define IPCPEER_H

#include <stdint.h>
#include <uk/ipc.h>

#define IPCPEER_VERSION 1u

enum ipcpeer_op {
	/* Reply with the request's inline bytes. */
	IPCPEER_ECHO = 0x1001,
	/* Keep the rights carried; reply body: struct ipcpeer_report. */
	IPCPEER_KEEP_RIGHTS = 0x1002,
	/* The reply carries every kept right, moved back. */
	IPCPEER_RETURN_RIGHTS = 0x1003,
	/* A new port; the reply carries MAKE_SEND and MAKE_SEND_ONCE of it. */
	IPCPEER_MAKE_PORT = 0x1004,
	/* Destroy the port made by IPCPEER_MAKE_PORT. */
	IPCPEER_DESTROY_PORT = 0x1005,
	/* Release every kept right; reply body: how many (uint32). */
	IPCPEER_DROP_RIGHTS = 0x1006,
	/* Send IPCPEER_HELLO with the request body to the right carried in
	 * descriptor 0 (moved); reply body: the send's result (int64). */
	IPCPEER_SEND_BACK = 0x1007,
	/* Exit at once with the first body byte as code, without replying. */
	IPCPEER_EXIT = 0x1008,
	/* Take the request and never answer it. */
	IPCPEER_HANG = 0x1009,
	/* Reply, then exit 0. */
	IPCPEER_QUIT = 0x100a,
	/* Sleep (body: uint64 nanoseconds), then echo. */
	IPCPEER_SLOW_ECHO = 0x100b,
	/* Reply body: struct ipcpeer_ool per region received; the reply
	 * moves every region back. */
	IPCPEER_OOL_BOUNCE = 0x100c,
	/* Sent by the peer for IPCPEER_SEND_BACK. */
	IPCPEER_HELLO = 0x1080,
	/* Sent by `ipcpeer report`. */
	IPCPEER_STARTUP = 0x1081,
	/* Sent by `ipcpeer notify-flood`: struct ipcpeer_flood. */
	IPCPEER_FLOOD = 0x1082,
};

/* `ipcpeer notify-flood`: dead-name requests made before the first
 * failure, and that failure (a negative error). */
struct ipcpeer_flood {
	uint32_t made;
	int32_t error;
};
_Static_assert(sizeof(struct ipcpeer_flood) == 8, "ipcpeer_flood layout");

/* `ipcpeer window PAGES DEADLINE_MS HOW` maps PAGES pages of the memory
 * object whose send right is uk_startup.rights[0] (vm_map_object, with
 * DEADLINE_MS per fault, 0: the default) and touches each page in turn:
 * HOW is "read" (read and check it), "write" (write its first byte, then
 * check the rest), "write-hold" (the same, then sleep until killed) or
 * "ro-write" (map read-only, then write: must fault).
 * The pager fills the byte at object offset off with
 * ipcpeer_window_byte(off). Exits 0 when every page read back right, 1
 * at the first wrong byte, 90 if it cannot map. */
static inline uint8_t ipcpeer_window_byte(uint64_t off)
{
	return (uint8_t)((off >> 12) * 31u + (off & 4095u) * 7u + 1u);
}

/* A right as the peer sees it after receiving it. */
struct ipcpeer_right {
	uint64_t name;	    /* the peer's name (uk_name_t) for it */
	uint32_t got;	    /* UK_RIGHT_* the descriptor said arrived */
	uint32_t rights;    /* port_info(name).rights in the peer */
	uint32_t send_refs; /* port_info(name).send_refs in the peer */
	uint32_t reserved;
};
_Static_assert(sizeof(struct ipcpeer_right) == 24, "ipcpeer_right layout");

/* An out-of-line region as the peer received it. */
struct ipcpeer_ool {
	uint64_t address; /* in the peer (0: none) */
	uint64_t size;
	uint64_t sum;	   /* of the size bytes */
	uint32_t flags;	   /* as received */
	uint32_t writable; /* 1 if the peer could write to it */
};
_Static_assert(sizeof(struct ipcpeer_ool) == 32, "ipcpeer_ool layout");

struct ipcpeer_report {
	uint32_t count; /* rights described */
	uint32_t held;	/* rights the peer keeps in all */
	struct ipcpeer_right r[UK_MSG_PORTS_MAX];
};
_Static_assert(sizeof(struct ipcpeer_report) == 8 + 24 * UK_MSG_PORTS_MAX,
	       "ipcpeer_report layout");

#endif
