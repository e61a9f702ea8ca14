/* SPDX-License-Identifier: MIT */
/*
 * Why a node's VM is not running. QEMU reports every stop alike, as a STOP
 * event: our own `stop` (the pause fault), a debugger, and a KVM internal
 * error, after which the VM cannot run on (issue #10: nested hosts whose
 * KVM opens but cannot run the guest). The last must not look like a
 * pause, because what the user does next differs: restart on TCG. It is
 * recognised two ways, since either alone can be missed: QEMU's run state
 * "internal-error" (asked after a STOP we did not request, and on every
 * `status`), and the "KVM internal error" line QEMU writes to its stderr,
 * nodeN.qemu.log, which also catches a QEMU that stopped without an event.
 * Both are cleared by a reset or a power-on, which boot the node afresh.
 */
#include "super.h"
#include "json.h"
#include "text.h"
#include "util.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define QEMU_LOG_EVERY_MS 200
#define QMP_TIMEOUT_MS 5000

void runstate_power_on(struct node *n)
{
	char path[PATH_MAX];
	struct stat st;

	/* QEMU appends to its log across power cycles: what an earlier run
	 * wrote is history, not news. */
	node_file(&n->s->paths, n->id, "qemu.log", path, sizeof(path));
	n->qemu_log_off = stat(path, &st) == 0 ? (long long)st.st_size : 0;
	n->qemu_log_ms = 0;
	n->accel = n->s->accel.kind;
	n->stop_requested = 0;
	runstate_reset(n);
}

void runstate_reset(struct node *n)
{
	n->stop_check = 0;
	n->kvm_error = 0;
	n->kvm_line[0] = '\0';
}

static void mark_kvm_error(struct node *n, const char *line)
{
	if (n->kvm_error)
		return;
	n->kvm_error = 1;
	/* Stopped for good: a reboot must `cont` after its reset. */
	n->paused = 1;
	str_copy(n->kvm_line, line, sizeof(n->kvm_line));
	node_log(n, '#',
		 "state: kvm-internal-error (%s; see node%u.qemu.log): this "
		 "host's KVM cannot run the guest; restart the cluster with "
		 "--accel tcg",
		 n->kvm_line, n->id);
	log_super("node %u: stopped by a KVM internal error: %s (the host's "
		  "KVM cannot run the guest; restart the cluster with --accel "
		  "tcg)",
		  n->id, n->kvm_line);
}

/* New complete lines of nodeN.qemu.log; marks the node if QEMU said
 * "KVM internal error". */
static void scan_qemu_log(struct node *n)
{
	static char buf[65536];
	char path[PATH_MAX], line[256];

	node_file(&n->s->paths, n->id, "qemu.log", path, sizeof(path));
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	ssize_t got = pread(fd, buf, sizeof(buf) - 1, (off_t)n->qemu_log_off);
	close(fd);
	if (got <= 0)
		return;
	for (ssize_t i = 0; i < got; i++)
		if (buf[i] == '\0')
			buf[i] = ' ';
	buf[got] = '\0';
	/* Whole lines only: the rest is read again once it is complete. A
	 * chunk without any newline is skipped, as no line is that long. */
	char *end = strrchr(buf, '\n');
	if (!end && got < (ssize_t)sizeof(buf) - 1)
		return;
	if (end)
		end[1] = '\0';
	n->qemu_log_off += end ? (long long)(end + 1 - buf) : (long long)got;
	if (accel_log_has_kvm_error(buf, line, sizeof(line)))
		mark_kvm_error(n, line);
}

void runstate_on_stop(struct node *n)
{
	if (n->stop_requested) {
		n->stop_requested = 0;
		n->paused = 1;
		node_log(n, '#', "state: paused");
		return;
	}
	/* Called while a QMP command may be waiting for its reply: the
	 * question to QEMU waits for the supervisor's loop. */
	n->stop_check = 1;
}

/* Asked after a STOP we did not request: why did QEMU stop the VM? */
static void check_stop(struct node *n)
{
	static char reply[QMP_BUF];
	char status[32] = "";

	n->stop_check = 0;
	scan_qemu_log(n);
	if (n->kvm_error)
		return;
	if (qmp_command(&n->qmp, "{\"execute\":\"query-status\"}", reply,
			sizeof(reply), QMP_TIMEOUT_MS) == 0)
		json_string(json_member(reply, "status"), status,
			    sizeof(status));
	if (!strcmp(status, "running"))
		return; /* resumed meanwhile */
	if (!strcmp(status, "internal-error") && n->accel == ACCEL_KVM) {
		mark_kvm_error(n, "QEMU stopped the VM with an internal error "
				  "under KVM");
		return;
	}
	n->paused = 1;
	if (!status[0] || !strcmp(status, "paused"))
		node_log(n, '#', "state: paused");
	else
		node_log(n, '#', "state: paused (QEMU: %s)", status);
}

void runstate_poll(struct node *n, uint64_t now)
{
	if (!n->pid)
		return;
	if (n->stop_check) {
		check_stop(n);
	} else if (!n->kvm_error && now - n->qemu_log_ms >= QEMU_LOG_EVERY_MS) {
		n->qemu_log_ms = now;
		scan_qemu_log(n);
	}
}

const char *runstate_name(struct node *n, const char *qemu_status)
{
	if (!n->kvm_error && !strcmp(qemu_status, "internal-error") &&
	    n->accel == ACCEL_KVM) {
		scan_qemu_log(n); /* for QEMU's own words, if they are there */
		mark_kvm_error(n, "QEMU stopped the VM with an internal error "
				  "under KVM");
	}
	return n->kvm_error ? "kvm-internal-error" : qemu_status;
}
