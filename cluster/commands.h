/* SPDX-License-Identifier: MIT */
/* The ukcluster commands. Each takes the selected cluster and the words
 * after the command name, and returns the process exit status. */
#ifndef UKCLUSTER_COMMANDS_H
#define UKCLUSTER_COMMANDS_H

#include "accel.h"
#include "state.h"

#include <signal.h>
#include <stddef.h>

struct command {
	const char *name;
	int (*run)(const struct cluster_paths *p, int argc, char **argv);
	const char *usage;
	const char *summary;
};

extern const struct command commands[];

/* Set by `--name`/UKCLUSTER_NAME; `up` may take a name from its config. */
extern int name_given;

/* Helpers every command uses (commands.c). */
extern volatile sig_atomic_t interrupted; /* SIGINT/TERM/HUP, once caught */
void catch_interrupts(void);
int usage_error(const char *usage);
/* " --name NAME" for messages, "" for the default cluster. */
const char *name_flag(const struct cluster_paths *p);
/* The info of a running cluster, or -1 after saying why there is none. */
int running_info(const struct cluster_paths *p, struct cluster_info *info);
/* NODE or (if allow_all) "all" into node numbers; -1 after a message. */
int parse_nodes(const struct cluster_paths *p, const char *word, int allow_all,
		unsigned *nodes, int *count);
/* "--accel auto|kvm|tcg" at argv[*i]: 1 if it is that (*i then points at
 * the value), 0 if it is another word, -1 (said why) for a bad value. */
int accel_option(int argc, char **argv, int *i, enum accel_kind *kind);
/* A supervisor request whose "ok" text is the whole answer. */
int simple_request(const struct cluster_paths *p, const char *request);
/* "verb arg arg..." into buf; -1 if it does not fit or has a newline. */
int join_request(char *buf, size_t len, const char *verb, int argc,
		 char **argv);

/* commands_watch.c */
int cmd_console(const struct cluster_paths *p, int argc, char **argv);
int cmd_log(const struct cluster_paths *p, int argc, char **argv);
int cmd_wait(const struct cluster_paths *p, int argc, char **argv);
int cmd_gdb(const struct cluster_paths *p, int argc, char **argv);

/* commands_fault.c */
int cmd_kill(const struct cluster_paths *p, int argc, char **argv);
int cmd_start(const struct cluster_paths *p, int argc, char **argv);
int cmd_pause(const struct cluster_paths *p, int argc, char **argv);
int cmd_resume(const struct cluster_paths *p, int argc, char **argv);
int cmd_reboot(const struct cluster_paths *p, int argc, char **argv);
int cmd_link(const struct cluster_paths *p, int argc, char **argv);
int cmd_partition(const struct cluster_paths *p, int argc, char **argv);
int cmd_heal(const struct cluster_paths *p, int argc, char **argv);
int cmd_loss(const struct cluster_paths *p, int argc, char **argv);
int cmd_send(const struct cluster_paths *p, int argc, char **argv);
int cmd_qmp(const struct cluster_paths *p, int argc, char **argv);
int cmd_ping(const struct cluster_paths *p, int argc, char **argv);
int cmd_exec(const struct cluster_paths *p, int argc, char **argv);

/* commands_lab.c: histories of chaos runs. */
int cmd_history(const struct cluster_paths *p, int argc, char **argv);
unsigned lab_node_logs(const struct cluster_paths *p, const char *dir,
		       char paths[][PATH_MAX], const char *ptrs[]);
/* commands_check.c: the history checker (check.h). */
int cmd_check(const struct cluster_paths *p, int argc, char **argv);

/* run.c: the scenario runner. */
int cmd_run(const struct cluster_paths *p, int argc, char **argv);

#endif
