/* SPDX-License-Identifier: MIT */
/*
 * The supervisor's life: set the cluster up (namespace, bridge, probes,
 * nftables table, PXE service, QEMUs), tell `up` it is ready, run the poll
 * loop, and on `down`, a signal, or the death of its owner tear everything
 * down and remove the state directory. Its children are started with
 * PDEATHSIG, so even a crashed supervisor leaves no QEMU or dnsmasq running;
 * `down` then removes what remains (see state.c).
 */
#include "super.h"
#include "dnsmasq.h"
#include "netns.h"
#include "proc.h"
#include "qemu.h"
#include "supervisor.h"
#include "text.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TICK_MS 100
#define QEMU_CONNECT_MS 15000

/* The supervisor's own diagnostics go to DIR/supervisor.log (stderr). */
void log_super(const char *fmt, ...)
{
	char stamp[16];
	va_list ap;

	wall_stamp(stamp, sizeof(stamp));
	fprintf(stderr, "%s ", stamp);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
}

static int accept_one(int listen_fd, pid_t pid, uint64_t deadline)
{
	for (;;) {
		uint64_t now = mono_ms();
		int status;
		if (now >= deadline)
			return -1;
		if (pid > 0 && waitpid(pid, &status, WNOHANG) == pid) {
			errno = ECHILD;
			return -2;
		}
		struct pollfd pfd = {listen_fd, POLLIN, 0};
		int r = poll(&pfd, 1, 50);
		if (r > 0)
			return accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
	}
}

/* The last lines of a file, for error messages. */
static void file_tail(const char *path, char *buf, size_t len)
{
	char *text = read_file(path, NULL);

	buf[0] = '\0';
	if (!text)
		return;
	size_t n = strlen(text);
	while (n && text[n - 1] == '\n')
		text[--n] = '\0';
	const char *start = n > len - 1 ? text + n - (len - 1) : text;
	str_copy(buf, start, len);
	for (char *c = buf; *c; c++)
		if (*c == '\n')
			*c = ' ';
	free(text);
}

int super_power_on(struct super *s, struct node *n, char *why, size_t len)
{
	static struct qemu_command cmd;
	struct spawn_opts o = SPAWN_OPTS_INIT;
	char out[PATH_MAX];

	if (n->pid) {
		snprintf(why, len, "node %u is already on", n->id);
		return -1;
	}
	/* A node's disk is a private copy of the image, made on first power
	 * on and kept across reboots (what the node wrote stays). */
	if (strcmp(s->cfg.disk, "none") && s->cfg.disk[0]) {
		char disk[PATH_MAX];
		node_file(&s->paths, n->id, "disk.img", disk, sizeof(disk));
		if (access(disk, R_OK) && copy_file(s->cfg.disk, disk, 0600)) {
			snprintf(why, len, "cannot copy the disk image %s to %s: %s "
				 "(build it with cmake --build build, or say "
				 "\"disk none\" in the configuration)",
				 s->cfg.disk, disk, strerror(errno));
			return -1;
		}
	}
	runstate_power_on(n);
	qemu_command_build(&cmd, &s->paths, &s->cfg, n->id, n->accel);
	node_file(&s->paths, n->id, "qemu.log", out, sizeof(out));
	o.output = out;
	o.die_with_parent = 1;
	n->killed = 0;
	n->guest_shutdown = 0;
	n->paused = 0;
	n->link_up = 1;
	n->pid = spawn(cmd.argv, &o);
	if (n->pid < 0) {
		n->pid = 0;
		snprintf(why, len, "cannot start QEMU: %s", strerror(errno));
		return -1;
	}
	uint64_t deadline = mono_ms() + QEMU_CONNECT_MS;
	int serial = accept_one(n->serial_listen, n->pid, deadline);
	int qmp =
	    serial >= 0 ? accept_one(n->qmp_listen, n->pid, deadline) : -1;
	if (serial < 0 || qmp < 0) {
		char tail[300];
		int exited = serial == -2 || qmp == -2;
		if (!exited)
			stop_child(n->pid, SIGKILL, 1000);
		n->pid = 0;
		if (serial >= 0)
			close(serial);
		file_tail(out, tail, sizeof(tail));
		snprintf(why, len, "QEMU for node %u %s: %s", n->id,
			 exited ? "exited at start" : "did not connect in time",
			 tail[0] ? tail : "(no message)");
		return -1;
	}
	set_nonblock(serial);
	n->serial_fd = serial;
	n->qmp.on_event = node_qmp_event;
	n->qmp.ctx = n;
	if (qmp_attach(&n->qmp, qmp, 5000, why, len)) {
		close(qmp);
		n->qmp.fd = -1;
		super_power_off(s, n, "QMP failed");
		return -1;
	}
	node_boot(n, "power on");
	log_super("node %u: QEMU pid %d (%s)", n->id, (int)n->pid,
		  accel_name(n->accel));
	return 0;
}

