/* SPDX-License-Identifier: MIT */
/*
 * The QEMU command line of a node: virtio-net NIC with its fixed MAC on the
 * node's tap, network boot through QEMU's iPXE ROM, the serial port and the
 * QMP monitor connected (as clients) to the supervisor's sockets, and the gdb
 * stub on its own socket. The QEMU binary is $UK_QEMU or qemu-system-x86_64,
 * the accelerator the cluster's (see accel_choice.h).
 */
#ifndef UKCLUSTER_QEMU_H
#define UKCLUSTER_QEMU_H

#include "accel.h"
#include "config.h"
#include "state.h"

#define QEMU_ARGS_MAX 48

struct qemu_command {
	const char *argv[QEMU_ARGS_MAX];
	char storage[QEMU_ARGS_MAX][PATH_MAX + 64];
	int argc;
};

void qemu_command_build(struct qemu_command *c, const struct cluster_paths *p,
			const struct cluster_config *cfg, unsigned node,
			enum accel_kind accel);

#endif
