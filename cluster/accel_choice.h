/* SPDX-License-Identifier: MIT */
/*
 * The accelerator a cluster runs on. It is chosen once per `up`, before
 * any node starts, and kept in STATE/accel: the supervisor starts every
 * node and every restart (start after kill, reboot) with it, and `status`
 * shows it, so a cluster never mixes KVM and TCG nodes. The wish comes
 * from `--accel`, else the configuration's `accel` key, else $UK_ACCEL,
 * else auto; auto asks the probe of accel.h, which boots real guests under
 * KVM before trusting it.
 */
#ifndef UKCLUSTER_ACCEL_CHOICE_H
#define UKCLUSTER_ACCEL_CHOICE_H

#include "accel.h"
#include "config.h"
#include "state.h"

#include <stdbool.h>
#include <stddef.h>

struct accel_choice {
	enum accel_kind kind; /* ACCEL_KVM or ACCEL_TCG, never ACCEL_AUTO */
	bool forced;	      /* named by the user: no probe ran */
	char reason[400];     /* auto: the probe's one-line verdict */
};

/* What the user asked for: the command line (if given) over the
 * configuration over $UK_ACCEL over auto. -1 (said why) when $UK_ACCEL
 * holds something else. */
int accel_wish(bool given, enum accel_kind cli,
	       const struct cluster_config *cfg, enum accel_kind *want);

/* The probe's input for a cluster: its kernel and boot archive (the ones
 * its nodes boot) and the probe guest of this build. */
void accel_probe_input_for(const struct cluster_config *cfg,
			   struct accel_probe_input *in, char *image,
			   size_t image_len);

/* Resolve want for cfg. When auto falls back to TCG, says why in exactly
 * one line on stderr, with how to force KVM. */
void accel_choice_make(enum accel_kind want, const struct cluster_config *cfg,
		       struct accel_choice *c);

/* STATE/accel: written by `up` before the supervisor starts; -1 with errno
 * (write) or when missing or malformed (read). */
int accel_choice_write(const struct cluster_paths *p,
		       const struct accel_choice *c);
int accel_choice_read(const struct cluster_paths *p, struct accel_choice *c);

/* "kvm (probe passed)", "tcg (auto: REASON)", "tcg (forced)". */
const char *accel_choice_describe(const struct accel_choice *c, char *buf,
				  size_t len);

#endif
