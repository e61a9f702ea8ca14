/* SPDX-License-Identifier: MIT */
/* The cluster's network namespace; see netns.h. Links are made with ip(8)
 * from iproute2 in batch mode, one call per step. */
#include "netns.h"
#include "proc.h"
#include "text.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

static int read_sysctl(const char *path, long *value)
{
	char *text = read_file(path, NULL);

	if (!text)
		return -1;
	*value = strtol(text, NULL, 10);
	free(text);
	return 0;
}

int netns_preflight(char *why, size_t len)
{
	static const struct {
		const char *program, *package;
	} programs[] = {
	    {"qemu-system-x86_64", "qemu-system-x86"},
	    {"dnsmasq", "dnsmasq-base"},
	    {"ip", "iproute2"},
	    {"nft", "nftables"},
	};
	char path[512];
	long v;

	for (size_t i = 0; i < sizeof(programs) / sizeof(programs[0]); i++)
		if (find_program(programs[i].program, path, sizeof(path))) {
			snprintf(why, len,
				 "%s is not installed (Debian package %s; run "
				 "cluster/install-deps)",
				 programs[i].program, programs[i].package);
			return -1;
		}
	if (!path_exists("/usr/share/qemu/efi-virtio.rom") &&
	    !path_exists("/usr/lib/ipxe/qemu/efi-virtio.rom")) {
		snprintf(why, len,
			 "QEMU's iPXE ROM efi-virtio.rom is missing (Debian "
			 "package ipxe-qemu; run cluster/install-deps)");
		return -1;
	}
	if (access("/dev/net/tun", F_OK)) {
		snprintf(why, len,
			 "/dev/net/tun does not exist: the kernel needs the "
			 "tun module (modprobe tun) to give nodes taps");
		return -1;
	}
	if (access("/dev/net/tun", R_OK | W_OK)) {
		struct stat st;
		stat("/dev/net/tun", &st);
		snprintf(
		    why, len,
		    "/dev/net/tun is not readable and writable by uid %u (mode "
		    "%03o, owner uid %u): QEMU cannot open the node taps. Run "
		    "as root, or have root run: chmod 0666 /dev/net/tun",
		    (unsigned)getuid(), (unsigned)(st.st_mode & 0777),
		    (unsigned)st.st_uid);
		return -1;
	}
	if (geteuid() == 0)
		return 0;
	if (!read_sysctl("/proc/sys/user/max_user_namespaces", &v) && v == 0) {
		snprintf(why, len,
			 "user namespaces are disabled "
			 "(user.max_user_namespaces = 0); run as root, or have "
			 "root run: sysctl -w user.max_user_namespaces=10000");
		return -1;
	}
	if (!read_sysctl("/proc/sys/kernel/unprivileged_userns_clone", &v) &&
	    v == 0) {
		snprintf(why, len,
			 "unprivileged user namespaces are disabled "
			 "(kernel.unprivileged_userns_clone = 0); run as root, "
			 "or have root run: sysctl -w "
			 "kernel.unprivileged_userns_clone=1");
		return -1;
	}
	if (!read_sysctl(
		"/proc/sys/kernel/apparmor_restrict_unprivileged_userns", &v) &&
	    v != 0) {
		snprintf(why, len,
			 "AppArmor restricts unprivileged user namespaces "
			 "(kernel.apparmor_restrict_unprivileged_userns = 1); "
			 "run as root, or have root run: sysctl -w "
			 "kernel.apparmor_restrict_unprivileged_userns=0");
		return -1;
	}
	return 0;
}

static int write_proc(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	int rc;

	if (fd < 0)
		return -1;
	rc = write_all(fd, text, strlen(text));
	close(fd);
	return rc;
}

static int run_ip(const char *batch, int netns_fd, const char *what, char *why,
		  size_t len)
{
	const char *argv[] = {"ip", "-batch", "-", NULL};
	char out[1024];
	int rc = run_command(argv, batch, netns_fd, out, sizeof(out));

	if (rc) {
		snprintf(why, len, "%s failed (ip exit %d): %s", what, rc, out);
		return -1;
	}
	return 0;
}

