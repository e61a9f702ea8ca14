/* SPDX-License-Identifier: MIT */
/*
 * One run's history (docs/CLUSTER.md, "Checking histories"): the faults the
 * chaos step injected and the operations the workload's clients did, on one
 * host timeline in ns. history_load() reads the text file, sorts it by time
 * (stably) and pairs every invoke with its completion, so the checks
 * (check.h) and the picture (svg.h) see whole operations. No cluster state:
 * a scenario step and the `check` command share it.
 */
#ifndef UKCLUSTER_HISTORY_H
#define UKCLUSTER_HISTORY_H

#include <stddef.h>
#include <stdint.h>

#define HISTORY_NO_TIME UINT64_MAX /* no completion; +infinity */
#define HISTORY_DEFAULT_DEADLINE_NS 5000000000ULL
#define HISTORY_MAX_NODE 4096

enum history_f { HISTORY_READ, HISTORY_WRITE, HISTORY_APPEND, HISTORY_FINAL };

enum history_outcome {
	HISTORY_OK,	 /* done, result known */
	HISTORY_FAIL,	 /* definitely did not happen */
	HISTORY_INFO,	 /* may or may not have happened */
	HISTORY_PENDING, /* no completion at all */
};

enum fault_kind {
	FAULT_KILL,
	FAULT_PAUSE,
	FAULT_REBOOT,
	FAULT_LINK,
	FAULT_PARTITION,
	FAULT_LOSS,
	FAULT_KINDS
};

/* What the checks found about one operation (struct history_op.flags). */
#define OP_HUNG 0x1	 /* took longer than the deadline */
#define OP_CRASHED 0x2	 /* no completion: its node was killed or rebooted */
#define OP_CUT 0x4	 /* no completion: the run ended within the deadline */
#define OP_VIOLATION 0x8 /* part of a violation (lost, phantom, slice...) */

struct history_op {
	uint64_t invoke_ns;
	uint64_t done_ns; /* HISTORY_NO_TIME without a completion */
	unsigned process; /* index into history.process */
	unsigned node;
	enum history_f f;
	enum history_outcome outcome;
	unsigned key; /* index into history.key */
	/* The value written or appended; for an ok read the value read; for an
	 * ok final the comma-separated tokens ("-" for none). */
	const char *value;
	const char *error;	    /* NULL: none */
	int invoke_line, done_line; /* done_line 0 without a completion */
	unsigned flags;		    /* OP_*, set by the checks */
};

struct history_fault {
	uint64_t start_ns, end_ns;
	enum fault_kind kind;
	const char *target; /* as written: "2", "1,2/3" */
	const char *detail; /* NULL if none (loss: the percent) */
	unsigned *nodes;    /* the nodes it affects (a partition: all listed) */
	unsigned node_count;
	int line;
};

struct history_process {
	const char *name; /* "1.2" or "1.2.b3" */
	unsigned node;
};

struct history {
	const char *path;
	uint64_t deadline_ns; /* from the file, else the default */
	uint64_t end_ns;      /* from the file, else the last record's time */
	int deadline_given;
	struct history_op *op; /* sorted by invoke time */
	unsigned op_count;
	struct history_fault *fault; /* sorted by start time */
	unsigned fault_count;
	struct history_process *process;
	unsigned process_count;
	const char **key;
	unsigned key_count;
	char *text; /* the file; every string above points into it */
};

struct history_error {
	int line; /* 0: the file as a whole */
	char message[256];
};

/* Read and pair a history file. Returns 0, or -1 with the first problem in
 * err (a malformed line, an unpaired completion, an unreadable file). */
int history_load(const char *path, struct history *h,
		 struct history_error *err);
/* The same from text in memory (tests); text is copied. */
int history_parse(const char *text, size_t len, const char *path,
		  struct history *h, struct history_error *err);
void history_free(struct history *h);

/* Was node killed or rebooted at some time in [from, to]? An operation of
 * its open then died with it. */
int history_node_crashed(const struct history *h, unsigned node, uint64_t from,
			 uint64_t to);

/* "12.345678" (seconds), "-" for HISTORY_NO_TIME; returns buf. */
const char *history_secs(uint64_t ns, char *buf, size_t len);
/* One line for reports and tooltips: "1.2 write r3 1.2.5 ok [1.000000,
 * 1.010000] (line 4, 9)"; a read shows "-> VALUE", a final the number of
 * tokens it read. */
void history_describe(const struct history *h, const struct history_op *op,
		      char *buf, size_t len);

const char *history_f_name(enum history_f f);
const char *history_outcome_name(enum history_outcome o);
const char *fault_kind_name(enum fault_kind k);

/* A string set with stable indices, for keys, processes, values, tokens.
 * Strings are not copied. */
struct strtab {
	const char **name;
	unsigned count, cap;
	unsigned *slot; /* open addressing: index + 1, 0 empty */
	unsigned slots;
};
/* Index of s, added if new (*added says which); -1 if out of memory. */
long strtab_put(struct strtab *t, const char *s, int *added);
/* Index of s, or -1. */
long strtab_find(const struct strtab *t, const char *s);
void strtab_free(struct strtab *t);

#endif
