/* SPDX-License-Identifier: MIT */
/*
 * The scenario runner: `ukcluster run FILE`. It parses the whole file first
 * (a bad line fails before anything boots), runs the steps in order,
 * printing each one's result, stops at the first failure (showing the log
 * tail of the node concerned), always tears down what it booted, and ends
 * with "N passed, N failed". The cluster it boots is owned by the runner:
 * if the runner dies, even by SIGKILL, the supervisor tears it down.
 *
 * Scopes: "wait" looks at each node's log since its last boot; "expect",
 * "absent" and "silent" look at what was logged since the last action
 * step (boot, send, a fault, mark) began.
 */
#include "check.h"
#include "client.h"
#include "collect.h"
#include "commands.h"
#include "lifecycle.h"
#include "logwatch.h"
#include "ping.h"
#include "scenario.h"
#include "text.h"
#include "util.h"

#include <errno.h>
#include <libgen.h>
#include <regex.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t stop_run;

static void on_stop(int sig)
{
	(void)sig;
	stop_run = 1;
}

struct runner {
	const struct cluster_paths *p;
	struct cluster_config *cfg;
	const char *pcap;
	const char *save_logs;	/* --save-logs DIR, or NULL */
	const char *save_disks; /* --save-disks DIR, or NULL */
	char outdir[PATH_MAX];	/* check: --save-logs DIR, else ./NAME.check */
	char timeline[PATH_MAX + 32]; /* the picture a check step drew */
	int up;
	uint64_t mark_ms;		    /* stopwatch start */
	off_t scope[CLUSTER_MAX_NODES + 1]; /* per node, since the action */
	char why[2048];			    /* failure detail */
	unsigned tail_node;		    /* log to show on failure */
	enum accel_kind accel;		    /* the wish for every boot */
	/* A step failed on a node that a KVM internal error stopped. */
	int kvm_error;
};

static int is_action(enum step_kind k)
{
	switch (k) {
	case STEP_BOOT:
	case STEP_SEND:
	case STEP_KILL:
	case STEP_START:
	case STEP_PAUSE:
	case STEP_RESUME:
	case STEP_REBOOT:
	case STEP_LINK:
	case STEP_PARTITION:
	case STEP_HEAL:
	case STEP_LOSS:
	case STEP_MARK:
	case STEP_CHAOS:
		return 1;
	default:
		return 0;
	}
}

static void take_scope(struct runner *r)
{
	for (unsigned i = 1; i <= r->cfg->nodes; i++) {
		char path[PATH_MAX];
		node_file(r->p, i, "log", path, sizeof(path));
		r->scope[i] = r->up ? log_end_offset(path) : 0;
	}
}

static int fail(struct runner *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int fail(struct runner *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->why, sizeof(r->why), fmt, ap);
	va_end(ap);
	return 1;
}

static int request(struct runner *r, const char *req, char *final, size_t len)
{
	int rc = control_call(r->p, req, NULL, 0, final, len);

	if (rc)
		return fail(r, "%s: %s", req, final[0] ? final : "no answer");
	return 0;
}

