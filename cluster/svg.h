/* SPDX-License-Identifier: MIT */
/*
 * The timeline of a checked history as one SVG file that a browser opens
 * without scripts: a lane per node (a row per process of it), time left to
 * right with an axis in seconds, faults as translucent bands over the lanes
 * they affect, operations as bars from invoke to completion coloured by
 * outcome, the operations the checks blamed (OP_VIOLATION) outlined in
 * red. Every bar and band carries a <title> tooltip. One <rect> per
 * operation, so ~20k operations make a few MB.
 */
#ifndef UKCLUSTER_SVG_H
#define UKCLUSTER_SVG_H

#include "history.h"

#include <stddef.h>

/* Write h (after check_history() set the flags) to path. Returns 0, or -1
 * with the reason in why. */
int svg_write(const struct history *h, const char *path, char *why, size_t len);

#endif
