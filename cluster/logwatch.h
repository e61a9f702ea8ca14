/* SPDX-License-Identifier: MIT */
/*
 * Reading node logs (format in nodelog.c) from the host side: printing,
 * following, and waiting for patterns with a deadline. A wait looks at a
 * scope of each log: since the node's last boot (power-on or reset), since
 * a byte offset taken earlier (a scenario's mark), or the whole log.
 * A wait for a match also ends, early, when a node it waits on was stopped
 * by a KVM internal error since its last boot: it would never match.
 */
#ifndef UKCLUSTER_LOGWATCH_H
#define UKCLUSTER_LOGWATCH_H

#include "state.h"

#include <regex.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

struct log_fields {
	char stamp[16];	  /* "12:04:31.207" */
	double elapsed;	  /* seconds since `up` */
	char kind;	  /* '|' serial, '#' host event */
	const char *text; /* points into the line */
};

/* Split a log line; -1 if it is not one. */
int log_parse(const char *line, struct log_fields *f);

/* Offset just after the node's last "# boot:" line (0 if none). */
off_t log_boot_offset(const char *path);
/* Current size of the log (the offset of the next line). */
off_t log_end_offset(const char *path);

/* The last n lines of a log, each prefixed by prefix. */
void log_print_tail(const char *path, unsigned n, const char *prefix,
		    FILE *out);

enum watch_mode {
	WATCH_MATCH, /* every node prints a matching line before the deadline */
	WATCH_ABSENT, /* no node prints a matching line until the deadline */
	WATCH_SILENT, /* no node prints anything on its serial port until then
		       */
};

struct watch_result {
	unsigned node;	  /* the node that failed or matched last */
	char line[1200];  /* the line that matched or broke the silence */
	int cluster_gone; /* the cluster stopped while we waited */
	int kvm_error;	  /* node was stopped by a KVM internal error; line
			     holds the host's log text about it */
};

/* Watch the logs of nodes[0..count) from the given offsets. Returns 0 if
 * the expectation held, 1 if not (result says where and whether a KVM
 * internal error was why), -1 if interrupted (*stop set). */
int log_watch(const struct cluster_paths *p, const unsigned *nodes, int count,
	      const off_t *offsets, const regex_t *re, enum watch_mode mode,
	      uint64_t deadline_ms, const volatile sig_atomic_t *stop,
	      struct watch_result *result);

/* Print a log (all of it, or its last `last` lines) and, if follow, keep
 * printing new lines until *stop or the cluster goes away. nodes may list
 * several logs; their lines then carry a "nodeN " prefix. */
int log_show(const struct cluster_paths *p, const unsigned *nodes, int count,
	     unsigned last, int follow, const volatile sig_atomic_t *stop);

#endif
