/* SPDX-License-Identifier: MIT */
/*
 * Scenario files: a cluster configuration and a sequence of steps (boot,
 * wait for a log pattern with a deadline, send console input, inject a
 * fault, expect or forbid a pattern, check state, elapsed time or probe
 * traffic). The format is documented in docs/CLUSTER.md; the parser is pure
 * so unit tests link it, and it rejects a bad file with the line and reason
 * before anything is booted.
 */
#ifndef UKCLUSTER_SCENARIO_H
#define UKCLUSTER_SCENARIO_H

#include "chaos.h"
#include "cluster.h"
#include "config.h"

#include <stddef.h>
#include <stdint.h>

enum step_kind {
	STEP_BOOT,
	STEP_DOWN,
	STEP_WAIT,
	STEP_EXPECT,
	STEP_ABSENT,
	STEP_SILENT,
	STEP_SEND,
	STEP_KILL,
	STEP_START,
	STEP_PAUSE,
	STEP_RESUME,
	STEP_REBOOT,
	STEP_LINK,
	STEP_PARTITION,
	STEP_HEAL,
	STEP_LOSS,
	STEP_STATE,
	STEP_LINK_STATE,
	STEP_PING,
	STEP_MARK,
	STEP_ELAPSED,
	STEP_SLEEP,
	STEP_ECHO,
	STEP_CHAOS,
	STEP_CHECK,
};

enum node_state { STATE_RUNNING, STATE_PAUSED, STATE_OFF };
enum compare { CMP_LT, CMP_LE, CMP_GT, CMP_GE };

#define STEP_TEXT_MAX 512

struct step {
	enum step_kind kind;
	int line;
	struct target target;	  /* the node; ping: the source */
	struct target target2;	  /* ping: the destination */
	char text[STEP_TEXT_MAX]; /* pattern, console text, partition, echo */
	uint64_t duration_ms;	  /* deadline, silence, elapsed bound, sleep */
	unsigned value;		  /* percent, 1 = up, node_state, ping count */
	unsigned lo, hi;	  /* ping: accepted reply percentages */
	enum compare cmp;	  /* elapsed */
	char source[200];	  /* the step as written, for reports */
	struct chaos_spec chaos;  /* chaos: what to inject */
	uint64_t skew_us;	  /* check: clock error allowed */
};

struct scenario {
	char config_path[CONFIG_PATH_MAX]; /* "config FILE", else "" */
	int inline_config;		   /* config came from the file */
	struct cluster_config config;	   /* inline or built-in default */
	struct step *steps;
	size_t count;
};

struct scenario_error {
	int line;
	char message[256];
};

/* Parse a scenario text. Returns 0, or -1 with *err. On success the caller
 * owns scn->steps (scenario_free). Node numbers are checked against the
 * inline or default configuration; with "config FILE" call scenario_check
 * once the file is parsed. */
int scenario_parse(const char *text, size_t len, struct scenario *scn,
		   struct scenario_error *err);

/* Check every node and probe a step names exists in cfg. */
int scenario_check(const struct scenario *scn, const struct cluster_config *cfg,
		   struct scenario_error *err);

void scenario_free(struct scenario *scn);

const char *step_name(enum step_kind kind);
const char *node_state_name(enum node_state s);

#endif