static int watch(struct runner *r, const struct step *s, enum watch_mode mode)
{
	unsigned nodes[CLUSTER_MAX_NODES];
	off_t offsets[CLUSTER_MAX_NODES];
	int count = 0;
	regex_t re;
	struct watch_result res;
	char dur[32];

	if (mode != WATCH_SILENT &&
	    regcomp(&re, s->text, REG_EXTENDED | REG_NOSUB))
		return fail(r, "bad pattern");
	for (unsigned i = 1; i <= r->cfg->nodes; i++) {
		if (s->target.kind != TARGET_ALL && s->target.index != i)
			continue;
		char path[PATH_MAX];
		node_file(r->p, i, "log", path, sizeof(path));
		nodes[count] = i;
		offsets[count++] =
		    s->kind == STEP_WAIT ? log_boot_offset(path) : r->scope[i];
	}
	int rc = log_watch(r->p, nodes, count, offsets,
			   mode == WATCH_SILENT ? NULL : &re, mode,
			   mono_ms() + s->duration_ms, &stop_run, &res);
	if (mode != WATCH_SILENT)
		regfree(&re);
	if (rc == 0)
		return 0;
	r->tail_node = res.node;
	if (rc < 0)
		return fail(r, "interrupted");
	if (res.cluster_gone)
		return fail(r, "the cluster stopped");
	if (res.kvm_error) {
		r->kvm_error = 1;
		return fail(r,
			    "node %u will never print a line matching "
			    "\"%s\": a KVM internal error stopped it (the "
			    "host's KVM cannot run the guest); run the "
			    "scenario with --accel tcg",
			    res.node, s->text);
	}
	format_duration(s->duration_ms, dur, sizeof(dur));
	if (mode == WATCH_MATCH)
		return fail(r,
			    "node %u printed no line matching \"%s\" within %s",
			    res.node, s->text, dur);
	if (mode == WATCH_ABSENT)
		return fail(r, "node %u printed a line matching \"%s\": %s",
			    res.node, s->text, res.line);
	return fail(r, "node %u was not silent for %s: %s", res.node, dur,
		    res.line);
}

