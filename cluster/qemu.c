/* SPDX-License-Identifier: MIT */
/* QEMU command line of a node; see qemu.h. */
#include "qemu.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "state.h"

static void arg(struct qemu_command *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void arg(struct qemu_command *c, const char *fmt, ...)
{
	va_list ap;

	if (c->argc + 1 >= QEMU_ARGS_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(c->storage[c->argc], sizeof(c->storage[0]), fmt, ap);
	va_end(ap);
	c->argv[c->argc] = c->storage[c->argc];
	c->argv[++c->argc] = NULL;
}

void qemu_command_build(struct qemu_command *c, const struct cluster_paths *p,
			const struct cluster_config *cfg, unsigned node,
			enum accel_kind accel)
{
	const struct node_config *nc = &cfg->node[node - 1];
	const char *cpu = accel_cpu_model(accel);
	char mac[32], tap[16];

	node_mac(node, mac, sizeof(mac));
	node_tap(node, tap, sizeof(tap));
	c->argc = 0;
	arg(c, "%s", accel_qemu_binary());
	arg(c, "-name");
	arg(c, "ukcluster-%s-node%u", p->name, node);
	/* Never decided here: a /dev/kvm that opens proves nothing (nested
	 * hosts), so the cluster's choice is made once, by a probe. */
	arg(c, "-accel");
	arg(c, "%s", accel_name(accel));
	if (cpu) {
		arg(c, "-cpu");
		arg(c, "%s", cpu);
	}
	if (cfg->icount && accel == ACCEL_TCG) {
		arg(c, "-icount");
		arg(c, "shift=0");
	}
	arg(c, "-m");
	arg(c, "%u", nc->memory_mib);
	arg(c, "-smp");
	arg(c, "%u", nc->cpus);
	arg(c, "-nodefaults");
	arg(c, "-no-user-config");
	arg(c, "-display");
	arg(c, "none");
	/* Serial and QMP connect to sockets the supervisor already listens
	 * on, so not one byte of early output is lost. */
	arg(c, "-chardev");
	arg(c, "socket,id=serial0,path=%s/node%u.serial", p->dir, node);
	arg(c, "-serial");
	arg(c, "chardev:serial0");
	arg(c, "-chardev");
	arg(c, "socket,id=qmp0,path=%s/node%u.qmp", p->dir, node);
	arg(c, "-mon");
	arg(c, "chardev=qmp0,mode=control");
	arg(c, "-gdb");
	arg(c, "unix:%s/node%u.gdb,server=on,wait=off", p->dir, node);
	arg(c, "-netdev");
	arg(c, "tap,id=net0,ifname=%s,script=no,downscript=no", tap);
	arg(c, "-device");
	arg(c, "virtio-net-pci,netdev=net0,id=nic0,mac=%s", mac);
	if (strcmp(cfg->disk, "none") && cfg->disk[0]) {
		char disk[4096];
		node_file(p, node, "disk.img", disk, sizeof(disk));
		arg(c, "-drive");
		arg(c, "file=%s,if=none,id=disk0,format=raw", disk);
		arg(c, "-device");
		arg(c, "virtio-blk-pci,drive=disk0,id=blk0");
	}
	/* Network boot, also after every reset; if it fails (no link, no
	 * answer), the firmware tries again 5 s later. */
	arg(c, "-boot");
	arg(c, "order=n,reboot-timeout=5000");
}
