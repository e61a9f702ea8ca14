/* SPDX-License-Identifier: MIT */
/*
 * The supervisor's control protocol, spoken on DIR/control: the client
 * sends one request line, the supervisor answers with zero or more data
 * lines and a final "ok[ TEXT]" or "error: TEXT" line. "console N" turns
 * the connection into a raw byte stream to and from node N's serial port.
 *
 *   status                      accel/node/kvmerror/probe/partition lines
 *   kill|start|pause|resume|reboot N
 *   link N up|down              QMP set_link, then read back
 *   linkstate N                 "ok up" / "ok down" / "ok unknown"
 *   partition SPEC | heal | loss TARGET PERCENT
 *   send N TEXT                 TEXT + Enter to the serial port
 *   console N [replay]
 *   qmp N JSON                  raw QMP command, raw reply
 *   disown                      stop watching the owning process
 *   down [SAVE-LOGS-DIR]        tear down; "ok" comes when all is gone
 *
 * Also here: the QMP events of each node, which become log lines.
 */
#include "super.h"
#include "json.h"
#include "text.h"
#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define QMP_TIMEOUT_MS 5000

static void reply(struct client *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void reply(struct client *c, const char *fmt, ...)
{
	char buf[4096];
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(buf) - 2)
		n = (int)sizeof(buf) - 2;
	buf[n++] = '\n';
	write_all(c->fd, buf, (size_t)n);
}

void node_qmp_event(void *ctx, const char *json)
{
	struct node *n = ctx;
	char event[64] = "", reason[64] = "";
	const char *const reason_path[] = {"data", "reason"};
	const char *const guest_path[] = {"data", "guest"};
	int guest = 0;

	json_string(json_member(json, "event"), event, sizeof(event));
	json_string(json_path(json, reason_path, 2), reason, sizeof(reason));
	json_bool(json_path(json, guest_path, 2), &guest);
	if (!strcmp(event, "RESET")) {
		/* Host resets are logged by the reboot request itself, before
		 * it returns, so a following wait cannot miss the marker. */
		if (guest)
			node_boot(n,
				  reason[0] ? "reset by the guest" : "reset");
	} else if (!strcmp(event, "STOP")) {
		runstate_on_stop(n);
	} else if (!strcmp(event, "RESUME")) {
		/* Running again (only a reset lets QEMU go on after an
		 * internal error), so no longer stopped by one. */
		runstate_reset(n);
		n->paused = 0;
		node_log(n, '#', "state: running");
	} else if (!strcmp(event, "SHUTDOWN")) {
		if (guest) {
			n->guest_shutdown = 1;
			node_log(n, '#', "power: the guest shut down (%s)",
				 reason);
		}
	} else if (!strcmp(event, "GUEST_PANICKED")) {
		node_log(n, '#', "state: guest panicked");
	}
}

static struct node *node_arg(struct super *s, struct client *c, const char *w)
{
	struct target t;

	if (!w || target_parse(w, 0, &t) || t.kind != TARGET_NODE ||
	    t.index > s->cfg.nodes) {
		reply(c, "error: '%s' is not a node of this cluster (1..%u)",
		      w ? w : "", s->cfg.nodes);
		return NULL;
	}
	return &s->nodes[t.index - 1];
}

static struct node *running_node(struct super *s, struct client *c,
				 const char *w)
{
	struct node *n = node_arg(s, c, w);

	if (n && !n->pid) {
		reply(c, "error: node %u is off (power it on with: start %u)",
		      n->id, n->id);
		return NULL;
	}
	return n;
}

/* The guest-visible link bit of the virtio-net NIC, read through QMP: the
 * device configuration (MAC, then the 16-bit status whose bit 0 is
 * VIRTIO_NET_S_LINK_UP) sits at offset 0x2000 of the modern virtio BAR 4
 * in QEMU's layout. Returns 1 up, 0 down, -1 if not readable (the firmware
 * has not assigned the BAR yet). */
