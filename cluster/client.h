/* SPDX-License-Identifier: MIT */
/* The client side of the control protocol (see control.c) and the
 * interactive console. */
#ifndef UKCLUSTER_CLIENT_H
#define UKCLUSTER_CLIENT_H

#include "state.h"

#include <stddef.h>

/* Connect to the cluster's supervisor; says why not on stderr. */
int control_open(const struct cluster_paths *p);

/* One request. Data lines go to data (may be NULL), the text after "ok "
 * or "error: " to final. Returns 0 for ok, 1 for error, -1 if the
 * supervisor could not be reached or hung up. */
int control_call(const struct cluster_paths *p, const char *request, char *data,
		 size_t datalen, char *final, size_t finallen);

enum console_mode {
	CONSOLE_RAW, /* `console`: every key goes to the node, Ctrl-] leaves */
	CONSOLE_UP,  /* `up`: Ctrl-C stops the cluster, Ctrl-] detaches */
};

enum console_end {
	CONSOLE_DETACHED,    /* the user pressed Ctrl-] */
	CONSOLE_CLOSED,	     /* the supervisor went away */
	CONSOLE_INTERRUPTED, /* SIGINT, SIGTERM or SIGHUP */
	CONSOLE_FAILED,
};

enum console_end console_attach(const struct cluster_paths *p, unsigned node,
				enum console_mode mode, int replay);

#endif
