/* SPDX-License-Identifier: MIT */
/*
 * Scenario parser; pure (see scenario.h). One step per line; patterns are
 * POSIX extended regular expressions, compiled here once so a typo fails
 * before the cluster boots. Steps that need a running cluster must follow a
 * "boot" and must not follow a "down" without another "boot".
 */
#include "scenario.h"
#include "faults.h"
#include "text.h"

#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LINE_MAX_LEN 1024

static const char *const names[] = {
    [STEP_BOOT] = "boot",	[STEP_DOWN] = "down",
    [STEP_WAIT] = "wait",	[STEP_EXPECT] = "expect",
    [STEP_ABSENT] = "absent",	[STEP_SILENT] = "silent",
    [STEP_SEND] = "send",	[STEP_KILL] = "kill",
    [STEP_START] = "start",	[STEP_PAUSE] = "pause",
    [STEP_RESUME] = "resume",	[STEP_REBOOT] = "reboot",
    [STEP_LINK] = "link",	[STEP_PARTITION] = "partition",
    [STEP_HEAL] = "heal",	[STEP_LOSS] = "loss",
    [STEP_STATE] = "state",	[STEP_LINK_STATE] = "link-state",
    [STEP_PING] = "ping",	[STEP_MARK] = "mark",
    [STEP_ELAPSED] = "elapsed", [STEP_SLEEP] = "sleep",
    [STEP_ECHO] = "echo",	[STEP_CHAOS] = "chaos",
    [STEP_CHECK] = "check",
};

#define STEP_KINDS (sizeof(names) / sizeof(names[0]))

const char *step_name(enum step_kind kind)
{
	return (size_t)kind < STEP_KINDS ? names[kind] : "?";
}

const char *node_state_name(enum node_state s)
{
	switch (s) {
	case STATE_RUNNING:
		return "running";
	case STATE_PAUSED:
		return "paused";
	case STATE_OFF:
	default:
		return "off";
	}
}