static void node_exited(struct super *s, struct node *n, int status)
{
	char how[160];

	(void)s;
	if (n->killed)
		snprintf(how, sizeof(how), "power: off (%s)",
			 n->killed == 2 ? "cluster down" : "killed by host");
	else if (n->guest_shutdown)
		snprintf(how, sizeof(how), "power: off (the guest shut down)");
	else if (WIFSIGNALED(status))
		snprintf(how, sizeof(how),
			 "power: off (QEMU died from signal %d; see "
			 "node%u.qemu.log)",
			 WTERMSIG(status), n->id);
	else
		snprintf(how, sizeof(how),
			 "power: off (QEMU exited with status %d; see "
			 "node%u.qemu.log)",
			 WEXITSTATUS(status), n->id);
	/* What the guest printed last still belongs in the log. */
	if (n->serial_fd >= 0) {
		unsigned char buf[4096];
		ssize_t r;
		while ((r = read(n->serial_fd, buf, sizeof(buf))) > 0)
			node_serial_in(n, buf, (size_t)r);
		close(n->serial_fd);
		n->serial_fd = -1;
	}
	if (n->line_len)
		node_flush_idle(n, n->line_ms + 1000000);
	qmp_close(&n->qmp);
	n->pid = 0;
	n->paused = 0;
	n->stage = "off";
	node_log(n, '#', "%s", how);
	log_super("node %u: %s", n->id, how);
}

void super_power_off(struct super *s, struct node *n, const char *reason)
{
	int status = 0;

	if (!n->pid)
		return;
	n->killed = s->stopping ? 2 : 1;
	status = stop_child(n->pid, SIGKILL, 5000);
	log_super("node %u: powered off (%s)", n->id, reason);
	node_exited(s, n, status);
}

int super_apply_faults(struct super *s, char *why, size_t len)
{
	static char rules[65536];
	const char *argv[] = {"nft", "-f", "-", NULL};
	char out[1024];

	if (faults_ruleset(&s->faults, rules, sizeof(rules))) {
		snprintf(why, len, "too many rules");
		return -1;
	}
	int rc = run_command(argv, rules, -1, out, sizeof(out));
	if (rc) {
		snprintf(why, len,
			 "nft failed (exit %d): %s (the kernel needs nftables "
			 "with the bridge family and numgen)",
			 rc, out);
		return -1;
	}
	return 0;
}

static void reap_children(struct super *s)
{
	int status;

	for (unsigned i = 0; i < s->cfg.nodes; i++) {
		struct node *n = &s->nodes[i];
		if (n->pid && waitpid(n->pid, &status, WNOHANG) == n->pid)
			node_exited(s, n, status);
	}
	for (unsigned i = 1; i <= s->cfg.probes; i++) {
		pid_t p = s->info.probe_pid[i];
		if (p && waitpid(p, &status, WNOHANG) == p) {
			log_super("probe p%u: holder exited", i);
			s->info.probe_pid[i] = 0;
		}
	}
	if (s->dnsmasq && waitpid(s->dnsmasq, &status, WNOHANG) == s->dnsmasq) {
		char why[256];
		log_super("dnsmasq exited (status %d)", status);
		s->dnsmasq = 0;
		if (!s->stopping && s->dnsmasq_restarts++ < 3) {
			s->dnsmasq = dnsmasq_start(&s->paths, why, sizeof(why));
			if (s->dnsmasq < 0) {
				s->dnsmasq = 0;
				log_super("cannot restart dnsmasq: %s", why);
			}
		}
	}
}

