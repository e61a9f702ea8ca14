/* SPDX-License-Identifier: MIT */
/* PXE service; see dnsmasq.h. */
#include "dnsmasq.h"
#include "proc.h"
#include "text.h"
#include "util.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static int write_text(const char *path, const char *text, char *why, size_t len)
{
	if (write_file(path, text, strlen(text), 0644)) {
		snprintf(why, len, "cannot write %s: %s", path,
			 strerror(errno));
		return -1;
	}
	return 0;
}

int pxe_prepare(const struct cluster_paths *p, const struct cluster_config *cfg,
		char *why, size_t len)
{
	char tftp[PATH_MAX], path[PATH_MAX + 32], text[8192];

	cluster_file(p, "tftp", tftp, sizeof(tftp));
	if (mkdir(tftp, 0755) && errno != EEXIST) {
		snprintf(why, len, "cannot create %s: %s", tftp,
			 strerror(errno));
		return -1;
	}
	/* Copies, not links: a rebuild while the cluster runs must not
	 * change what a rebooting node loads halfway through. */
	snprintf(path, sizeof(path), "%s/kernel.bin", tftp);
	if (copy_file(cfg->kernel, path, 0644)) {
		snprintf(why, len, "cannot copy the kernel %s: %s", cfg->kernel,
			 strerror(errno));
		return -1;
	}
	snprintf(path, sizeof(path), "%s/boot.cpio", tftp);
	if (copy_file(cfg->archive, path, 0644)) {
		snprintf(why, len, "cannot copy the boot archive %s: %s",
			 cfg->archive, strerror(errno));
		return -1;
	}
	/* The symbols for `ukcluster gdb`, if the kernel has them beside it
	 * (kernel.bin -> kernel.elf), frozen with the image they describe. */
	char elf[CONFIG_PATH_MAX + 8];
	size_t klen = strlen(cfg->kernel);
	if (klen > 4 && !strcmp(cfg->kernel + klen - 4, ".bin")) {
		snprintf(elf, sizeof(elf), "%.*s.elf", (int)(klen - 4),
			 cfg->kernel);
		cluster_file(p, "kernel.elf", path, sizeof(path));
		if (path_exists(elf))
			copy_file(elf, path, 0644);
	}
	for (unsigned i = 1; i <= cfg->nodes; i++) {
		char cmdline[1024];
		config_node_cmdline(cfg, i, cmdline, sizeof(cmdline));
		snprintf(text, sizeof(text),
			 "#!ipxe\n"
			 "# Node %u of cluster %s, written by ukcluster.\n"
			 ":boot\n"
			 "kernel kernel.bin %s || goto retry\n"
			 "module boot.cpio || goto retry\n"
			 "boot || goto retry\n"
			 ":retry\n"
			 "echo ukcluster: loading failed, retrying in 2 s\n"
			 "sleep 2\n"
			 "goto boot\n",
			 i, p->name, cmdline);
		snprintf(path, sizeof(path), "%s/node%u.ipxe", tftp, i);
		if (write_text(path, text, why, len))
			return -1;
	}

	char leases[PATH_MAX], log[PATH_MAX];
	cluster_file(p, "dnsmasq.leases", leases, sizeof(leases));
	cluster_file(p, "dnsmasq.log", log, sizeof(log));
	/* DNS off, DHCP and TFTP on the bridge only, fixed addresses by
	 * MAC. Option 175.176 ("no-pxedhcp") tells iPXE not to wait for a
	 * ProxyDHCP answer that never comes; that saves ~2 s per boot. */
	snprintf(text, sizeof(text),
		 "# dnsmasq for cluster %s, written by ukcluster.\n"
		 "port=0\n"
		 "interface=" CLUSTER_BRIDGE "\n"
		 "bind-interfaces\n"
		 "no-resolv\n"
		 "no-hosts\n"

		 "dhcp-leasefile=%s\n"
		 "log-facility=%s\n"
		 "log-dhcp\n"
		 "dhcp-authoritative\n"
		 "dhcp-range=10.77.0.0,static,255.255.255.0,1h\n"
		 "dhcp-option=encap:175,176,1b\n"
		 "enable-ra\n"
		 "dhcp-range=fd77::,ra-only,64\n"
		 "enable-tftp\n"
		 "tftp-root=%s\n",
		 p->name, leases, log, tftp);
	for (unsigned i = 1; i <= cfg->nodes; i++) {
		char mac[32], addr[32];
		node_mac(i, mac, sizeof(mac));
		node_address(i, addr, sizeof(addr));
		if (str_append(text, sizeof(text),
			       "dhcp-host=%s,set:node%u,%s,node%u\n"
			       "dhcp-boot=tag:node%u,node%u.ipxe\n",
			       mac, i, addr, i, i, i)) {
			snprintf(why, len, "dnsmasq configuration too long");
			return -1;
		}
	}
	cluster_file(p, "dnsmasq.conf", path, sizeof(path));
	return write_text(path, text, why, len);
}

