/* SPDX-License-Identifier: MIT */
/*
 * `ukcluster check HISTORY`: the history checker (check.h) as a command.
 * It needs no cluster: it reads a history file a run left behind.
 */
#include "check.h"
#include "commands.h"
#include "text.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

static int duration_ns(const char *option, const char *word, uint64_t *out)
{
	uint64_t ms;

	if (parse_duration_ms(word, &ms)) {
		msg("%s needs a duration like 5s or 2ms, not '%s'", option,
		    word);
		return -1;
	}
	*out = ms * 1000000ULL;
	return 0;
}

int cmd_check(const struct cluster_paths *p, int argc, char **argv)
{
	static const char usage[] =
	    "check HISTORY [--svg FILE] [--deadline DURATION] [--skew "
	    "DURATION] [--budget STEPS]";
	const char *history = NULL, *svg = NULL;
	struct check_opts o;

	(void)p;
	check_opts_default(&o);
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		if (a[0] != '-') {
			if (history)
				return usage_error(usage);
			history = a;
			continue;
		}
		if (i + 1 >= argc)
			return usage_error(usage);
		const char *v = argv[++i];
		if (!strcmp(a, "--svg"))
			svg = v;
		else if (!strcmp(a, "--deadline")) {
			if (duration_ns(a, v, &o.deadline_ns))
				return 2;
			if (!o.deadline_ns) {
				msg("--deadline must be more than 0");
				return 2;
			}
		} else if (!strcmp(a, "--skew")) {
			if (duration_ns(a, v, &o.skew_ns))
				return 2;
		} else if (!strcmp(a, "--budget")) {
			unsigned steps;
			if (parse_uint(v, 1, 4000000000U, &steps)) {
				msg("--budget needs a number of search steps, "
				    "not '%s'",
				    v);
				return 2;
			}
			o.budget = steps;
		} else
			return usage_error(usage);
	}
	if (!history)
		return usage_error(usage);
	return check_run(history, svg, &o, stdout);
}