static int link_readback(struct node *n, unsigned *status_out)
{
	static char pci[QMP_BUF];
	char out[256];
	long long addr = -1;

	if (qmp_command(&n->qmp, "{\"execute\":\"query-pci\"}", pci,
			sizeof(pci), QMP_TIMEOUT_MS))
		return -1;
	for (int b = 0; json_index(pci, b); b++) {
		const char *devs = json_member(json_index(pci, b), "devices");
		for (int d = 0; devs && json_index(devs, d); d++) {
			const char *dev = json_index(devs, d);
			char id[32] = "";
			json_string(json_member(dev, "qdev_id"), id,
				    sizeof(id));
			if (strcmp(id, "nic0"))
				continue;
			const char *regions = json_member(dev, "regions");
			for (int r = 0; regions && json_index(regions, r);
			     r++) {
				const char *reg = json_index(regions, r);
				long long bar = -1;
				json_number(json_member(reg, "bar"), &bar);
				if (bar == 4)
					json_number(json_member(reg, "address"),
						    &addr);
			}
		}
	}
	if (addr <= 0)
		return -1;
	char cmd[256];
	snprintf(cmd, sizeof(cmd),
		 "{\"execute\":\"human-monitor-command\",\"arguments\":"
		 "{\"command-line\":\"xp /2bx 0x%llx\"}}",
		 (unsigned long long)addr + 0x2000 + 6);
	if (qmp_command(&n->qmp, cmd, out, sizeof(out), QMP_TIMEOUT_MS))
		return -1;
	/* "\"00000000febfe006: 0x01 0x00\\r\\n\"" */
	char text[128];
	if (json_string(out, text, sizeof(text)))
		return -1;
	const char *p = strstr(text, ": ");
	if (!p)
		return -1;
	unsigned lo = (unsigned)strtoul(p + 2, NULL, 16);
	const char *q = strstr(p + 2, " 0x");
	unsigned hi = q ? (unsigned)strtoul(q + 1, NULL, 16) : 0;
	if (status_out)
		*status_out = lo | hi << 8;
	return (int)(lo & 1);
}

static void do_status(struct super *s, struct client *c)
{
	static char qreply[QMP_BUF];
	char desc[600];
	uint64_t now = mono_ms();

	reply(c, "accel\t%s\t%s", accel_name(s->accel.kind),
	      accel_choice_describe(&s->accel, desc, sizeof(desc)));
	for (unsigned i = 0; i < s->cfg.nodes; i++) {
		struct node *n = &s->nodes[i];
		char state[32] = "off", addr[32];
		unsigned loss = s->faults.node_loss[n->id];
		node_address(n->id, addr, sizeof(addr));
		if (n->pid) {
			/* QEMU's own view, not ours: it also knows about
			 * internal errors and guest panics. */
			if (qmp_command(
				&n->qmp, "{\"execute\":\"query-status\"}",
				qreply, sizeof(qreply), QMP_TIMEOUT_MS) == 0)
				json_string(json_member(qreply, "status"),
					    state, sizeof(state));
			else
				str_copy(state, "unresponsive", sizeof(state));
			str_copy(state, runstate_name(n, state), sizeof(state));
		}
		/* Off nodes show the accelerator they will start with. */
		reply(c, "node\t%u\t%s\t%s\t%s\t%llu\t%s\t%u\t%d\t%s\t%s",
		      n->id, state, n->stage, addr,
		      n->pid ? (unsigned long long)(now - n->boot_ms) : 0ULL,
		      n->pid ? (n->link_up ? "up" : "down") : "-", loss,
		      (int)n->pid,
		      accel_name(n->pid ? n->accel : s->accel.kind),
		      n->last_line);
		if (n->pid && n->kvm_error)
			reply(c, "kvmerror\t%u\t%s", n->id, n->kvm_line);
	}
	for (unsigned i = 1; i <= s->cfg.probes; i++) {
		char addr[32];
		probe_address(i, addr, sizeof(addr));
		reply(c, "probe\tp%u\t%s\t%u\t%d", i, addr,
		      s->faults.probe_loss[i], (int)s->info.probe_pid[i]);
	}
	partition_describe(&s->faults, desc, sizeof(desc));
	reply(c, "partition\t%s", desc[0] ? desc : "-");
	reply(c, "ok");
}

static void do_link(struct super *s, struct client *c, char **w, int nw)
{
	char cmd[256], out[512];
	unsigned status = 0;

	if (nw != 3 || (strcmp(w[2], "up") && strcmp(w[2], "down"))) {
		reply(c, "error: usage: link NODE up|down");
		return;
	}
	struct node *n = running_node(s, c, w[1]);
	if (!n)
		return;
	int up = !strcmp(w[2], "up");
	snprintf(cmd, sizeof(cmd),
		 "{\"execute\":\"set_link\",\"arguments\":{\"name\":\"nic0\","
		 "\"up\":%s}}",
		 up ? "true" : "false");
	if (qmp_command(&n->qmp, cmd, out, sizeof(out), QMP_TIMEOUT_MS)) {
		reply(c, "error: set_link failed: %s", out);
		return;
	}
	n->link_up = up;
	node_log(n, '#', "link: %s", up ? "up" : "down");
	int seen = link_readback(n, &status);
	if (seen < 0)
		reply(c,
		      "ok link %s (the guest-visible status is not readable "
		      "yet: the firmware has not set up the NIC)",
		      w[2]);
	else if (seen != up)
		reply(c,
		      "error: set_link %s done, but the NIC reports link %s "
		      "(status 0x%04x)",
		      w[2], seen ? "up" : "down", status);
	else
		reply(c, "ok link %s (virtio-net status 0x%04x)", w[2], status);
}