int netns_create(const struct cluster_paths *p, int rootless, char *why,
		 size_t len)
{
	char out[512], path[PATH_MAX];

	if (rootless) {
		uid_t uid = getuid();
		gid_t gid = getgid();
		char map[64];
		if (unshare(CLONE_NEWUSER | CLONE_NEWNET)) {
			snprintf(why, len,
				 "cannot create a user and network namespace: "
				 "%s (unprivileged user namespaces are not "
				 "allowed here; run as root)",
				 strerror(errno));
			return -1;
		}
		/* Map ourselves to root inside: full rights over the new
		 * network namespace, none outside it. */
		snprintf(map, sizeof(map), "0 %u 1\n", (unsigned)uid);
		if (write_proc("/proc/self/setgroups", "deny\n") ||
		    write_proc("/proc/self/uid_map", map)) {
			snprintf(
			    why, len,
			    "cannot write the user namespace's uid map: %s",
			    strerror(errno));
			return -1;
		}
		snprintf(map, sizeof(map), "0 %u 1\n", (unsigned)gid);
		if (write_proc("/proc/self/gid_map", map)) {
			snprintf(
			    why, len,
			    "cannot write the user namespace's gid map: %s",
			    strerror(errno));
			return -1;
		}
		return 0;
	}
	snprintf(path, sizeof(path), "/run/netns/%s", p->netns);
	if (path_exists(path)) {
		const char *del[] = {"ip", "netns", "delete", p->netns, NULL};
		run_command(del, NULL, -1, out, sizeof(out));
	}
	const char *add[] = {"ip", "netns", "add", p->netns, NULL};
	if (run_command(add, NULL, -1, out, sizeof(out))) {
		snprintf(why, len, "ip netns add %s failed: %s", p->netns, out);
		return -1;
	}
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNET)) {
		snprintf(why, len, "cannot enter network namespace %s: %s",
			 p->netns, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

int netns_setup_bridge(unsigned nodes, char *why, size_t len)
{
	char batch[16384];

	/* No STP and no forwarding delay: a port forwards the moment QEMU
	 * opens its tap, so iPXE's first DHCP discover is not lost. The
	 * IPv6 address lets dnsmasq send router advertisements, which end
	 * iPXE's IPv6 autoconfiguration at once instead of after a timeout. */
	snprintf(batch, sizeof(batch),
		 "link set lo up\n"
		 "link add " CLUSTER_BRIDGE
		 " type bridge stp_state 0 forward_delay 0\n"
		 "addr add " CLUSTER_HOST_ADDR "/%d dev " CLUSTER_BRIDGE "\n"
		 "addr add " CLUSTER_HOST_ADDR6 "/64 dev " CLUSTER_BRIDGE
		 " nodad\n"
		 "link set " CLUSTER_BRIDGE " up\n",
		 CLUSTER_PREFIX_LEN);
	for (unsigned i = 1; i <= nodes; i++) {
		char tap[16];
		node_tap(i, tap, sizeof(tap));
		if (str_append(batch, sizeof(batch),
			       "tuntap add dev %s mode tap\n"
			       "link set %s master " CLUSTER_BRIDGE " up\n",
			       tap, tap)) {
			snprintf(why, len, "too many nodes for one ip batch");
			return -1;
		}
	}
	return run_ip(batch, -1, "creating the bridge and taps", why, len);
}

pid_t netns_start_probe(unsigned probe, char *why, size_t len)
{
	int ready[2];
	char c, batch[1024], port[16], addr[32], mac[32], nspath[64];
	pid_t parent = getpid();

	if (pipe2(ready, O_CLOEXEC)) {
		snprintf(why, len, "pipe: %s", strerror(errno));
		return -1;
	}
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(why, len, "fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		/* The holder: its only job is to keep the namespace alive
		 * while the supervisor lives. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(1);
		close(ready[0]);
		c = unshare(CLONE_NEWNET) ? 'E' : 'R';
		write_all(ready[1], &c, 1);
		close(ready[1]);
		if (close_range(0, ~0U, 0))
			for (int fd = 0; fd < 1024; fd++)
				close(fd);
		sigset_t all;
		sigfillset(&all);
		sigdelset(&all, SIGKILL);
		sigdelset(&all, SIGTERM);
		sigprocmask(SIG_SETMASK, &all, NULL);
		signal(SIGTERM, SIG_DFL);
		for (;;)
			pause();
	}
	close(ready[1]);
	if (read(ready[0], &c, 1) != 1 || c != 'R') {
		close(ready[0]);
		stop_child(pid, SIGKILL, 1000);
		snprintf(why, len,
			 "probe p%u: cannot create its network namespace",
			 probe);
		return -1;
	}
	close(ready[0]);
	probe_port(probe, port, sizeof(port));
	probe_address(probe, addr, sizeof(addr));
	probe_mac(probe, mac, sizeof(mac));
	snprintf(batch, sizeof(batch),
		 "link add %s type veth peer name eth0 netns %d\n"
		 "link set %s master " CLUSTER_BRIDGE " up\n",
		 port, (int)pid, port);
	if (run_ip(batch, -1, "creating a probe port", why, len))
		goto fail;
	snprintf(nspath, sizeof(nspath), "/proc/%d/ns/net", (int)pid);
	int nsfd = open(nspath, O_RDONLY | O_CLOEXEC);
	if (nsfd < 0) {
		snprintf(why, len, "open %s: %s", nspath, strerror(errno));
		goto fail;
	}
	snprintf(batch, sizeof(batch),
		 "link set lo up\n"
		 "link set eth0 address %s\n"
		 "addr add %s/%d dev eth0\n"
		 "link set eth0 up\n",
		 mac, addr, CLUSTER_PREFIX_LEN);
	int rc = run_ip(batch, nsfd, "configuring a probe", why, len);
	close(nsfd);
	if (rc)
		goto fail;
	return pid;
fail:
	stop_child(pid, SIGKILL, 1000);
	return -1;
}

static int enter(pid_t pid, const char *ns, int type, char *why, size_t len)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, ns);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, type)) {
		snprintf(why, len, "cannot enter %s: %s", path,
			 strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

int netns_enter(const struct cluster_info *info, pid_t probe_pid, char *why,
		size_t len)
{
	if (info->rootless &&
	    enter(info->supervisor, "user", CLONE_NEWUSER, why, len))
		return -1;
	return enter(probe_pid > 0 ? probe_pid : info->supervisor, "net",
		     CLONE_NEWNET, why, len);
}