/* New lines of dnsmasq's log become PXE events in the node logs. */
static void tail_dnsmasq(struct super *s)
{
	char path[PATH_MAX], buf[8192];

	cluster_file(&s->paths, "dnsmasq.log", path, sizeof(path));
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	struct stat st;
	if (fstat(fd, &st) == 0 && st.st_size < s->dnsmasq_off)
		s->dnsmasq_off = 0; /* replaced by a restarted dnsmasq */
	for (;;) {
		ssize_t r = pread(fd, buf, sizeof(buf), s->dnsmasq_off);
		if (r <= 0)
			break;
		s->dnsmasq_off += r;
		for (ssize_t i = 0; i < r; i++) {
			if (buf[i] != '\n') {
				if (s->dnsmasq_plen + 1 <
				    sizeof(s->dnsmasq_partial))
					s->dnsmasq_partial[s->dnsmasq_plen++] =
					    buf[i];
				continue;
			}
			s->dnsmasq_partial[s->dnsmasq_plen] = '\0';
			s->dnsmasq_plen = 0;
			char event[256];
			unsigned node =
			    dnsmasq_event(s->dnsmasq_partial, s->cfg.nodes,
					  event, sizeof(event));
			if (node) {
				struct node *n = &s->nodes[node - 1];
				if (!strcmp(n->stage, "firmware"))
					n->stage = "pxe";
				node_log(n, '#', "%s", event);
			}
		}
	}
	close(fd);
}

static void close_client(struct client *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->len = 0;
	c->console = 0;
}

static void client_input(struct super *s, struct client *c)
{
	char buf[4096];
	ssize_t r = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);

	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (r <= 0) {
		close_client(c);
		return;
	}
	if (c->console) {
		/* Keystrokes for the node's serial port. */
		struct node *n = &s->nodes[c->console - 1];
		if (n->serial_fd >= 0)
			write_all(n->serial_fd, buf, (size_t)r);
		return;
	}
	for (ssize_t i = 0; i < r; i++) {
		if (buf[i] != '\n') {
			if (c->len + 1 >= sizeof(c->in)) {
				dprintf(c->fd, "error: request too long\n");
				close_client(c);
				return;
			}
			c->in[c->len++] = buf[i];
			continue;
		}
		c->in[c->len] = '\0';
		c->len = 0;
		if (!control_request(s, c, c->in)) {
			if (c->fd != s->down_client)
				close_client(c);
			else
				c->fd = -1; /* answered after the teardown */
			return;
		}
		/* A console: the rest of the buffer is keystrokes. */
		if (c->console && i + 1 < r) {
			struct node *n = &s->nodes[c->console - 1];
			if (n->serial_fd >= 0)
				write_all(n->serial_fd, buf + i + 1,
					  (size_t)(r - i - 1));
			return;
		}
	}
}