static void do_linkstate(struct super *s, struct client *c, const char *w)
{
	unsigned status = 0;
	struct node *n = running_node(s, c, w);

	if (!n)
		return;
	int seen = link_readback(n, &status);
	if (seen < 0)
		reply(c, "ok unknown (set %s; the NIC is not set up yet)",
		      n->link_up ? "up" : "down");
	else
		reply(c, "ok %s (virtio-net status 0x%04x)",
		      seen ? "up" : "down", status);
}

static void do_qmp_simple(struct super *s, struct client *c, const char *w,
			  const char *command, const char *done)
{
	char out[512];
	struct node *n = running_node(s, c, w);

	if (!n)
		return;
	/* QEMU sends the STOP event before the reply: marked as ours, it is
	 * a pause, not a stop QEMU made on its own. */
	n->stop_requested = !strcmp(done, "paused");
	int rc =
	    qmp_command(&n->qmp, command, out, sizeof(out), QMP_TIMEOUT_MS);
	n->stop_requested = 0;
	if (rc)
		reply(c, "error: %s", out);
	else
		reply(c, "ok node %u %s", n->id, done);
}

static void do_reboot(struct super *s, struct client *c, const char *w)
{
	char out[512];
	struct node *n = running_node(s, c, w);

	if (!n)
		return;
	node_boot(n, "reset by host");
	runstate_reset(n);
	if (qmp_command(&n->qmp, "{\"execute\":\"system_reset\"}", out,
			sizeof(out), QMP_TIMEOUT_MS)) {
		reply(c, "error: system_reset failed: %s", out);
		return;
	}
	/* A reset of a hung (paused) node should boot it, as a reset
	 * button would. */
	if (n->paused && qmp_command(&n->qmp, "{\"execute\":\"cont\"}", out,
				     sizeof(out), QMP_TIMEOUT_MS)) {
		reply(c, "error: reset done, but cont failed: %s", out);
		return;
	}
	reply(c, "ok node %u reset; it boots over PXE again", n->id);
}

static void do_faults(struct super *s, struct client *c, char **w, int nw,
		      const char *rest)
{
	struct fault_state saved = s->faults;
	char why[512];

	if (!strcmp(w[0], "heal")) {
		s->faults.groups = 0;
		memset(s->faults.node_group, 0, sizeof(s->faults.node_group));
		memset(s->faults.probe_group, 0, sizeof(s->faults.probe_group));
		memset(s->faults.node_loss, 0, sizeof(s->faults.node_loss));
		memset(s->faults.probe_loss, 0, sizeof(s->faults.probe_loss));
	} else if (!strcmp(w[0], "partition")) {
		if (partition_parse(rest, s->cfg.nodes, s->cfg.probes,
				    &s->faults, why, sizeof(why))) {
			reply(c, "error: %s", why);
			return;
		}
	} else { /* loss TARGET PERCENT */
		struct target t;
		unsigned pct;
		char p[8];
		if (nw != 3) {
			reply(c, "error: usage: loss NODE|PROBE PERCENT");
			return;
		}
		str_copy(p, w[2], sizeof(p));
		if (p[0] && p[strlen(p) - 1] == '%')
			p[strlen(p) - 1] = '\0';
		if (target_parse(w[1], 0, &t) ||
		    (t.kind == TARGET_NODE && t.index > s->cfg.nodes) ||
		    (t.kind == TARGET_PROBE && t.index > s->cfg.probes) ||
		    t.kind == TARGET_HOST) {
			reply(c,
			      "error: '%s' is not a node or probe of this "
			      "cluster",
			      w[1]);
			return;
		}
		if (parse_uint(p, 0, 100, &pct)) {
			reply(c, "error: loss is a percentage 0..100, not '%s'",
			      w[2]);
			return;
		}
		if (t.kind == TARGET_NODE)
			s->faults.node_loss[t.index] = (unsigned char)pct;
		else
			s->faults.probe_loss[t.index] = (unsigned char)pct;
	}
	if (super_apply_faults(s, why, sizeof(why))) {
		s->faults = saved;
		reply(c, "error: %s", why);
		return;
	}
	/* Tell the affected nodes' logs. */
	char desc[256];
	partition_describe(&s->faults, desc, sizeof(desc));
	for (unsigned i = 0; i < s->cfg.nodes; i++) {
		struct node *n = &s->nodes[i];
		if (!strcmp(w[0], "heal"))
			node_log(n, '#', "net: healed (no partition, no loss)");
		else if (!strcmp(w[0], "partition"))
			node_log(n, '#', "net: partition %s", desc);
		else if (saved.node_loss[n->id] != s->faults.node_loss[n->id])
			node_log(n, '#', "net: loss %u%%",
				 s->faults.node_loss[n->id]);
	}
	if (!strcmp(w[0], "partition"))
		reply(c, "ok partition %s", desc);
	else if (!strcmp(w[0], "heal"))
		reply(c, "ok healed");
	else
		reply(c, "ok loss %s %s%s", w[1], w[2],
		      w[2][strlen(w[2]) - 1] == '%' ? "" : "%");
}

