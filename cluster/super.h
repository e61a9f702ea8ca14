/* SPDX-License-Identifier: MIT */
/*
 * The supervisor: the one background process per cluster. It lives inside
 * the cluster's network namespace, is the parent of every QEMU, dnsmasq and
 * probe holder (all of which die with it), owns the serial lines (writing
 * the timestamped per-node logs and serving consoles) and the QMP
 * connections, and answers requests on DIR/control. Single-threaded: one
 * poll loop; QMP commands are synchronous with short deadlines.
 */
#ifndef UKCLUSTER_SUPER_H
#define UKCLUSTER_SUPER_H

#include "accel_choice.h"
#include "config.h"
#include "faults.h"
#include "pcap.h"
#include "qmp.h"
#include "state.h"

#include <stdint.h>
#include <sys/types.h>

#define CONSOLE_RING 65536
#define MAX_CLIENTS 32

struct super;

struct node {
	struct super *s;
	unsigned id;
	pid_t pid;	   /* QEMU, 0 while off */
	int serial_listen; /* DIR/nodeN.serial */
	int serial_fd;	   /* QEMU's serial connection */
	int qmp_listen;	   /* DIR/nodeN.qmp */
	struct qmp qmp;
	int log_fd;	 /* DIR/nodeN.log, append-only */
	char line[1024]; /* serial line being assembled */
	size_t line_len;
	uint64_t line_ms; /* when its first byte arrived */
	int paused;
	int link_up;
	int killed;	     /* we powered it off: its exit is expected */
	int guest_shutdown;  /* the guest asked to power off */
	const char *stage;   /* firmware, pxe, kernel, init, ready */
	uint64_t boot_ms;    /* monotonic time of the last power-on/reset */
	char last_line[256]; /* last serial line */
	int console_bol;     /* consoles are at the start of a line */
	char notes[2048];    /* host events held back until then */
	size_t notes_len;
	unsigned char ring[CONSOLE_RING]; /* recent raw serial output */
	size_t ring_next, ring_fill;
	/* Why the VM is stopped, if it is (runstate.c). */
	enum accel_kind accel;	/* what its QEMU runs on: the cluster's */
	int stop_requested;	/* we asked QEMU to stop the VM (pause) */
	int stop_check;		/* QEMU stopped it on its own: ask why */
	int kvm_error;		/* stopped by a KVM internal error */
	char kvm_line[256];	/* QEMU's line about it */
	long long qemu_log_off; /* nodeN.qemu.log is read up to here */
	uint64_t qemu_log_ms;	/* when it was last read */
};

struct client {
	int fd;
	char in[2048];
	size_t len;
	unsigned console; /* node whose serial this client is attached to */
};

struct super {
	struct cluster_paths paths;
	struct cluster_config cfg;
	struct accel_choice accel; /* from STATE/accel: every node's */
	struct cluster_info info;
	struct node *nodes; /* nodes[0] is node 1 */
	pid_t dnsmasq;
	int dnsmasq_restarts;
	long long dnsmasq_off;
	char dnsmasq_partial[1024];
	size_t dnsmasq_plen;
	int control_fd;
	struct client clients[MAX_CLIENTS];
	int sigfd;
	int owner_fd; /* pidfd of the process that owns the cluster, or -1 */
	struct pcap_capture pcap;
	struct fault_state faults;
	uint64_t t0; /* monotonic ms when `up` started */
	int stopping;
	int down_client; /* fd to answer once everything is gone, or -1 */
	char save_logs[PATH_MAX];
	char save_disks[PATH_MAX]; /* copies of the node disks at down */
};

/* supervisor.c */
void log_super(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int super_power_on(struct super *s, struct node *n, char *why, size_t len);
void super_power_off(struct super *s, struct node *n, const char *reason);
int super_apply_faults(struct super *s, char *why, size_t len);

/* nodelog.c: the node logs and the consoles. */
void node_log(struct node *n, char kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void node_boot(struct node *n, const char *how);
void node_serial_in(struct node *n, const unsigned char *buf, size_t len);
void node_flush_idle(struct node *n, uint64_t now);
void node_console_replay(struct node *n, int fd);

/* runstate.c: why a node's VM is not running. */
void runstate_power_on(struct node *n);
void runstate_reset(struct node *n);
void runstate_on_stop(struct node *n);
void runstate_poll(struct node *n, uint64_t now);
const char *runstate_name(struct node *n, const char *qemu_status);

/* control.c: one request line from a client. Returns 1 if the client
 * stays connected (a console), 0 if it is to be closed. */
int control_request(struct super *s, struct client *c, char *line);
void node_qmp_event(void *ctx, const char *json);

#endif
