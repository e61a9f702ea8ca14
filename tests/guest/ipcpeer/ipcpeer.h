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
	IPCPEER_ECHO = 0x1001,	       /* reply with the request's inline bytes */
	IPCPEER_KEEP_RIGHTS = 0x1002,  /* keep the carried rights; reply: ipcpeer_report */
	IPCPEER_RETURN_RIGHTS = 0x1003, /* reply carries every kept right, moved back */
	IPCPEER_MAKE_PORT = 0x1004,    /* new port; reply carries MAKE_SEND, MAKE_SEND_ONCE of it */
	IPCPEER_DESTROY_PORT = 0x1005, /* destroy the port made by MAKE_PORT */
	IPCPEER_DROP_RIGHTS = 0x1006,  /* release every kept right; reply body: count */
	IPCPEER_SEND_BACK = 0x1007,    /* send IPCPEER_HELLO with the request body to
					* the right carried in descriptor 0 (moved);
					* reply body: the send's result (int64) */
	IPCPEER_EXIT = 0x1008,	       /* exit at once, code = first body byte, no reply */
	IPCPEER_HANG = 0x1009,	       /* take the request and never answer it */
	IPCPEER_QUIT = 0x100a,	       /* reply, then exit 0 */
	IPCPEER_SLOW_ECHO = 0x100b,    /* sleep (body: uint64 ns), then echo */
	IPCPEER_OOL_BOUNCE = 0x100c,   /* reply body: ipcpeer_ool per region received;
					* the reply moves every region back */
	IPCPEER_HELLO = 0x1080,	       /* sent by the peer for SEND_BACK */
	IPCPEER_STARTUP = 0x1081,      /* sent by `ipcpeer report` */
};

/* A right as the peer sees it after receiving it. */
struct ipcpeer_right {
	uint32_t got;	    /* UK_RIGHT_* the descriptor said arrived */
	uint32_t name;	    /* the peer's name for it */
	uint32_t rights;    /* port_info(name).rights in the peer */
	uint32_t send_refs; /* port_info(name).send_refs in the peer */
};

/* An out-of-line region as the peer received it. */
struct ipcpeer_ool {
	uint64_t address; /* in the peer (0: none) */
	uint64_t size;
	uint64_t sum;	  /* of the size bytes */
	uint32_t flags;	  /* as received */
	uint32_t writable; /* 1 if the peer could write to it */
};

struct ipcpeer_report {
	uint32_t count; /* rights described */
	uint32_t held;	/* rights the peer keeps in all */
	struct ipcpeer_right r[UK_MSG_PORTS_MAX];
};

#endif