/* Node states from the supervisor's status: states[i] for node i. */
static int node_states(struct runner *r, char states[][32])
{
	static char data[65536];
	char final[256];

	if (control_call(r->p, "status", data, sizeof(data), final,
			 sizeof(final)))
		return fail(r, "status: %s", final);
	for (char *save = NULL, *line = strtok_r(data, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		unsigned id;
		char state[32];
		if (sscanf(line, "node\t%u\t%31s", &id, state) == 2 &&
		    id >= 1 && id <= r->cfg->nodes)
			str_copy(states[id], state, sizeof(states[0]));
	}
	return 0;
}

static int check_state(struct runner *r, const struct step *s)
{
	char states[CLUSTER_MAX_NODES + 1][32];
	const char *want = node_state_name((enum node_state)s->value);

	memset(states, 0, sizeof(states));
	if (node_states(r, states))
		return 1;
	for (unsigned i = 1; i <= r->cfg->nodes; i++) {
		if (s->target.kind != TARGET_ALL && s->target.index != i)
			continue;
		if (strcmp(states[i], want)) {
			r->tail_node = i;
			if (!strcmp(states[i], "kvm-internal-error")) {
				r->kvm_error = 1;
				return fail(r,
					    "node %u is %s, not %s: the host's "
					    "KVM cannot run the guest; run the "
					    "scenario with --accel tcg",
					    i, states[i], want);
			}
			return fail(r, "node %u is %s, not %s", i,
				    states[i][0] ? states[i] : "unknown", want);
		}
	}
	return 0;
}

static int do_ping(struct runner *r, const struct step *s)
{
	struct cluster_info info;
	struct ping_result res;
	char why[512];
	unsigned interval = s->value > 20 ? 10 : 100;

	if (cluster_info_read(r->p, &info))
		return fail(r, "the cluster's info file is missing");
	if (cluster_ping(&info, &s->target, &s->target2, s->value, interval,
			 1000, &res, why, sizeof(why)))
		return fail(r, "ping: %s", why);
	unsigned pct = res.sent ? 100 * res.received / res.sent : 0;
	snprintf(r->why, sizeof(r->why), "%u/%u replies", res.received,
		 res.sent);
	if (pct < s->lo || pct > s->hi)
		return fail(r,
			    "%u of %u echo requests answered (%u%%); expected "
			    "%u%%..%u%%",
			    res.received, res.sent, pct, s->lo, s->hi);
	return 0;
}

/* Wait until mono_ms() reaches `until`; 0, or 1 if interrupted. */
static int wait_until(uint64_t until)
{
	while (mono_ms() < until && !stop_run)
		sleep_ms(until - mono_ms() < 20 ? until - mono_ms() : 20);
	return stop_run;
}

static uint64_t fresh_seed(void)
{
	uint64_t seed = 0;
	FILE *f = fopen("/dev/urandom", "rb");

	if (!f || fread(&seed, sizeof(seed), 1, f) != 1)
		seed = mono_ms() * 2654435761u ^ (uint64_t)getpid();
	if (f)
		fclose(f);
	return seed % 1000000000000ull; /* short enough to type */
}

/* The check step: the history of the run so far from the node logs into
 * the run's output directory (--save-logs DIR, else ./CLUSTER.check),
 * then the checker on it, with the timeline picture beside it. */
static int do_check(struct runner *r, const struct step *s)
{
	static char paths[CLUSTER_MAX_NODES][PATH_MAX];
	const char *ptrs[CLUSTER_MAX_NODES];
	char hist[PATH_MAX + 32], why[512];
	struct collect_stats st;

	if (mkdir_p(r->outdir, 0755))
		return fail(r, "cannot create %s: %s", r->outdir,
			    strerror(errno));
	snprintf(hist, sizeof(hist), "%s/history.txt", r->outdir);
	unsigned nodes = lab_node_logs(r->p, NULL, paths, ptrs);
	FILE *out = fopen(hist, "w");
	if (!out)
		return fail(r, "cannot write %s: %s", hist, strerror(errno));
	int rc = history_collect(ptrs, nodes, s->duration_ms * 1000000ull, 0,
				 out, &st, why, sizeof(why));
	if (fclose(out) && !rc) {
		snprintf(why, sizeof(why), "cannot write %s", hist);
		rc = -1;
	}
	if (rc)
		return fail(r, "%s", why);

	char svg[PATH_MAX + 32], rep[PATH_MAX + 32], line[2048];
	struct check_opts o;
	check_opts_default(&o);
	o.deadline_ns = s->duration_ms * 1000000ull;
	o.skew_ns = s->skew_us * 1000ull;
	snprintf(svg, sizeof(svg), "%s/timeline.svg", r->outdir);
	snprintf(rep, sizeof(rep), "%s/check.txt", r->outdir);
	FILE *report = fopen(rep, "w+");
	if (!report)
		return fail(r, "cannot write %s: %s", rep, strerror(errno));
	rc = check_run(hist, svg, &o, report);
	rewind(report);
	/* The report's first line is the step's; the rest, indented, shows
	 * the figures and any violation with its smallest slice. */
	char first[1024] = "";
	unsigned shown = 0;
	while (fgets(line, sizeof(line), report)) {
		if (!first[0]) {
			str_copy(first, line, sizeof(first));
			first[strcspn(first, "\n")] = '\0';
			continue;
		}
		if (shown++ < 60)
			printf("        %s", line);
	}
	fclose(report);
	if (shown > 60)
		printf("        ... (%u more lines in %s)\n", shown - 60, rep);
	str_copy(r->timeline, svg, sizeof(r->timeline));
	if (rc)
		return fail(r, "%s (history %s, report %s)", first, hist, rep);
	snprintf(r->why, sizeof(r->why), "%s", first);
	return 0;
}

/* The chaos step: draw the schedule from the seed and inject it, one
 * fault at a time, printing each as it starts (docs/CLUSTER.md). */
static int do_chaos(struct runner *r, const struct step *s)
{
	static struct chaos_fault plan[CHAOS_MAX_FAULTS];
	struct chaos_spec spec = s->chaos;
	const char *env = getenv("UK_CHAOS_SEED");
	unsigned counts[CHAOS_KINDS] = {0};
	char req[256], final[1024], what[160], dur[32];

	if (env && *env) {
		char *end;
		spec.seed = strtoull(env, &end, 10);
		if (*end)
			return fail(r, "UK_CHAOS_SEED is a decimal number, "
				       "not '%s'",
				    env);
	} else if (!spec.seed_given) {
		spec.seed = fresh_seed();
	}
	size_t n = chaos_plan(&spec, r->cfg->nodes, plan, CHAOS_MAX_FAULTS);
	format_duration(spec.duration_ms, dur, sizeof(dur));
	printf("        chaos seed=%llu: %zu faults in %s (UK_CHAOS_SEED=%llu "
	       "repeats them)\n",
	       (unsigned long long)spec.seed, n, dur,
	       (unsigned long long)spec.seed);
	fflush(stdout);
	uint64_t t0 = mono_ms();
	for (size_t i = 0; i < n; i++) {
		const struct chaos_fault *f = &plan[i];
		const char *undo = NULL;
		char undo_req[64];
		if (wait_until(t0 + f->at_ms))
			return fail(r, "interrupted");
		r->tail_node = f->node;
		switch (f->kind) {
		case CHAOS_KILL:
		case CHAOS_PAUSE:
		case CHAOS_REBOOT:
			snprintf(req, sizeof(req), "%s %u",
				 chaos_kind_name(f->kind), f->node);
			snprintf(undo_req, sizeof(undo_req), "%s %u",
				 f->kind == CHAOS_KILL ? "start" : "resume",
				 f->node);
			undo = f->kind == CHAOS_REBOOT ? NULL : undo_req;
			break;
		case CHAOS_LINK:
			snprintf(req, sizeof(req), "link %u down", f->node);
			snprintf(undo_req, sizeof(undo_req), "link %u up",
				 f->node);
			undo = undo_req;
			break;
		case CHAOS_PARTITION:
			snprintf(req, sizeof(req), "partition %s",
				 f->partition);
			undo = "heal";
			break;
		case CHAOS_LOSS:
		case CHAOS_KINDS:
		default:
			snprintf(req, sizeof(req), "loss %u %u", f->node,
				 f->percent);
			snprintf(undo_req, sizeof(undo_req), "loss %u 0",
				 f->node);
			undo = undo_req;
			break;
		}
		chaos_describe(f, what, sizeof(what));
		printf("        +%6.1f s  %s\n", (double)(mono_ms() - t0) / 1000,
		       what);
		fflush(stdout);
		if (request(r, req, final, sizeof(final)))
			return 1;
		counts[f->kind]++;
		if (wait_until(t0 + f->at_ms + f->hold_ms))
			return fail(r, "interrupted");
		if (undo && request(r, undo, final, sizeof(final)))
			return 1;
	}
	if (wait_until(t0 + spec.duration_ms))
		return fail(r, "interrupted");
	snprintf(r->why, sizeof(r->why), "seed=%llu, %zu faults",
		 (unsigned long long)spec.seed, n);
	for (unsigned k = 0, first = 1; k < CHAOS_KINDS; k++)
		if (counts[k]) {
			str_append(r->why, sizeof(r->why), "%s%s %u",
				   first ? ": " : ", ",
				   chaos_kind_name((enum chaos_kind)k),
				   counts[k]);
			first = 0;
		}
	return 0;
}

static int run_step(struct runner *r, const struct step *s)
{
	char req[1024], final[1024], dur[32];
	uint64_t elapsed;

	r->why[0] = '\0';
	r->tail_node = 0;
	if (is_action(s->kind) && s->kind != STEP_BOOT)
		take_scope(r);
	switch (s->kind) {
	case STEP_BOOT: {
		struct accel_choice accel;
		struct up_options o = {r->cfg, r->pcap,	 getpid(), mono_ms(),
				       1,      r->accel, &accel};
		int rc = cluster_up(r->p, &o);
		if (rc)
			return rc == EXIT_CANNOT_RUN
				   ? EXIT_CANNOT_RUN
				   : fail(r, "the cluster did not start");
		r->up = 1;
		snprintf(r->why, sizeof(r->why), "accel ");
		accel_choice_describe(&accel, r->why + strlen(r->why),
				      sizeof(r->why) - strlen(r->why));
		take_scope(r); /* every log starts empty */
		for (unsigned i = 1; i <= r->cfg->nodes; i++)
			r->scope[i] = 0;
		return 0;
	}
	case STEP_DOWN: {
		char left[4096];
		int rc = cluster_down_saving(r->p, r->save_logs, r->save_disks,
					     1);
		r->up = 0;
		if (cluster_leftovers(r->p, left, sizeof(left)))
			return fail(r, "left behind after down:\n%s", left);
		return rc ? fail(r, "down failed") : 0;
	}
	case STEP_WAIT:
	case STEP_EXPECT:
		return watch(r, s, WATCH_MATCH);
	case STEP_ABSENT:
		return watch(r, s, WATCH_ABSENT);
	case STEP_SILENT:
		return watch(r, s, WATCH_SILENT);
	case STEP_SEND:
		snprintf(req, sizeof(req), "send %u %s", s->target.index,
			 s->text);
		return request(r, req, final, sizeof(final));
	case STEP_KILL:
	case STEP_START:
	case STEP_PAUSE:
	case STEP_RESUME:
	case STEP_REBOOT:
		r->tail_node = s->target.index;
		snprintf(req, sizeof(req), "%s %u", step_name(s->kind),
			 s->target.index);
		return request(r, req, final, sizeof(final));
	case STEP_LINK:
		snprintf(req, sizeof(req), "link %u %s", s->target.index,
			 s->value ? "up" : "down");
		if (request(r, req, final, sizeof(final)))
			return 1;
		str_copy(r->why, final, sizeof(r->why));
		return 0;
	case STEP_PARTITION:
		snprintf(req, sizeof(req), "partition %s", s->text);
		return request(r, req, final, sizeof(final));
	case STEP_HEAL:
		return request(r, "heal", final, sizeof(final));
	case STEP_LOSS:
		snprintf(req, sizeof(req), "loss %s%u %u",
			 s->target.kind == TARGET_PROBE ? "p" : "",
			 s->target.index, s->value);
		return request(r, req, final, sizeof(final));
	case STEP_STATE:
		return check_state(r, s);
	case STEP_LINK_STATE: {
		snprintf(req, sizeof(req), "linkstate %u", s->target.index);
		if (request(r, req, final, sizeof(final)))
			return 1;
		const char *want = s->value ? "up" : "down";
		if (strncmp(final, want, strlen(want)) ||
		    (final[strlen(want)] != ' ' && final[strlen(want)] != '\0'))
			return fail(r, "node %u's link is %s, not %s",
				    s->target.index, final, want);
		str_copy(r->why, final, sizeof(r->why));
		return 0;
	}
	case STEP_PING:
		return do_ping(r, s);
	case STEP_MARK:
		r->mark_ms = mono_ms();
		return 0;
	case STEP_ELAPSED: {
		elapsed = mono_ms() - r->mark_ms;
		int ok = s->cmp == CMP_LT   ? elapsed < s->duration_ms
			 : s->cmp == CMP_LE ? elapsed <= s->duration_ms
			 : s->cmp == CMP_GT ? elapsed > s->duration_ms
					    : elapsed >= s->duration_ms;
		format_duration(elapsed, dur, sizeof(dur));
		if (!ok)
			return fail(r, "%s elapsed since the mark", dur);
		snprintf(r->why, sizeof(r->why), "%s since the mark", dur);
		return 0;
	}
	case STEP_SLEEP:
		for (uint64_t end = mono_ms() + s->duration_ms;
		     mono_ms() < end && !stop_run;)
			sleep_ms(20);
		return stop_run ? fail(r, "interrupted") : 0;
	case STEP_ECHO:
		str_copy(r->why, s->text, sizeof(r->why));
		return 0;
	case STEP_CHAOS:
		return do_chaos(r, s);
	case STEP_CHECK:
		return do_check(r, s);
	default:
		return fail(r, "unknown step");
	}
}

static int load_scenario(const char *file, struct scenario *scn,
			 struct cluster_config *cfg)
{
	struct scenario_error err;
	char dir[PATH_MAX], copy[PATH_MAX];
	size_t len;
	char *text = read_file(file, &len);

	if (!text) {
		msg("cannot read scenario %s: %s", file, strerror(errno));
		return -1;
	}
	int rc = scenario_parse(text, len, scn, &err);
	free(text);
	if (rc) {
		fprintf(stderr, "%s:%d: %s\n", file, err.line, err.message);
		return -1;
	}
	str_copy(copy, file, sizeof(copy));
	str_copy(dir, dirname(copy), sizeof(dir));
	if (scn->config_path[0]) {
		char path[PATH_MAX * 2];
		if (scn->config_path[0] == '/')
			snprintf(path, sizeof(path), "%s", scn->config_path);
		else
			snprintf(path, sizeof(path), "%s/%s", dir,
				 scn->config_path);
		if (config_load(path, cfg))
			return -1;
		if (scenario_check(scn, cfg, &err)) {
			fprintf(stderr, "%s:%d: %s\n", file, err.line,
				err.message);
			return -1;
		}
		return 0;
	}
	*cfg = scn->config;
	return config_resolve(cfg, dir);
}

/* "tests/cluster/faults.scn" -> "scn-faults". */
static void default_name(const char *file, char *buf, size_t len)
{
	char copy[PATH_MAX];
	size_t n = 0;

	str_copy(copy, file, sizeof(copy));
	const char *base = basename(copy);
	buf[0] = '\0';
	str_append(buf, len, "scn-");
	n = strlen(buf);
	for (const char *c = base; *c && *c != '.' && n + 1 < len && n < 24;
	     c++) {
		char ch = *c >= 'A' && *c <= 'Z' ? (char)(*c - 'A' + 'a') : *c;
		buf[n++] = (ch >= 'a' && ch <= 'z') ||
				   (ch >= '0' && ch <= '9') || ch == '-' ||
				   ch == '_'
			       ? ch
			       : '-';
	}
	buf[n] = '\0';
}

int cmd_run(const struct cluster_paths *given, int argc, char **argv)
{
	static const char usage[] =
	    "run FILE [--accel auto|kvm|tcg] [--keep] [--keep-going] "
	    "[--save-logs DIR] [--save-disks DIR] [--pcap FILE]";
	static struct scenario scn;
	static struct cluster_config cfg;
	const char *file = NULL, *save = NULL, *pcap = NULL, *disks = NULL;
	int keep = 0, keep_going = 0, accel_given = 0, opt;
	enum accel_kind accel = ACCEL_AUTO;
	struct cluster_paths paths;
	char name[CLUSTER_NAME_MAX], dur[32];

	for (int i = 0; i < argc; i++) {
		if ((opt = accel_option(argc, argv, &i, &accel)) != 0) {
			if (opt < 0)
				return 2;
			accel_given = 1;
		} else if (!strcmp(argv[i], "--keep"))
			keep = 1;
		else if (!strcmp(argv[i], "--keep-going"))
			keep_going = 1;
		else if (!strcmp(argv[i], "--save-logs") && i + 1 < argc)
			save = argv[++i];
		else if (!strcmp(argv[i], "--save-disks") && i + 1 < argc)
			disks = argv[++i];
		else if (!strcmp(argv[i], "--pcap") && i + 1 < argc)
			pcap = argv[++i];
		else if (!file && argv[i][0] != '-')
			file = argv[i];
		else {
			fprintf(stderr, "usage: ukcluster %s\n", usage);
			return 2;
		}
	}
	if (!file) {
		fprintf(stderr, "usage: ukcluster %s\n", usage);
		return 2;
	}
	if (load_scenario(file, &scn, &cfg))
		return 2;
	/* Resolved at each boot step; a bad $UK_ACCEL fails before one. */
	if (accel_wish(accel_given, accel, &cfg, &accel)) {
		scenario_free(&scn);
		return 2;
	}
	if (name_given) {
		paths = *given;
	} else {
		default_name(file, name, sizeof(name));
		if (cluster_paths_init(name, &paths))
			return 2;
	}

	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

	struct runner r;
	memset(&r, 0, sizeof(r));
	r.p = &paths;
	r.cfg = &cfg;
	r.pcap = pcap;
	r.save_logs = save;
	r.save_disks = disks;
	if (save)
		str_copy(r.outdir, save, sizeof(r.outdir));
	else
		snprintf(r.outdir, sizeof(r.outdir), "%s.check", paths.name);
	r.accel = accel;
	r.mark_ms = mono_ms();
	uint64_t start = mono_ms();
	unsigned passed = 0, failed = 0;
	size_t i;
	int cannot_run = 0;

	printf("scenario %s: %zu steps, cluster '%s' (%u nodes, %u probes)\n",
	       file, scn.count, paths.name, cfg.nodes, cfg.probes);
	fflush(stdout);
	for (i = 0; i < scn.count; i++) {
		const struct step *s = &scn.steps[i];
		uint64_t t = mono_ms();
		int rc = stop_run ? fail(&r, "interrupted") : run_step(&r, s);
		format_duration(mono_ms() - t, dur, sizeof(dur));
		if (rc == EXIT_CANNOT_RUN) {
			printf("[%2zu/%zu] SKIP %s  (this machine cannot host "
			       "a cluster)\n",
			       i + 1, scn.count, s->source);
			cannot_run = 1;
			break;
		}
		printf("[%2zu/%zu] %s %s  (%s)%s%s\n", i + 1, scn.count,
		       rc ? "FAIL" : "ok  ", s->source, dur,
		       r.why[0] && !rc ? ": " : "", !rc ? r.why : "");
		if (rc) {
			failed++;
			printf("        line %d: %s\n", s->line, r.why);
			if (r.tail_node && r.up) {
				char path[PATH_MAX];
				node_file(&paths, r.tail_node, "log", path,
					  sizeof(path));
				printf("        last lines of node %u's log:\n",
				       r.tail_node);
				fflush(stdout);
				log_print_tail(path, 15, "          ", stdout);
			}
			fflush(stdout);
			if (!keep_going || stop_run) {
				i++;
				break;
			}
		} else {
			passed++;
		}
		fflush(stdout);
	}
	size_t not_run = scn.count - i;
	if (r.up) {
		if (keep && !stop_run) {
			control_call(&paths, "disown", NULL, 0, NULL, 0);
			printf("cluster '%s' kept running (ukcluster --name %s "
			       "down)\n",
			       paths.name, paths.name);
		} else {
			char left[4096];
			cluster_down_saving(&paths, save, disks, 1);
			if (cluster_leftovers(&paths, left, sizeof(left))) {
				printf("teardown left behind:\n%s", left);
				failed++;
			}
		}
	}
	format_duration(mono_ms() - start, dur, sizeof(dur));
	printf("%s: %u passed, %u failed", file, passed, failed);
	if (not_run)
		printf(", %zu not run", not_run);
	printf(" (%s)", dur);
	if (r.timeline[0]) {
		char abs[PATH_MAX];
		printf("; timeline file://%s",
		       realpath(r.timeline, abs) ? abs : r.timeline);
	}
	printf("\n");
	scenario_free(&scn);
	if (cannot_run)
		return EXIT_CANNOT_RUN;
	if (stop_run)
		return 130;
	if (failed && r.kvm_error)
		return EXIT_KVM_ERROR;
	return failed ? 1 : 0;
}