static void accept_client(struct super *s)
{
	int fd = accept4(s->control_fd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return;
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (s->clients[i].fd < 0) {
			s->clients[i].fd = fd;
			s->clients[i].len = 0;
			s->clients[i].console = 0;
			return;
		}
	dprintf(fd, "error: too many clients\n");
	close(fd);
}

static void handle_signals(struct super *s)
{
	struct signalfd_siginfo si;

	while (read(s->sigfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGCHLD) {
			reap_children(s);
		} else {
			log_super("signal %u: stopping", si.ssi_signo);
			s->stopping = 1;
		}
	}
}

static void loop(struct super *s)
{
	struct pollfd pfd[8 + 2 * CLUSTER_MAX_NODES + MAX_CLIENTS];
	enum { P_SIG, P_CONTROL, P_OWNER, P_PCAP, P_FIRST };

	while (!s->stopping) {
		int n = P_FIRST;
		pfd[P_SIG] = (struct pollfd){s->sigfd, POLLIN, 0};
		pfd[P_CONTROL] = (struct pollfd){s->control_fd, POLLIN, 0};
		pfd[P_OWNER] = (struct pollfd){s->owner_fd, POLLIN, 0};
		pfd[P_PCAP] = (struct pollfd){s->pcap.sock, POLLIN, 0};
		for (unsigned i = 0; i < s->cfg.nodes; i++) {
			pfd[n++] =
			    (struct pollfd){s->nodes[i].serial_fd, POLLIN, 0};
			pfd[n++] =
			    (struct pollfd){s->nodes[i].qmp.fd, POLLIN, 0};
		}
		int first_client = n;
		for (int i = 0; i < MAX_CLIENTS; i++)
			pfd[n++] = (struct pollfd){s->clients[i].fd, POLLIN, 0};
		int r = poll(pfd, (nfds_t)n, TICK_MS);
		if (r < 0 && errno != EINTR) {
			log_super("poll: %s", strerror(errno));
			s->stopping = 1;
			break;
		}
		if (pfd[P_SIG].revents)
			handle_signals(s);
		if (pfd[P_OWNER].revents) {
			log_super("the owning process exited: stopping");
			s->stopping = 1;
		}
		/* PXE events first: they happened before what the node
		 * prints once it has booted. */
		tail_dnsmasq(s);
		if (pfd[P_PCAP].revents & POLLIN)
			pcap_poll_in(&s->pcap);
		for (unsigned i = 0; i < s->cfg.nodes; i++) {
			struct node *nd = &s->nodes[i];
			short sr = pfd[P_FIRST + 2 * i].revents;
			short qr = pfd[P_FIRST + 2 * i + 1].revents;
			if (sr && nd->serial_fd >= 0) {
				unsigned char buf[4096];
				ssize_t got =
				    read(nd->serial_fd, buf, sizeof(buf));
				if (got > 0) {
					node_serial_in(nd, buf, (size_t)got);
				} else if (got == 0 || (errno != EAGAIN &&
							errno != EINTR)) {
					close(nd->serial_fd);
					nd->serial_fd = -1;
				}
			}
			if (qr && nd->qmp.fd >= 0 && qmp_poll_in(&nd->qmp))
				qmp_close(&nd->qmp);
		}
		for (int i = 0; i < MAX_CLIENTS; i++)
			if (pfd[first_client + i].revents &&
			    s->clients[i].fd == pfd[first_client + i].fd)
				client_input(s, &s->clients[i]);
		if (pfd[P_CONTROL].revents & POLLIN)
			accept_client(s);
		uint64_t now = mono_ms();
		for (unsigned i = 0; i < s->cfg.nodes; i++) {
			node_flush_idle(&s->nodes[i], now);
			runstate_poll(&s->nodes[i], now);
		}
	}
}

static void save_logs(struct super *s)
{
	char src[PATH_MAX], dst[PATH_MAX + 64];
	static const char *const extra[] = {"dnsmasq.log", "supervisor.log",
					    "cluster.conf", "accel"};

	if (!s->save_logs[0] || mkdir_p(s->save_logs, 0755))
		return;
	for (unsigned i = 1; i <= s->cfg.nodes; i++) {
		static const char *const kinds[] = {"log", "qemu.log"};
		for (int k = 0; k < 2; k++) {
			node_file(&s->paths, i, kinds[k], src, sizeof(src));
			snprintf(dst, sizeof(dst), "%s/node%u.%s", s->save_logs,
				 i, kinds[k]);
			copy_file(src, dst, 0644);
		}
	}
	for (size_t k = 0; k < sizeof(extra) / sizeof(extra[0]); k++) {
		cluster_file(&s->paths, extra[k], src, sizeof(src));
		snprintf(dst, sizeof(dst), "%s/%s", s->save_logs, extra[k]);
		copy_file(src, dst, 0644);
	}
}

/* The nodes' disks (nodeN.disk.img), once their QEMUs are gone, for a
 * check from the host after the run (`down --save-disks DIR`). */
static void save_disks(struct super *s)
{
	char src[PATH_MAX], dst[PATH_MAX + 64];

	if (!s->save_disks[0] || mkdir_p(s->save_disks, 0755))
		return;
	for (unsigned i = 1; i <= s->cfg.nodes; i++) {
		node_file(&s->paths, i, "disk.img", src, sizeof(src));
		snprintf(dst, sizeof(dst), "%s/node%u.disk.img", s->save_disks,
			 i);
		if (path_exists(src) && copy_file(src, dst, 0644))
			log_super("cannot save %s to %s: %s", src, dst,
				  strerror(errno));
	}
}

/* Stop everything and remove the state directory. Safe after a partial
 * setup: every step checks what exists. */
static void teardown(struct super *s)
{
	char out[512];

	s->stopping = 1;
	for (unsigned i = 0; s->nodes && i < s->cfg.nodes; i++)
		super_power_off(s, &s->nodes[i], "cluster down");
	for (unsigned i = 1; i <= CLUSTER_MAX_PROBES; i++)
		if (s->info.probe_pid[i])
			stop_child(s->info.probe_pid[i], SIGKILL, 1000);
	if (s->dnsmasq)
		stop_child(s->dnsmasq, SIGTERM, 2000);
	s->dnsmasq = 0;
	log_super("teardown: processes stopped");
	if (s->pcap.sock >= 0) {
		pcap_poll_in(&s->pcap);
		log_super("capture: %llu frames", s->pcap.packets);
	}
	pcap_stop(&s->pcap);
	save_logs(s);
	save_disks(s);
	if (!s->info.rootless) {
		const char *argv[] = {"ip", "netns", "delete", s->paths.netns,
				      NULL};
		if (run_command(argv, NULL, -1, out, sizeof(out)))
			log_super("ip netns delete: %s", out);
		log_super("teardown: namespace %s deleted", s->paths.netns);
	}
	if (rm_rf(s->paths.dir))
		log_super("cannot remove %s: %s", s->paths.dir,
			  strerror(errno));
	rmdir(s->paths.root);
}

static int open_listeners(struct super *s, char *why, size_t len)
{
	char path[PATH_MAX];

	for (unsigned i = 0; i < s->cfg.nodes; i++) {
		struct node *n = &s->nodes[i];
		node_file(&s->paths, n->id, "serial", path, sizeof(path));
		n->serial_listen = unix_listen(path);
		node_file(&s->paths, n->id, "qmp", path, sizeof(path));
		n->qmp_listen = unix_listen(path);
		node_file(&s->paths, n->id, "log", path, sizeof(path));
		n->log_fd =
		    open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		if (n->serial_listen < 0 || n->qmp_listen < 0 ||
		    n->log_fd < 0) {
			snprintf(why, len, "node %u sockets: %s", n->id,
				 strerror(errno));
			return -1;
		}
	}
	cluster_file(&s->paths, "control", path, sizeof(path));
	s->control_fd = unix_listen(path);
	if (s->control_fd < 0) {
		snprintf(why, len, "control socket %s: %s", path,
			 strerror(errno));
		return -1;
	}
	return 0;
}

static int setup(struct super *s, int pcap_fd, char *why, size_t len)
{
	char path[PATH_MAX];

	if (netns_create(&s->paths, s->info.rootless, why, len) ||
	    netns_setup_bridge(s->cfg.nodes, why, len))
		return -1;
	for (unsigned i = 1; i <= s->cfg.probes; i++) {
		pid_t p = netns_start_probe(i, why, len);
		if (p < 0)
			return -1;
		s->info.probe_pid[i] = p;
	}
	if (super_apply_faults(s, why, len))
		return -1;
	if (pcap_fd >= 0 &&
	    pcap_start(&s->pcap, pcap_fd, CLUSTER_BRIDGE, why, len))
		return -1;
	if (pxe_prepare(&s->paths, &s->cfg, why, len))
		return -1;
	s->dnsmasq = dnsmasq_start(&s->paths, why, len);
	if (s->dnsmasq < 0) {
		s->dnsmasq = 0;
		return -1;
	}
	if (open_listeners(s, why, len))
		return -1;
	cluster_file(&s->paths, "supervisor.pid", path, sizeof(path));
	char pid[32];
	snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	write_file(path, pid, strlen(pid), 0644);
	for (unsigned i = 0; i < s->cfg.nodes; i++)
		if (super_power_on(s, &s->nodes[i], why, len))
			return -1;
	s->info.supervisor = getpid();
	s->info.nodes = s->cfg.nodes;
	s->info.probes = s->cfg.probes;
	if (!s->info.rootless)
		str_copy(s->info.netns, s->paths.netns, sizeof(s->info.netns));
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	s->info.started_unix_ms = (unsigned long long)ts.tv_sec * 1000 +
				  (unsigned long long)ts.tv_nsec / 1000000;
	if (cluster_info_write(&s->paths, &s->info)) {
		snprintf(why, len, "cannot write the info file: %s",
			 strerror(errno));
		return -1;
	}
	return 0;
}

static int load_config(struct super *s, char *why, size_t len)
{
	char path[PATH_MAX];
	struct config_error err;
	size_t n;

	cluster_file(&s->paths, "cluster.conf", path, sizeof(path));
	char *text = read_file(path, &n);
	if (!text) {
		snprintf(why, len, "cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	int rc = config_parse(text, n, &s->cfg, &err);
	free(text);
	if (rc) {
		snprintf(why, len, "%s:%d: %s", path, err.line, err.message);
		return -1;
	}
	/* Chosen by `up`, never here: every node and restart uses it. */
	if (accel_choice_read(&s->paths, &s->accel)) {
		cluster_file(&s->paths, "accel", path, sizeof(path));
		snprintf(why, len,
			 "no accelerator was chosen (%s is missing or "
			 "malformed); start clusters with ukcluster up",
			 path);
		return -1;
	}
	return 0;
}

static int pidfd_of(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

int supervisor_main(int argc, char **argv)
{
	static struct super s;
	char why[1024] = "";
	int ready_fd = -1, pcap_fd = -1;
	pid_t owner = 0;

	/* ukcluster __supervise NAME TAG [--owner PID] [--ready-fd FD]
	 *                        [--pcap-fd FD] [--t0 MS] */
	if (argc < 4)
		return 2;
	memset(&s, 0, sizeof(s));
	s.owner_fd = -1;
	s.down_client = -1;
	s.pcap.sock = -1;
	s.pcap.out = -1;
	s.control_fd = -1;
	s.t0 = mono_ms();
	for (int i = 0; i < MAX_CLIENTS; i++)
		s.clients[i].fd = -1;
	for (int i = 4; i + 1 < argc; i += 2) {
		unsigned v = 0;
		if (!strcmp(argv[i], "--t0")) {
			s.t0 = strtoull(argv[i + 1], NULL, 10);
			continue;
		}
		if (!strcmp(argv[i + 1], "-1"))
			continue;
		if (parse_uint(argv[i + 1], 0, 0x7fffffff, &v))
			return 2;
		if (!strcmp(argv[i], "--owner"))
			owner = (pid_t)v;
		else if (!strcmp(argv[i], "--ready-fd"))
			ready_fd = (int)v;
		else if (!strcmp(argv[i], "--pcap-fd"))
			pcap_fd = (int)v;
	}
	if (cluster_paths_init(argv[2], &s.paths) ||
	    strcmp(s.paths.tag, argv[3]))
		return 2;
	s.info.rootless = geteuid() != 0;

	signal(SIGPIPE, SIG_IGN);
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	s.sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (owner > 0) {
		s.owner_fd = pidfd_of(owner);
		if (s.owner_fd < 0 && !process_alive(owner))
			s.stopping = 1;
	}

	int rc = 0;
	if (load_config(&s, why, sizeof(why))) {
		rc = 1;
	} else {
		s.nodes = calloc(s.cfg.nodes, sizeof(*s.nodes));
		for (unsigned i = 0; s.nodes && i < s.cfg.nodes; i++) {
			struct node *n = &s.nodes[i];
			n->s = &s;
			n->id = i + 1;
			n->serial_listen = n->serial_fd = n->qmp_listen = -1;
			n->log_fd = -1;
			n->qmp.fd = -1;
			n->stage = "off";
			n->console_bol = 1;
		}
		if (!s.nodes) {
			snprintf(why, sizeof(why), "out of memory");
			rc = 1;
		} else if (setup(&s, pcap_fd, why, sizeof(why))) {
			rc = 1;
		}
	}
	if (rc) {
		log_super("setup failed: %s", why);
		teardown(&s);
		if (ready_fd >= 0)
			dprintf(ready_fd, "error: %s\n", why);
		return 1;
	}
	char how[600];
	log_super("cluster %s up: %u nodes, %u probes, %s, accel %s",
		  s.paths.name, s.cfg.nodes, s.cfg.probes,
		  s.info.rootless ? "rootless" : "root",
		  accel_choice_describe(&s.accel, how, sizeof(how)));
	if (ready_fd >= 0) {
		dprintf(ready_fd, "ready\n");
		close(ready_fd);
	}
	loop(&s);
	teardown(&s);
	log_super("cluster %s down", s.paths.name);
	if (s.down_client >= 0) {
		dprintf(s.down_client, "ok cluster %s stopped\n", s.paths.name);
		close(s.down_client);
	}
	return 0;
}