int control_request(struct super *s, struct client *c, char *line)
{
	char copy[2048];
	char *w[8];
	int nw = 0;

	str_copy(copy, line, sizeof(copy));
	for (char *save = NULL, *t = strtok_r(copy, " \t", &save); t && nw < 8;
	     t = strtok_r(NULL, " \t", &save))
		w[nw++] = t;
	if (!nw) {
		reply(c, "error: empty request");
		return 0;
	}
	/* The text after the first (or second) word, verbatim. */
	const char *rest1 = line + strspn(line, " \t");
	rest1 += strcspn(rest1, " \t");
	rest1 += strspn(rest1, " \t");
	const char *rest2 = rest1 + strcspn(rest1, " \t");
	rest2 += strspn(rest2, " \t");

	if (!strcmp(w[0], "hello")) {
		reply(c, "ok ukcluster %s", s->paths.name);
	} else if (!strcmp(w[0], "status")) {
		do_status(s, c);
	} else if (!strcmp(w[0], "kill") && nw == 2) {
		struct node *n = running_node(s, c, w[1]);
		if (n) {
			super_power_off(s, n, "kill request");
			reply(c, "ok node %u powered off", n->id);
		}
	} else if (!strcmp(w[0], "start") && nw == 2) {
		struct node *n = node_arg(s, c, w[1]);
		char why[512];
		if (n && super_power_on(s, n, why, sizeof(why)))
			reply(c, "error: %s", why);
		else if (n)
			reply(c, "ok node %u powered on", n->id);
	} else if (!strcmp(w[0], "pause") && nw == 2) {
		do_qmp_simple(s, c, w[1], "{\"execute\":\"stop\"}", "paused");
	} else if (!strcmp(w[0], "resume") && nw == 2) {
		do_qmp_simple(s, c, w[1], "{\"execute\":\"cont\"}", "resumed");
	} else if (!strcmp(w[0], "reboot") && nw == 2) {
		do_reboot(s, c, w[1]);
	} else if (!strcmp(w[0], "link")) {
		do_link(s, c, w, nw);
	} else if (!strcmp(w[0], "linkstate") && nw == 2) {
		do_linkstate(s, c, w[1]);
	} else if (!strcmp(w[0], "partition") || !strcmp(w[0], "heal") ||
		   !strcmp(w[0], "loss")) {
		do_faults(s, c, w, nw, rest1);
	} else if (!strcmp(w[0], "send") && nw >= 2) {
		struct node *n = running_node(s, c, w[1]);
		if (n && n->serial_fd < 0) {
			reply(c,
			      "error: node %u's serial port is not connected",
			      n->id);
		} else if (n) {
			write_all(n->serial_fd, rest2, strlen(rest2));
			write_all(n->serial_fd, "\r", 1);
			reply(c, "ok sent %zu bytes to node %u",
			      strlen(rest2) + 1, n->id);
		}
	} else if (!strcmp(w[0], "console") && (nw == 2 || nw == 3)) {
		struct node *n = node_arg(s, c, w[1]);
		if (!n)
			return 0;
		reply(c, "ok console of node %u", n->id);
		if (nw == 3 && !strcmp(w[2], "replay"))
			node_console_replay(n, c->fd);
		c->console = n->id;
		return 1;
	} else if (!strcmp(w[0], "qmp") && nw >= 3) {
		static char out[QMP_BUF];
		struct node *n = running_node(s, c, w[1]);
		if (n) {
			int rc = qmp_command(&n->qmp, rest2, out, sizeof(out),
					     QMP_TIMEOUT_MS);
			if (rc == 0)
				reply(c, "%s\nok", out);
			else
				reply(c, "error: %s", out);
		}
	} else if (!strcmp(w[0], "disown") && nw == 1) {
		if (s->owner_fd >= 0)
			close(s->owner_fd);
		s->owner_fd = -1;
		reply(c, "ok the cluster now runs until `down`");
	} else if (!strcmp(w[0], "save-disks") && nw >= 2) {
		/* Before "down": where teardown copies the disks to, once
		 * every QEMU has stopped (so each image is complete). */
		str_copy(s->save_disks, rest1, sizeof(s->save_disks));
		reply(c, "ok disks will be saved in %s", s->save_disks);
	} else if (!strcmp(w[0], "down")) {
		if (nw >= 2)
			str_copy(s->save_logs, rest1, sizeof(s->save_logs));
		s->stopping = 1;
		s->down_client = c->fd;
		return 0;
	} else {
		reply(c, "error: unknown request '%s'", line);
	}
	return 0;
}