pid_t dnsmasq_start(const struct cluster_paths *p, char *why, size_t len)
{
	char conf[PATH_MAX], log[PATH_MAX], out[PATH_MAX], program[512];
	struct spawn_opts o = SPAWN_OPTS_INIT;

	if (find_program("dnsmasq", program, sizeof(program))) {
		snprintf(
		    why, len,
		    "dnsmasq is not installed (Debian package dnsmasq-base)");
		return -1;
	}
	cluster_file(p, "dnsmasq.conf", conf, sizeof(conf));
	cluster_file(p, "dnsmasq.log", log, sizeof(log));
	cluster_file(p, "dnsmasq.out", out, sizeof(out));
	char conf_arg[PATH_MAX + 16];
	snprintf(conf_arg, sizeof(conf_arg), "--conf-file=%s", conf);
	/* --no-daemon, not --keep-in-foreground: it also keeps dnsmasq from
	 * switching user and group, which a rootless cluster's user namespace
	 * does not allow and which would clear the parent-death signal that
	 * makes dnsmasq die with the supervisor. */
	const char *argv[] = {program, "--no-daemon", conf_arg, NULL};
	o.output = out;
	o.die_with_parent = 1;
	pid_t pid = spawn(argv, &o);
	if (pid < 0) {
		snprintf(why, len, "cannot start dnsmasq: %s", strerror(errno));
		return -1;
	}
	/* It logs "TFTP root is ..." once its sockets are bound. */
	for (uint64_t deadline = mono_ms() + 5000; mono_ms() < deadline;) {
		int status;
		if (waitpid(pid, &status, WNOHANG) == pid) {
			char *text = read_file(out, NULL);
			snprintf(why, len, "dnsmasq exited at start: %s",
				 text && *text ? text : "(no message)");
			free(text);
			return -1;
		}
		char *text = read_file(log, NULL);
		int up = text && strstr(text, "TFTP root is");
		free(text);
		if (up)
			return pid;
		sleep_ms(20);
	}
	stop_child(pid, SIGKILL, 1000);
	snprintf(why, len, "dnsmasq did not start serving within 5 s (see %s)",
		 log);
	return -1;
}

static unsigned node_by_mac(const char *mac, unsigned nodes)
{
	for (unsigned i = 1; i <= nodes; i++) {
		char m[32];
		node_mac(i, m, sizeof(m));
		if (!strncmp(mac, m, strlen(m)))
			return i;
	}
	return 0;
}

static unsigned node_by_address(const char *addr, unsigned nodes)
{
	for (unsigned i = 1; i <= nodes; i++) {
		char a[32];
		node_address(i, a, sizeof(a));
		size_t n = strlen(a);
		if (!strncmp(addr, a, n) &&
		    (addr[n] == '\0' || addr[n] == ' ' || addr[n] == '\n'))
			return i;
	}
	return 0;
}

unsigned dnsmasq_event(const char *line, unsigned nodes, char *event,
		       size_t len)
{
	const char *s;

	/* "... DHCPDISCOVER(br0) 52:54:00:77:00:02 " */
	static const char discover[] = "DHCPDISCOVER(" CLUSTER_BRIDGE ") ";
	static const char ack[] = "DHCPACK(" CLUSTER_BRIDGE ") ";

	if ((s = strstr(line, discover))) {
		unsigned n = node_by_mac(s + sizeof(discover) - 1, nodes);
		if (n)
			snprintf(event, len, "pxe: DHCPDISCOVER");
		return n;
	}
	/* "... DHCPACK(br0) 10.77.0.12 52:54:00:77:00:02 node2" */
	if ((s = strstr(line, ack))) {
		const char *ip = s + sizeof(ack) - 1;
		const char *mac = strchr(ip, ' ');
		unsigned n = mac ? node_by_mac(mac + 1, nodes) : 0;
		if (n) {
			char addr[32];
			size_t k = (size_t)(mac - ip);
			snprintf(addr, sizeof(addr), "%.*s",
				 (int)(k < 31 ? k : 31), ip);
			snprintf(event, len, "pxe: DHCPACK %s", addr);
		}
		return n;
	}
	/* "dnsmasq-tftp[9]: sent /tmp/.../tftp/node2.ipxe to 10.77.0.12" */
	if ((s = strstr(line, "tftp[")) && (s = strstr(s, "]: "))) {
		const char *to = strstr(s, " to ");
		if (!to)
			return 0;
		unsigned n = node_by_address(to + 4, nodes);
		if (!n)
			return 0;
		const char *what = s + 3;
		if (!strncmp(what, "sent ", 5)) {
			const char *file = what + 5;
			const char *slash = NULL;
			for (const char *c = file; c < to; c++)
				if (*c == '/')
					slash = c;
			if (slash)
				file = slash + 1;
			snprintf(event, len, "pxe: tftp sent %.*s",
				 (int)(to - file), file);
		} else {
			snprintf(event, len, "pxe: tftp %.*s", (int)(to - what),
				 what);
		}
		return n;
	}
	/* "dnsmasq-tftp[9]: file /x not found for 10.77.0.12" */
	if ((s = strstr(line, "tftp[")) && strstr(s, "not found")) {
		const char *f = strstr(s, " for ");
		unsigned n = f ? node_by_address(f + 5, nodes) : 0;
		if (n)
			snprintf(event, len, "pxe: tftp error: %s",
				 strstr(s, "]: ") ? strstr(s, "]: ") + 3 : s);
		return n;
	}
	return 0;
}
