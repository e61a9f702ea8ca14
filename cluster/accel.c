/* SPDX-License-Identifier: MIT */
/*
 * The accelerator probe and its cache; see accel.h. The probe is a real
 * boot of this project's kernel, because the failures seen on nested hosts
 * (emulation failures in firmware, bogus page faults at the syscall entry)
 * only show when a real guest runs. A probe guest that hangs, crashes,
 * reports a KVM internal error or never starts is a "no", with the first
 * line that says why.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "accel.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TINY_LINE "uk-kvm-probe: the guest ran"
#define KERNEL_LINE "hello: kvm-probe"
#define KERNEL_APPEND "node=1 loglevel=1 test=hello:kvm-probe"
#ifdef UK_BUILD_DIR
#define DEFAULT_PROBE_IMAGE UK_BUILD_DIR "/boot/kvmprobe.bin"
#else
#define DEFAULT_PROBE_IMAGE "build/boot/kvmprobe.bin"
#endif
#define CACHE_VERSION "uk-accel-cache 1"

int accel_parse(const char *text, enum accel_kind *kind)
{
	if (!text)
		return -1;
	if (!strcmp(text, "auto"))
		*kind = ACCEL_AUTO;
	else if (!strcmp(text, "kvm"))
		*kind = ACCEL_KVM;
	else if (!strcmp(text, "tcg"))
		*kind = ACCEL_TCG;
	else
		return -1;
	return 0;
}

const char *accel_name(enum accel_kind kind)
{
	switch (kind) {
	case ACCEL_KVM: return "kvm";
	case ACCEL_TCG: return "tcg";
	case ACCEL_AUTO: return "auto";
	default: return "?";
	}
}

int accel_from_env(enum accel_kind fallback, enum accel_kind *kind)
{
	const char *e = getenv("UK_ACCEL");

	if (!e || !*e) {
		*kind = fallback;
		return 0;
	}
	if (accel_parse(e, kind) < 0) {
		fprintf(stderr, "UK_ACCEL=%s: expected auto, kvm or tcg\n", e);
		return -1;
	}
	return 0;
}

const char *accel_qemu_binary(void)
{
	const char *e = getenv("UK_QEMU");
	return e && *e ? e : "qemu-system-x86_64";
}

const char *accel_cpu_model(enum accel_kind kind)
{
	return kind == ACCEL_KVM ? "host" : NULL;
}

static const char *kvm_device(void)
{
	const char *e = getenv("UK_KVM_DEVICE");
	return e && *e ? e : "/dev/kvm";
}

static void say(struct accel_verdict *v, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void say(struct accel_verdict *v, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(v->reason, sizeof(v->reason), fmt, ap);
	va_end(ap);
	/* One line, always. */
	for (char *p = v->reason; *p; p++)
		if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Whole file as a string with NULs replaced, or "" (never NULL unless out
 * of memory). */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long len;

	if (!f)
		return strdup("");
	if (fseek(f, 0, SEEK_END) < 0 || (len = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) < 0) {
		fclose(f);
		return strdup("");
	}
	buf = malloc((size_t)len + 1);
	if (!buf) {
		fclose(f);
		return NULL;
	}
	len = (long)fread(buf, 1, (size_t)len, f);
	fclose(f);
	for (long i = 0; i < len; i++)
		if (buf[i] == '\0')
			buf[i] = ' ';
	buf[len] = '\0';
	return buf;
}

/* The line of text that contains at (without its newline) into out. */
static void line_at(const char *text, const char *at, char *out, unsigned len)
{
	const char *start = at, *end = at;

	while (start > text && start[-1] != '\n')
		start--;
	while (*end && *end != '\n' && *end != '\r')
		end++;
	unsigned n = (unsigned)(end - start);
	if (len == 0)
		return;
	if (n >= len)
		n = len - 1;
	memcpy(out, start, n);
	out[n] = '\0';
}

bool accel_log_has_kvm_error(const char *log_text, char *line, unsigned len)
{
	const char *hit = log_text ? strstr(log_text, "KVM internal error") : NULL;

	if (!hit)
		return false;
	if (line && len)
		line_at(log_text, hit, line, len);
	return true;
}

/* The first non-empty line of text into out, or "" if none. */
static void first_line(const char *text, char *out, unsigned len)
{
	while (*text == '\n' || *text == '\r' || *text == ' ')
		text++;
	line_at(text, text, out, len);
}

static int copy_path(const char *from, const char *to)
{
	char buf[65536];
	size_t n;
	FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
	int rc = 0;

	if (!in || !out)
		rc = -1;
	while (rc == 0 && (n = fread(buf, 1, sizeof(buf), in)) > 0)
		if (fwrite(buf, 1, n, out) != n)
			rc = -1;
	if (in)
		fclose(in);
	if (out && fclose(out))
		rc = -1;
	return rc;
}

