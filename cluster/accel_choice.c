/* SPDX-License-Identifier: MIT */
/*
 * Choosing a cluster's accelerator and keeping the choice; see
 * accel_choice.h. STATE/accel holds three lines, "accel kvm|tcg",
 * "chosen forced|auto" and "reason TEXT", so `status` can say how the
 * choice was made long after the probe's output scrolled away.
 */
#include "accel_choice.h"
#include "lifecycle.h"
#include "text.h"
#include "util.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int accel_wish(bool given, enum accel_kind cli,
	       const struct cluster_config *cfg, enum accel_kind *want)
{
	if (cfg->icount) {
		/* -icount is TCG's: instructions, not time, are the point. */
		if ((given && cli == ACCEL_KVM) ||
		    (!given && cfg->accel_set && cfg->accel == ACCEL_KVM)) {
			msg("icount needs TCG: drop `accel kvm` (or --accel "
			    "kvm), or set icount no");
			return -1;
		}
		*want = ACCEL_TCG;
		return 0;
	}
	if (given) {
		*want = cli;
		return 0;
	}
	if (cfg->accel_set) {
		*want = cfg->accel;
		return 0;
	}
	if (accel_from_env(ACCEL_AUTO, want) < 0) {
		msg("set UK_ACCEL to auto, kvm or tcg, or unset it");
		return -1;
	}
	return 0;
}

void accel_probe_input_for(const struct cluster_config *cfg,
			   struct accel_probe_input *in, char *image,
			   size_t image_len)
{
	memset(in, 0, sizeof(*in));
	/* The build this ukcluster belongs to, not the one it was compiled
	 * in: a copied build tree probes with its own guest. */
	snprintf(image, image_len, "%s/boot/kvmprobe.bin", build_dir());
	in->probe_image = image;
	in->kernel = cfg->kernel;
	in->archive = cfg->archive;
}

void accel_choice_make(enum accel_kind want, const struct cluster_config *cfg,
		       struct accel_choice *c)
{
	struct accel_probe_input in;
	struct accel_verdict v;
	char image[PATH_MAX + 32];

	memset(c, 0, sizeof(*c));
	accel_probe_input_for(cfg, &in, image, sizeof(image));
	c->kind = accel_choose(want, &in, &v);
	c->forced = want != ACCEL_AUTO;
	str_copy(c->reason, v.reason, sizeof(c->reason));
	if (!c->forced && c->kind == ACCEL_TCG)
		msg("KVM is not usable here (probe: %s); using TCG (--accel "
		    "kvm forces KVM)",
		    v.reason);
}

int accel_choice_write(const struct cluster_paths *p,
		       const struct accel_choice *c)
{
	char path[PATH_MAX], text[600];

	cluster_file(p, "accel", path, sizeof(path));
	snprintf(text, sizeof(text), "accel %s\nchosen %s\nreason %s\n",
		 accel_name(c->kind), c->forced ? "forced" : "auto", c->reason);
	return write_file(path, text, strlen(text), 0644);
}

int accel_choice_read(const struct cluster_paths *p, struct accel_choice *c)
{
	char path[PATH_MAX];
	char *text, *save = NULL;
	int have_kind = 0;

	memset(c, 0, sizeof(*c));
	cluster_file(p, "accel", path, sizeof(path));
	text = read_file(path, NULL);
	if (!text)
		return -1;
	for (char *line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *value = strchr(line, ' ');
		if (!value)
			continue;
		*value++ = '\0';
		if (!strcmp(line, "accel"))
			have_kind = accel_parse(value, &c->kind) == 0 &&
				    c->kind != ACCEL_AUTO;
		else if (!strcmp(line, "chosen"))
			c->forced = !strcmp(value, "forced");
		else if (!strcmp(line, "reason"))
			str_copy(c->reason, value, sizeof(c->reason));
	}
	free(text);
	if (!have_kind) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

const char *accel_choice_describe(const struct accel_choice *c, char *buf,
				  size_t len)
{
	if (c->forced)
		snprintf(buf, len, "%s (forced)", accel_name(c->kind));
	else if (c->kind == ACCEL_KVM)
		snprintf(buf, len, "kvm (probe passed)");
	else
		snprintf(buf, len, "tcg (auto: %s)", c->reason);
	return buf;
}
