/* SPDX-License-Identifier: MIT */
/* Child processes: starting programs (optionally inside a network
 * namespace), running short commands with their output captured, and
 * finding every process a cluster left behind. */
#ifndef UKCLUSTER_PROC_H
#define UKCLUSTER_PROC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct spawn_opts {
	int stdin_fd;	     /* -1: /dev/null */
	const char *output;  /* stdout and stderr appended here; NULL: null */
	int netns_fd;	     /* >= 0: enter this network namespace first */
	int die_with_parent; /* SIGKILL when the spawning process dies */
};

#define SPAWN_OPTS_INIT                                                        \
	{                                                                      \
		-1, NULL, -1, 0                                                \
	}

/* Start argv[0] (searched in PATH); returns the pid or -1. A failed exec
 * shows as exit status 127 with the reason in the output file. */
pid_t spawn(const char *const argv[], const struct spawn_opts *o);

/* Run a command to completion, feeding it input (may be NULL), capturing
 * stdout+stderr into out. Returns its exit status, or -1 if it could not
 * run (or died from a signal). */
int run_command(const char *const argv[], const char *input, int netns_fd,
		char *out, size_t outlen);

/* Full path of a program from PATH, /usr/sbin or /sbin; -1 if absent. */
int find_program(const char *name, char *buf, size_t len);

/* Send sig, then wait up to timeout_ms for the child to exit (SIGKILL
 * after that). Returns its wait status, or -1. */
int stop_child(pid_t pid, int sig, uint64_t timeout_ms);

/* The process exists and is not a zombie. */
int process_alive(pid_t pid);

/* True when pid's command line (/proc/PID/cmdline, arguments joined by
 * spaces) contains needle. */
int process_cmdline_mentions(pid_t pid, const char *needle);

/* A process of a cluster: run from qemu-system-*, dnsmasq or ukcluster,
 * with needle (the state directory) in its command line. */
int cluster_process(pid_t pid, const char *needle);

/* SIGKILL every process run from qemu-system-*, dnsmasq or ukcluster whose
 * command line mentions needle (the state directory), except ourselves.
 * Returns how many were signalled. */
int sweep_processes(const char *needle);

#endif
