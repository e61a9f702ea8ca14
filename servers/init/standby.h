/* SPDX-License-Identifier: MIT */
/* Standbys (standby=NAME@NODE): a thread of init per standby watches the
 * primary on another node and has init start the program here once the
 * primary is gone (standby.c). */
#ifndef INIT_STANDBY_H
#define INIT_STANDBY_H

#include <ulib.h>
#include <uk/proto/name.h>

/* What a watcher needs of init, called on the watcher's thread. */
struct standby_hooks {
	/* NAME_LOOKUP of name on node through init's admin right, waiting
	 * up to timeout_ns there: a send right or a negative error. */
	long (*lookup)(const char *name, uint32_t node, uint64_t timeout_ns);
	/* One line on init's output, under init's lock. */
	void (*say)(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
	/* The primary is gone (why: the last lookup's error): start the
	 * program that stands by, arg. The watcher ends after it. */
	void (*take_over)(void *arg, long why);
};

/* Watch name on node (another node) from a new thread. 0, or a negative
 * error (nothing watches). At most STANDBY_WATCHES, each called once. */
#define STANDBY_WATCHES 4u
long standby_watch(const char *name, uint32_t node, void *arg,
		   const struct standby_hooks *hooks);

#endif