static int fail(struct scenario_error *err, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(struct scenario_error *err, int line, const char *fmt, ...)
{
	va_list ap;

	err->line = line;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return -1;
}

static int want_args(const struct tokens *t, int lo, int hi, const char *usage,
		     int line, struct scenario_error *err)
{
	int n = t->count - 1;

	if (n < lo || n > hi)
		return fail(err, line, "usage: %s", usage);
	return 0;
}

/* NODE (or "all" if allow_all; probes if allow_probe). */
static int parse_node(const char *w, int allow_all, int allow_probe,
		      struct target *t, int line, struct scenario_error *err)
{
	if (target_parse(w, allow_all, t) || t->kind == TARGET_HOST ||
	    (t->kind == TARGET_PROBE && !allow_probe))
		return fail(err, line, "'%s' is not a node%s%s", w,
			    allow_all ? " or \"all\"" : "",
			    allow_probe ? " or probe (p1, p2, ...)" : "");
	return 0;
}

static int parse_pattern(const char *w, char *dst, int line,
			 struct scenario_error *err)
{
	regex_t re;
	int rc;

	if (!*w)
		return fail(err, line, "empty pattern");
	rc = regcomp(&re, w, REG_EXTENDED | REG_NOSUB);
	if (rc) {
		char why[128];
		regerror(rc, &re, why, sizeof(why));
		return fail(err, line, "bad pattern \"%s\": %s", w, why);
	}
	regfree(&re);
	if (str_copy(dst, w, STEP_TEXT_MAX) >= STEP_TEXT_MAX)
		return fail(err, line, "pattern longer than %d characters",
			    STEP_TEXT_MAX - 1);
	return 0;
}

static int parse_deadline(const struct tokens *t, int i, uint64_t *ms, int line,
			  struct scenario_error *err)
{
	if (i < t->count && !strcmp(t->word[i], "within"))
		i++;
	if (i != t->count - 1 || parse_duration_ms(t->word[i], ms) || !*ms)
		return fail(err, line,
			    "%s needs a deadline after the pattern (\"30s\", "
			    "\"500ms\")",
			    t->word[0]);
	return 0;
}

/* ping FROM TO [count N] expect all|none|LO%-HI% */
static int parse_ping(const struct tokens *t, struct step *s, int line,
		      struct scenario_error *err)
{
	static const char usage[] =
	    "ping FROM TO [count N] expect all|none|LO%-HI%";
	int i = 3;

	if (t->count < 5)
		return fail(err, line, "usage: %s", usage);
	if (target_parse(t->word[1], 0, &s->target) ||
	    (s->target.kind != TARGET_PROBE && s->target.kind != TARGET_HOST))
		return fail(err, line,
			    "pings are sent from a probe (p1, p2, ...) or "
			    "\"host\", not '%s'",
			    t->word[1]);
	if (target_parse(t->word[2], 0, &s->target2))
		return fail(err, line, "'%s' is not a node, probe or \"host\"",
			    t->word[2]);
	if (s->target.kind == s->target2.kind &&
	    s->target.index == s->target2.index)
		return fail(err, line, "a ping needs two different hosts");
	s->value = 10;
	if (!strcmp(t->word[i], "count")) {
		if (i + 1 >= t->count ||
		    parse_uint(t->word[i + 1], 1, 10000, &s->value))
			return fail(err, line, "count must be 1..10000");
		i += 2;
	}
	if (i + 2 != t->count || strcmp(t->word[i], "expect"))
		return fail(err, line, "usage: %s", usage);
	const char *e = t->word[i + 1];
	if (!strcmp(e, "all")) {
		s->lo = s->hi = 100;
	} else if (!strcmp(e, "none")) {
		s->lo = s->hi = 0;
	} else {
		char lo[8], hi[8];
		const char *dash = strchr(e, '-');
		size_t n = dash ? (size_t)(dash - e) : 0;
		if (!dash || n == 0 || n > 4 || strlen(dash + 1) > 4)
			return fail(err, line,
				    "expect all, none or a range like "
				    "10%%-60%%, not '%s'",
				    e);
		memcpy(lo, e, n);
		lo[n] = '\0';
		str_copy(hi, dash + 1, sizeof(hi));
		if (lo[n - 1] == '%')
			lo[n - 1] = '\0';
		if (hi[0] && hi[strlen(hi) - 1] == '%')
			hi[strlen(hi) - 1] = '\0';
		if (parse_uint(lo, 0, 100, &s->lo) ||
		    parse_uint(hi, 0, 100, &s->hi) || s->lo > s->hi)
			return fail(err, line,
				    "expect all, none or a range like "
				    "10%%-60%%, not '%s'",
				    e);
	}
	return 0;
}

static int join_words(const struct tokens *t, int from, char *dst, size_t len)
{
	dst[0] = '\0';
	for (int i = from; i < t->count; i++)
		if (str_append(dst, len, "%s%s", i > from ? " " : "",
			       t->word[i]))
			return -1;
	return 0;
}

static int parse_step(const struct tokens *t, struct step *s, int line,
		      struct scenario_error *err)
{
	const char *w = t->word[0];
	size_t k;
	char why[200];

	for (k = 0; k < STEP_KINDS; k++)
		if (names[k] && !strcmp(w, names[k]))
			break;
	if (k == STEP_KINDS)
		return fail(
		    err, line,
		    "unknown step '%s' (expected boot, down, wait, expect, "
		    "absent, silent, send, kill, start, pause, resume, reboot, "
		    "link, partition, heal, loss, state, link-state, ping, "
		    "mark, elapsed, sleep, echo, chaos or check)",
		    w);
	s->kind = (enum step_kind)k;
	s->line = line;
	switch (s->kind) {
	case STEP_BOOT:
	case STEP_DOWN:
	case STEP_HEAL:
	case STEP_MARK:
		return want_args(t, 0, 0, w, line, err);
	case STEP_WAIT:
	case STEP_EXPECT:
	case STEP_ABSENT:
		if (t->count < 4)
			return fail(err, line,
				    "usage: %s NODE|all PATTERN DURATION", w);
		return parse_node(t->word[1], 1, 0, &s->target, line, err) ||
		       parse_pattern(t->word[2], s->text, line, err) ||
		       parse_deadline(t, 3, &s->duration_ms, line, err);
	case STEP_SILENT:
		if (want_args(t, 2, 2, "silent NODE|all DURATION", line, err) ||
		    parse_node(t->word[1], 1, 0, &s->target, line, err))
			return -1;
		if (parse_duration_ms(t->word[2], &s->duration_ms) ||
		    !s->duration_ms)
			return fail(err, line, "'%s' is not a duration",
				    t->word[2]);
		return 0;
	case STEP_SEND:
		if (want_args(t, 2, 2, "send NODE \"TEXT\"", line, err) ||
		    parse_node(t->word[1], 0, 0, &s->target, line, err))
			return -1;
		if (strchr(t->word[2], '\n'))
			return fail(err, line,
				    "send takes one line; the runner adds the "
				    "Enter key");
		str_copy(s->text, t->word[2], sizeof(s->text));
		return 0;
	case STEP_KILL:
	case STEP_START:
	case STEP_PAUSE:
	case STEP_RESUME:
	case STEP_REBOOT:
		if (t->count != 2)
			return fail(err, line, "usage: %s NODE", w);
		return parse_node(t->word[1], 0, 0, &s->target, line, err);
	case STEP_LINK:
	case STEP_LINK_STATE:
		if (t->count != 3)
			return fail(err, line, "usage: %s NODE up|down", w);
		if (parse_node(t->word[1], 0, 0, &s->target, line, err))
			return -1;
		if (strcmp(t->word[2], "up") && strcmp(t->word[2], "down"))
			return fail(err, line, "link is up or down, not '%s'",
				    t->word[2]);
		s->value = !strcmp(t->word[2], "up");
		return 0;
	case STEP_PARTITION: {
		struct fault_state fs;
		if (t->count < 2)
			return fail(err, line, "usage: partition 1,2 / 3");
		if (join_words(t, 1, s->text, sizeof(s->text)) ||
		    partition_parse(s->text, 0, 0, &fs, why, sizeof(why)))
			return fail(err, line, "%s", why);
		return 0;
	}
	case STEP_LOSS:
		if (want_args(t, 2, 2, "loss NODE|PROBE PERCENT", line, err) ||
		    parse_node(t->word[1], 0, 1, &s->target, line, err))
			return -1;
		{
			char pct[8];
			str_copy(pct, t->word[2], sizeof(pct));
			size_t n = strlen(pct);
			if (n && pct[n - 1] == '%')
				pct[n - 1] = '\0';
			if (parse_uint(pct, 0, 100, &s->value))
				return fail(
				    err, line,
				    "loss is a percentage 0..100, not '%s'",
				    t->word[2]);
		}
		return 0;
	case STEP_STATE:
		if (want_args(t, 2, 2, "state NODE|all running|paused|off",
			      line, err) ||
		    parse_node(t->word[1], 1, 0, &s->target, line, err))
			return -1;
		if (!strcmp(t->word[2], "running"))
			s->value = STATE_RUNNING;
		else if (!strcmp(t->word[2], "paused"))
			s->value = STATE_PAUSED;
		else if (!strcmp(t->word[2], "off"))
			s->value = STATE_OFF;
		else
			return fail(err, line,
				    "state is running, paused or off, not '%s'",
				    t->word[2]);
		return 0;
	case STEP_PING:
		return parse_ping(t, s, line, err);
	case STEP_ELAPSED: {
		static const char *const ops[] = {"<", "<=", ">", ">="};
		if (want_args(t, 2, 2, "elapsed <|<=|>|>= DURATION", line, err))
			return -1;
		for (k = 0; k < 4; k++)
			if (!strcmp(t->word[1], ops[k]))
				break;
		if (k == 4)
			return fail(
			    err, line,
			    "elapsed compares with <, <=, > or >=, not '%s'",
			    t->word[1]);
		s->cmp = (enum compare)k;
		if (parse_duration_ms(t->word[2], &s->duration_ms))
			return fail(err, line, "'%s' is not a duration",
				    t->word[2]);
		return 0;
	}
	case STEP_SLEEP:
		if (want_args(t, 1, 1, "sleep DURATION", line, err))
			return -1;
		if (parse_duration_ms(t->word[1], &s->duration_ms))
			return fail(err, line, "'%s' is not a duration",
				    t->word[1]);
		return 0;
	case STEP_ECHO:
		if (t->count < 2)
			return fail(err, line, "usage: echo TEXT");
		if (join_words(t, 1, s->text, sizeof(s->text)))
			return fail(err, line, "echo text is too long");
		return 0;
	case STEP_CHAOS: {
		char *words[TOKENS_MAX];
		if (t->count < 2)
			return fail(err, line,
				    "usage: chaos DURATION [seed=N] "
				    "[kinds=kill,pause,...] [nodes=2,3] "
				    "[gap=1s-4s] [hold=1s-4s] [loss=20-60]");
		if (parse_duration_ms(t->word[1], &s->chaos.duration_ms) ||
		    !s->chaos.duration_ms)
			return fail(err, line, "'%s' is not a duration",
				    t->word[1]);
		for (int i = 2; i < t->count; i++)
			words[i - 2] = (char *)t->word[i];
		uint64_t d = s->chaos.duration_ms;
		if (chaos_parse(words, t->count - 2, CLUSTER_MAX_NODES,
				&s->chaos, why, sizeof(why)))
			return fail(err, line, "%s", why);
		s->chaos.duration_ms = d;
		return 0;
	}
	case STEP_CHECK:
		/* check [deadline=5s] [skew=2ms] */
		s->duration_ms = 5000;
		s->skew_us = 2000;
		for (int i = 1; i < t->count; i++) {
			const char *arg = t->word[i];
			uint64_t ms;
			if (!strncmp(arg, "deadline=", 9) &&
			    !parse_duration_ms(arg + 9, &ms) && ms)
				s->duration_ms = ms;
			else if (!strncmp(arg, "skew=", 5) &&
				 !parse_duration_ms(arg + 5, &ms))
				s->skew_us = ms * 1000;
			else
				return fail(err, line,
					    "usage: check [deadline=DURATION] "
					    "[skew=DURATION], not '%s'",
					    arg);
		}
		return 0;
	default:
		return fail(err, line, "unknown step");
	}
}

/* Which steps act on a running cluster. */
static int needs_cluster(enum step_kind k)
{
	return k != STEP_BOOT && k != STEP_MARK && k != STEP_ELAPSED &&
	       k != STEP_SLEEP && k != STEP_ECHO;
}

int scenario_parse(const char *text, size_t len, struct scenario *scn,
		   struct scenario_error *err)
{
	static struct tokens t;
	const char *p = text, *end = text + len;
	char line[LINE_MAX_LEN], why[200];
	int lineno = 0, config_line = 0, in_config = 0, booted = 0;
	size_t cap = 0;
	char *config_text = NULL;
	size_t config_len = 0, config_cap = 0;
	int rc = -1;

	memset(scn, 0, sizeof(*scn));
	config_default(&scn->config);
	err->line = 0;
	err->message[0] = '\0';
	while (p < end) {
		size_t n = 0;
		const char *start = p;
		lineno++;
		while (p < end && *p != '\n') {
			if (*p == '\0') {
				fail(err, lineno, "NUL byte in the text");
				goto out;
			}
			if (n + 1 >= sizeof(line)) {
				fail(err, lineno,
				     "line is longer than %zu characters",
				     sizeof(line) - 1);
				goto out;
			}
			line[n++] = *p++;
		}
		if (p < end)
			p++;
		line[n] = '\0';
		if (tokenize(line, &t, why, sizeof(why))) {
			fail(err, lineno, "%s", why);
			goto out;
		}
		if (in_config) {
			if (t.count == 1 && !strcmp(t.word[0], "end")) {
				in_config = 0;
				continue;
			}
			/* Collect the raw lines; the config parser reads them
			 * and its line numbers are mapped back below. */
			size_t need = config_len + (size_t)(p - start) + 2;
			if (need > config_cap) {
				config_cap = need * 2;
				char *grown = realloc(config_text, config_cap);
				if (!grown) {
					fail(err, lineno, "out of memory");
					goto out;
				}
				config_text = grown;
			}
			memcpy(config_text + config_len, line, n);
			config_len += n;
			config_text[config_len++] = '\n';
			continue;
		}
		if (t.count == 0)
			continue;
		if (!strcmp(t.word[0], "config")) {
			if (config_line) {
				fail(
				    err, lineno,
				    "a second config (the first is at line %d)",
				    config_line);
				goto out;
			}
			if (scn->count) {
				fail(err, lineno,
				     "config must come before the first step");
				goto out;
			}
			config_line = lineno;
			if (t.count == 1) {
				in_config = 1;
				scn->inline_config = 1;
			} else if (t.count == 2 && t.word[1][0]) {
				if (str_copy(scn->config_path, t.word[1],
					     sizeof(scn->config_path)) >=
				    sizeof(scn->config_path)) {
					fail(err, lineno,
					     "config path too long");
					goto out;
				}
			} else {
				fail(err, lineno,
				     "usage: \"config FILE\", or \"config\" "
				     "then configuration lines then \"end\"");
				goto out;
			}
			continue;
		}
		if (scn->count == cap) {
			size_t ncap = cap ? cap * 2 : 32;
			struct step *grown =
			    realloc(scn->steps, ncap * sizeof(*grown));
			if (!grown) {
				fail(err, lineno, "out of memory");
				goto out;
			}
			scn->steps = grown;
			cap = ncap;
		}
		struct step *s = &scn->steps[scn->count];
		memset(s, 0, sizeof(*s));
		if (parse_step(&t, s, lineno, err))
			goto out;
		/* The step as written, without comment or surrounding blanks.
		 */
		const char *src = line;
		while (*src == ' ' || *src == '\t')
			src++;
		str_copy(s->source, src, sizeof(s->source));
		int quoted = 0;
		for (char *c = s->source; *c; c++) {
			if (quoted && *c == '\\' && c[1]) {
				c++;
				continue;
			}
			if (*c == '"')
				quoted = !quoted;
			if (*c == '#' && !quoted) {
				*c = '\0';
				break;
			}
		}
		for (size_t m = strlen(s->source);
		     m &&
		     (s->source[m - 1] == ' ' || s->source[m - 1] == '\t' ||
		      s->source[m - 1] == '\r');
		     m--)
			s->source[m - 1] = '\0';
		if (s->kind == STEP_BOOT) {
			if (booted) {
				fail(err, lineno,
				     "boot while the cluster is already up "
				     "(add \"down\" first)");
				goto out;
			}
			booted = 1;
		} else if (s->kind == STEP_DOWN) {
			if (!booted) {
				fail(err, lineno, "down before boot");
				goto out;
			}
			booted = 0;
		} else if (needs_cluster(s->kind) && !booted) {
			fail(err, lineno,
			     "%s needs a running cluster: add \"boot\" before "
			     "it",
			     step_name(s->kind));
			goto out;
		}
		scn->count++;
	}
	if (in_config) {
		fail(err, config_line,
		     "config block is not closed with \"end\"");
		goto out;
	}
	if (scn->inline_config) {
		struct config_error cerr;
		if (config_parse(config_text ? config_text : "", config_len,
				 &scn->config, &cerr)) {
			fail(err,
			     cerr.line ? config_line + cerr.line : config_line,
			     "config: %s", cerr.message);
			goto out;
		}
	}
	if (!scn->count) {
		fail(err, 0, "the scenario has no steps");
		goto out;
	}
	if (!scn->config_path[0] && scenario_check(scn, &scn->config, err))
		goto out;
	rc = 0;
out:
	free(config_text);
	if (rc)
		scenario_free(scn);
	return rc;
}

static int check_target(const struct target *t,
			const struct cluster_config *cfg, int line,
			struct scenario_error *err)
{
	if (t->kind == TARGET_NODE && t->index > cfg->nodes)
		return fail(err, line,
			    "node %u does not exist (the cluster has %u nodes)",
			    t->index, cfg->nodes);
	if (t->kind == TARGET_PROBE && t->index > cfg->probes)
		return fail(err, line,
			    "probe p%u does not exist (the cluster has %u "
			    "probes; add \"probes N\" to the config)",
			    t->index, cfg->probes);
	return 0;
}

int scenario_check(const struct scenario *scn, const struct cluster_config *cfg,
		   struct scenario_error *err)
{
	for (size_t i = 0; i < scn->count; i++) {
		const struct step *s = &scn->steps[i];
		char why[200];
		if (check_target(&s->target, cfg, s->line, err) ||
		    (s->kind == STEP_PING &&
		     check_target(&s->target2, cfg, s->line, err)))
			return -1;
		if (s->kind == STEP_CHAOS &&
		    ((cfg->nodes < 64 && s->chaos.nodes >> cfg->nodes) ||
		     (cfg->nodes < 2 &&
		      (s->chaos.kinds & (1u << CHAOS_PARTITION)))))
			return fail(err, s->line,
				    "chaos names a node the cluster does not "
				    "have (it has %u), or partitions one node",
				    cfg->nodes);
		if (s->kind == STEP_PARTITION) {
			struct fault_state fs;
			if (partition_parse(s->text, cfg->nodes, cfg->probes,
					    &fs, why, sizeof(why)))
				return fail(err, s->line, "%s", why);
		}
	}
	return 0;
}

void scenario_free(struct scenario *scn)
{
	free(scn->steps);
	scn->steps = NULL;
	scn->count = 0;
}
