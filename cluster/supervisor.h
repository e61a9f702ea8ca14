/* SPDX-License-Identifier: MIT */
/* Entry point of the background supervisor (see super.h), started by `up`
 * as "ukcluster __supervise NAME STATEDIR/ ..." so that its command line
 * names the state directory like every other process of the cluster. */
#ifndef UKCLUSTER_SUPERVISOR_H
#define UKCLUSTER_SUPERVISOR_H

int supervisor_main(int argc, char **argv);

#endif