/*
 * Cache. One file per probe mode in the cache folder:
 *   uk-accel-cache 1
 *   key <boot id> <qemu path> <qemu size/mtime> <device> <kernel> <archive>
 *   kvm 0|1
 *   reason <one line>
 * A file whose key differs is ignored and replaced.
 */
int accel_cache_dir(char *buf, size_t len)
{
	const char *e = getenv("UK_ACCEL_CACHE");

	if (e && *e) {
		snprintf(buf, len, "%s", e);
	} else if (geteuid() == 0 && access("/run", W_OK) == 0) {
		snprintf(buf, len, "/run/uk");
	} else if ((e = getenv("XDG_RUNTIME_DIR")) && *e) {
		snprintf(buf, len, "%s/uk", e);
	} else {
		snprintf(buf, len, "/tmp/uk-%u", (unsigned)getuid());
	}
	if (mkdir(buf, 0700) < 0 && errno != EEXIST)
		return -1;
	return 0;
}

/* Size and modification time, which change whenever the file is rebuilt. */
static void file_stamp(const char *path, char *buf, size_t len)
{
	struct stat st;

	if (stat(path, &st) < 0)
		snprintf(buf, len, "missing");
	else
		snprintf(buf, len, "%lld.%lld.%ld", (long long)st.st_size,
			 (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
}

/* The QEMU binary's path from $PATH when it has no slash, for its stamp. */
static void which(const char *prog, char *buf, size_t len)
{
	const char *path = getenv("PATH");

	snprintf(buf, len, "%s", prog);
	if (strchr(prog, '/') || !path)
		return;
	while (*path) {
		const char *colon = strchr(path, ':');
		size_t n = colon ? (size_t)(colon - path) : strlen(path);
		snprintf(buf, len, "%.*s/%s", (int)n, path, prog);
		if (access(buf, X_OK) == 0)
			return;
		path += n + (colon ? 1 : 0);
	}
	snprintf(buf, len, "%s", prog);
}

/* What a stage's verdict depends on: this host boot, the QEMU binary, the
 * KVM device and the images the stage boots. */
static void cache_key(const char *qemu, const char *image, const char *image2,
		      char *key, size_t len)
{
	char boot_id[64] = "unknown", qpath[1024], qstamp[96], stamp[96],
	     stamp2[96] = "";
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "r");

	if (f) {
		if (!fgets(boot_id, sizeof(boot_id), f))
			snprintf(boot_id, sizeof(boot_id), "unknown");
		boot_id[strcspn(boot_id, "\n")] = '\0';
		fclose(f);
	}
	which(qemu, qpath, sizeof(qpath));
	file_stamp(qpath, qstamp, sizeof(qstamp));
	file_stamp(image, stamp, sizeof(stamp));
	if (image2)
		file_stamp(image2, stamp2, sizeof(stamp2));
	snprintf(key, len, "%s %s %s %s %s:%s %s:%s", boot_id, qpath, qstamp,
		 kvm_device(), image, stamp, image2 ? image2 : "-", stamp2);
	key[strcspn(key, "\n")] = '\0';
}

static bool cache_read(const char *path, const char *key, bool *ok,
		       struct accel_verdict *v)
{
	char *text = slurp(path);
	char want[2200];
	bool hit = false;

	if (!text)
		return false;
	snprintf(want, sizeof(want), CACHE_VERSION "\nkey %s\nkvm ", key);
	if (!strncmp(text, want, strlen(want))) {
		const char *p = text + strlen(want);
		const char *r = strstr(p, "\nreason ");
		if ((*p == '0' || *p == '1') && r) {
			*ok = *p == '1';
			r += strlen("\nreason ");
			say(v, "%.*s", (int)strcspn(r, "\n"), r);
			hit = true;
		}
	}
	free(text);
	return hit;
}

static void cache_write(const char *path, const char *key, bool ok,
			const struct accel_verdict *v)
{
	char tmp[4200];
	FILE *f;

	/* Written whole and renamed: a reader never sees half a verdict. */
	snprintf(tmp, sizeof(tmp), "%s.%d", path, (int)getpid());
	f = fopen(tmp, "w");
	if (!f)
		return;
	fprintf(f, CACHE_VERSION "\nkey %s\nkvm %d\nreason %s\n", key, ok ? 1 : 0,
		v->reason);
	if (fclose(f) == 0 && rename(tmp, path) == 0)
		return;
	unlink(tmp);
}

enum probe_guest {
	GUEST_TINY,	/* boot/kvmprobe by -kernel */
	GUEST_TINY_PXE, /* boot/kvmprobe through SeaBIOS and iPXE */
	GUEST_KERNEL,	/* the kernel and archive by -kernel, test=hello */
};

/*
 * One probe boot under -accel kvm in dir. True when the guest powers off
 * with a pass and printed its line; otherwise *v says why.
 */
static bool probe_boot(const struct accel_probe_input *in, const char *qemu,
		       const char *image, const char *dir, enum probe_guest g,
		       double timeout, struct accel_verdict *v)
{
	static const char *const what[] = {
		[GUEST_TINY] = "the tiny probe guest by -kernel",
		[GUEST_TINY_PXE] = "the tiny probe guest through iPXE",
		[GUEST_KERNEL] = "the kernel (test=hello)",
	};
	const char *expect = g == GUEST_KERNEL ? KERNEL_LINE : TINY_LINE;
	char serial[600], errlog[600], serial_arg[700], netdev[700], p[700];
	const char *args[48];
	int n = 0;

	snprintf(serial, sizeof(serial), "%s/serial.log", dir);
	snprintf(errlog, sizeof(errlog), "%s/qemu.log", dir);
	snprintf(serial_arg, sizeof(serial_arg), "file:%s", serial);
	unlink(serial);
	args[n++] = qemu;
	args[n++] = "-accel"; args[n++] = "kvm";
	args[n++] = "-cpu"; args[n++] = accel_cpu_model(ACCEL_KVM);
	args[n++] = "-m"; args[n++] = "64";
	args[n++] = "-display"; args[n++] = "none";
	args[n++] = "-monitor"; args[n++] = "none";
	args[n++] = "-no-reboot";
	args[n++] = "-nodefaults";
	args[n++] = "-no-user-config";
	args[n++] = "-serial"; args[n++] = serial_arg;
	args[n++] = "-device"; args[n++] = "isa-debug-exit,iobase=0xf4,iosize=4";
	if (g == GUEST_TINY_PXE) {
		FILE *f;
		snprintf(p, sizeof(p), "%s/kvmprobe.bin", dir);
		if (copy_path(image, p) < 0) {
			say(v, "cannot copy %s into the probe's TFTP folder %s: %s",
			    image, dir, strerror(errno));
			return false;
		}
		snprintf(p, sizeof(p), "%s/probe.ipxe", dir);
		f = fopen(p, "w");
		if (!f) {
			say(v, "cannot write %s: %s", p, strerror(errno));
			return false;
		}
		fprintf(f, "#!ipxe\nkernel kvmprobe.bin\nboot\n");
		fclose(f);
		snprintf(netdev, sizeof(netdev),
			 "user,id=n0,tftp=%s,bootfile=probe.ipxe", dir);
		args[n++] = "-netdev"; args[n++] = netdev;
		args[n++] = "-device"; args[n++] = "virtio-net-pci,netdev=n0";
		args[n++] = "-boot"; args[n++] = "n";
	} else {
		args[n++] = "-kernel";
		args[n++] = g == GUEST_KERNEL ? in->kernel : image;
		if (g == GUEST_KERNEL) {
			args[n++] = "-initrd"; args[n++] = in->archive;
			args[n++] = "-append"; args[n++] = KERNEL_APPEND;
		}
		args[n++] = "-net"; args[n++] = "none";
	}
	args[n] = NULL;

	pid_t pid = fork();
	if (pid < 0) {
		say(v, "cannot fork the probe: %s", strerror(errno));
		return false;
	}
	if (pid == 0) {
		int nul = open("/dev/null", O_RDWR);
		int err = open(errlog, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (nul >= 0)
			dup2(nul, 0);
		if (err >= 0) {
			dup2(err, 1);
			dup2(err, 2);
		}
		execvp(args[0], (char *const *)args);
		fprintf(stderr, "cannot run %s: %s\n", args[0], strerror(errno));
		_exit(127);
	}

	double start = now_s();
	bool done = false, ok = false;
	int status = 0;
	while (!done) {
		pid_t r = waitpid(pid, &status, WNOHANG);
		char *out = slurp(errlog), *ser = slurp(serial);
		char line[300];
		const char *bad;

		if (!out || !ser) {
			say(v, "out of memory while probing");
			done = true;
		} else if (accel_log_has_kvm_error(out, line, sizeof(line))) {
			/* QEMU stops the VM and waits: nothing more will come. */
			say(v, "%s stopped: %s", what[g], line);
			done = true;
		} else if ((bad = strstr(ser, "KERNEL PANIC")) ||
			   (bad = strstr(ser, " killed: ")) ||
			   (bad = strstr(ser, " crashed ("))) {
			line_at(ser, bad, line, sizeof(line));
			say(v, "%s fails under KVM: %s", what[g], line);
			done = true;
		} else if (r == pid) {
			int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
			/* isa-debug-exit: a pass is 0 from the guest, exit 1. */
			if (code == 1 && strstr(ser, expect)) {
				ok = true;
			} else {
				first_line(out, line, sizeof(line));
				if (!line[0])
					snprintf(line, sizeof(line), "no QEMU message");
				say(v, "%s ended without a pass (QEMU exit %d: %s)",
				    what[g], code, line);
			}
			free(out);
			free(ser);
			return ok;
		} else if (now_s() - start > timeout) {
			say(v, "%s gave no result within %.0f s", what[g], timeout);
			done = true;
		}
		free(out);
		free(ser);
		if (!done)
			usleep(20000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return false;
}

static void remove_dir(const char *dir)
{
	static const char *const files[] = {
		"serial.log", "qemu.log", "kvmprobe.bin", "probe.ipxe",
	};
	char p[700];

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, files[i]);
		unlink(p);
	}
	rmdir(dir);
}

/* One stage: from the cache, or by booting its guests. */
static bool probe_stage(const struct accel_probe_input *in, const char *qemu,
			const char *image, bool kernel_stage, double timeout,
			struct accel_verdict *v)
{
	char dir[512], key[2048], cpath[700] = "";
	char tmpl[] = "/tmp/uk-accel-probe.XXXXXX";
	bool ok = false;

	if (!in->no_cache && accel_cache_dir(dir, sizeof(dir)) == 0) {
		if (kernel_stage)
			cache_key(qemu, in->kernel, in->archive, key, sizeof(key));
		else
			cache_key(qemu, image, NULL, key, sizeof(key));
		snprintf(cpath, sizeof(cpath), "%s/kvm-probe-%s", dir,
			 kernel_stage ? "kernel" : "host");
		if (cache_read(cpath, key, &ok, v)) {
			v->cached = true;
			return ok;
		}
	}
	if (!mkdtemp(tmpl)) {
		say(v, "cannot make a folder for the probe: %s", strerror(errno));
		return false;
	}
	if (kernel_stage) {
		ok = probe_boot(in, qemu, image, tmpl, GUEST_KERNEL, timeout, v);
		if (ok) {
			say(v, "KVM runs guests and the kernel");
		} else {
			/* The host stage passed: suspect the kernel first. */
			size_t used = strlen(v->reason);
			snprintf(v->reason + used, sizeof(v->reason) - used,
				 " (KVM runs other guests here: probably a kernel "
				 "bug, please report it)");
		}
	} else {
		ok = probe_boot(in, qemu, image, tmpl, GUEST_TINY, timeout, v) &&
		     probe_boot(in, qemu, image, tmpl, GUEST_TINY_PXE, timeout, v);
		if (ok)
			say(v, "KVM runs guests through the firmware and iPXE");
	}
	remove_dir(tmpl);
	if (cpath[0])
		cache_write(cpath, key, ok, v);
	return ok;
}

void accel_probe(const struct accel_probe_input *in, struct accel_verdict *v)
{
	const char *qemu = in->qemu ? in->qemu : accel_qemu_binary();
	const char *image = in->probe_image ? in->probe_image : DEFAULT_PROBE_IMAGE;
	const char *dev = kvm_device();
	double timeout = in->timeout_s > 0 ? in->timeout_s : 30;
	double start = now_s();
	bool all_cached;
	int fd;

	memset(v, 0, sizeof(*v));
	/* No usable device: a verdict without booting, and nothing to cache. */
	fd = open(dev, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		say(v, "cannot open %s: %s", dev, strerror(errno));
		return;
	}
	close(fd);
	if (access(image, R_OK) < 0) {
		say(v, "no probe guest %s: build first", image);
		return;
	}
	if (!in->host_only &&
	    (!in->kernel || !in->archive || access(in->kernel, R_OK) < 0 ||
	     access(in->archive, R_OK) < 0)) {
		say(v, "no kernel and boot archive to probe with (%s, %s): build first",
		    in->kernel ? in->kernel : "?", in->archive ? in->archive : "?");
		return;
	}
	v->host_ok = probe_stage(in, qemu, image, false, timeout, v);
	all_cached = v->cached;
	if (v->host_ok && !in->host_only) {
		v->cached = false;
		v->kvm_ok = probe_stage(in, qemu, image, true, timeout, v);
		all_cached = all_cached && v->cached;
	} else {
		v->kvm_ok = v->host_ok;
	}
	v->cached = all_cached;
	v->seconds = all_cached ? 0 : now_s() - start;
}

enum accel_kind accel_choose(enum accel_kind want,
			     const struct accel_probe_input *in,
			     struct accel_verdict *v)
{
	if (want != ACCEL_AUTO) {
		memset(v, 0, sizeof(*v));
		v->kvm_ok = want == ACCEL_KVM;
		say(v, "%s forced", accel_name(want));
		return want;
	}
	accel_probe(in, v);
	return v->kvm_ok ? ACCEL_KVM : ACCEL_TCG;
}
