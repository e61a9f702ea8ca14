/* SPDX-License-Identifier: MIT */
/*
 * uk-qemu-run: boot the kernel in QEMU and judge the run by what it prints.
 *
 * The guest ends a test run through QEMU's isa-debug-exit device (the kernel
 * writes init's result: QEMU exits with code*2+1), so a passing run never
 * waits for a timeout. --until PATTERN instead stops QEMU as soon as the
 * serial log contains PATTERN (for boots that do not end by themselves).
 * Every wait has a deadline; on failure the serial tail is printed.
 *
 * The accelerator (--accel, else $UK_ACCEL, else tcg) goes through
 * cluster/accel.c: `kvm` runs the test under KVM when the host can run KVM
 * guests at all and otherwise exits 77, which ctest reports as skipped;
 * `auto` uses KVM only when the probe also ran the kernel, and says so in
 * one line when it falls back. A test that needs -icount runs under TCG.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "accel.h"

#define MAX_PATTERNS 16
#define EXIT_SKIP 77
#define TAIL_LINES 40

enum expect_exit { EXIT_PASS, EXIT_FAIL, EXIT_PANIC, EXIT_ANY };

struct options {
	const char *kernel, *archive, *append, *log, *qemu, *cpu;
	enum accel_kind accel;
	const char *expect[MAX_PATTERNS];
	int nexpect;
	const char *reject[MAX_PATTERNS];
	int nreject;
	const char *show[MAX_PATTERNS];	 /* --show: lines to print */
	int nshow;
	const char *extra[MAX_PATTERNS]; /* --qemu-arg, in order */
	int nextra;
	const char *disk;		 /* --disk: virtio-blk image */
	bool nic_user;			 /* --nic-user: virtio-net on QEMU's user net */
	const char *until;
	enum expect_exit want;
	double timeout;
	int memory;
	bool pxe, icount, bench_boot;
};

static void usage(void)
{
	fprintf(stderr,
		"usage: uk-qemu-run --kernel kernel.bin --archive boot.cpio [options]\n"
		"  --append LINE      kernel command line (e.g. \"test=ktest\")\n"
		"  --pxe              boot through iPXE from QEMU's TFTP, not -kernel\n"
		"  --until PATTERN    stop QEMU once the serial log contains PATTERN\n"
		"  --expect PATTERN   the serial log must contain PATTERN (repeatable)\n"
		"  --reject PATTERN   the serial log must not contain PATTERN\n"
		"                     (default: \"KERNEL PANIC\" unless --exit panic)\n"
		"  --exit pass|fail|panic|any   expected guest result (default pass)\n"
		"  --timeout SECONDS  deadline for the whole run (default 120)\n"
		"  --memory MB        guest memory (default 128)\n"
		"  --icount           -icount shift=0: rdtsc counts instructions\n"
		"  --bench-boot       print instructions from kernel entry to init\n"
		"  --log FILE         keep the serial log here\n"
		"  --disk IMAGE       attach IMAGE (raw, written in place) as virtio-blk\n"
		"                     at PCI slot 5\n"
		"  --nic-user         a virtio-net NIC at PCI slot 3 on QEMU's user network\n"
		"                     (10.0.2.0/24, host 10.0.2.2); not with --pxe\n"
		"  --qemu-arg ARG     pass ARG to QEMU (repeatable)\n"
		"  --show PATTERN     print the serial lines that contain PATTERN\n"
		"                     (repeatable; \"bench: \" lines always are)\n"
		"  --accel auto|kvm|tcg  accelerator (default $UK_ACCEL, else tcg);\n"
		"                     kvm exits 77 (skipped) where KVM cannot run guests\n"
		"  --cpu MODEL        QEMU's -cpu (default $UK_CPU, else host under\n"
		"                     KVM and QEMU's own under TCG)\n"
		"  --qemu BINARY      the QEMU binary (default $UK_QEMU, else\n"
		"                     qemu-system-x86_64)\n");
	exit(2);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long len;

	if (!f)
		return strdup("");
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)len + 1);
	if (!buf) {
		fclose(f);
		return strdup("");
	}
	len = (long)fread(buf, 1, (size_t)len, f);
	buf[len] = '\0';
	/* The serial log may hold NULs or control bytes; keep it a string. */
	for (long i = 0; i < len; i++)
		if (buf[i] == '\0')
			buf[i] = '?';
	fclose(f);
	return buf;
}

static void print_tail(const char *log)
{
	const char *p = log + strlen(log);
	int lines = 0;

	while (p > log && lines <= TAIL_LINES)
		if (*--p == '\n')
			lines++;
	printf("---- serial log, last %d lines ----\n%s\n----\n", TAIL_LINES,
	       p == log ? p : p + 1);
}

static int copy_file(const char *from, const char *to)
{
	char buf[65536];
	size_t n;
	FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
	int rc = 0;

	if (!in || !out) {
		rc = -1;
	} else {
		while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
			if (fwrite(buf, 1, n, out) != n)
				rc = -1;
	}
	if (in)
		fclose(in);
	if (out && fclose(out))
		rc = -1;
	return rc;
}

static const char *result_name(int code)
{
	switch (code) {
	case 1: return "pass";
	case 3: return "fail";
	case 255: return "panic";
	case 0: return "QEMU exited without a guest result (reset or shutdown)";
	default: return "unexpected QEMU exit code";
	}
}

/* Kernel entry and init's first line carry rdtsc values (instructions with
 * -icount shift=0). */
static int bench_boot(const char *log)
{
	const char *k = strstr(log, "kernel: entry tsc ");
	const char *i = strstr(log, "init: started on node ");
	unsigned long long entry, init;

	if (!k || !i || sscanf(k, "kernel: entry tsc %llu", &entry) != 1)
		return -1;
	i = strstr(i, "(tsc ");
	if (!i || sscanf(i, "(tsc %llu", &init) != 1 || init < entry)
		return -1;
	printf("bench: boot: %llu guest instructions from kernel entry to "
	       "init's first line\n", init - entry);
	return 0;
}

/*
 * Settles o->accel to ACCEL_KVM or ACCEL_TCG; -1 when KVM is required but
 * this host cannot run KVM guests (the caller exits 77: skipped).
 */
static int choose_accel(struct options *o)
{
	struct accel_probe_input in = { .qemu = o->qemu, .kernel = o->kernel,
					.archive = o->archive };
	struct accel_verdict v;

	if (o->accel == ACCEL_TCG)
		return 0;
	if (o->icount) {
		/* -icount exists only under TCG. */
		if (o->accel == ACCEL_KVM) {
			printf("uk-qemu-run: SKIP: this test counts instructions "
			       "(-icount), which only TCG can\n");
			return -1;
		}
		o->accel = ACCEL_TCG;
		return 0;
	}
	if (o->accel == ACCEL_KVM) {
		/* Only the host decides: a kernel that fails under a working
		 * KVM must fail its tests, not skip them. */
		in.host_only = true;
		accel_probe(&in, &v);
		if (!v.host_ok) {
			printf("uk-qemu-run: SKIP: KVM cannot run guests here: %s\n",
			       v.reason);
			return -1;
		}
		printf("uk-qemu-run: KVM: %s%s\n", v.reason,
		       v.cached ? " (cached verdict)" : "");
		return 0;
	}
	o->accel = accel_choose(ACCEL_AUTO, &in, &v);
	if (o->accel == ACCEL_TCG)
		printf("uk-qemu-run: KVM is not usable here (%s%s); running under "
		       "TCG (UK_ACCEL=kvm forces KVM)\n", v.reason,
		       v.cached ? "; cached verdict" : "");
	return 0;
}

int main(int argc, char **argv)
{
	struct options o = { .want = EXIT_PASS, .timeout = 120, .memory = 128,
			     .append = "", .qemu = accel_qemu_binary() };
	static const struct option longopts[] = {
		{ "kernel", 1, 0, 'k' }, { "archive", 1, 0, 'a' },
		{ "append", 1, 0, 'A' }, { "pxe", 0, 0, 'p' },
		{ "until", 1, 0, 'u' },	 { "expect", 1, 0, 'e' },
		{ "reject", 1, 0, 'r' }, { "exit", 1, 0, 'x' },
		{ "timeout", 1, 0, 't' }, { "memory", 1, 0, 'm' },
		{ "icount", 0, 0, 'i' }, { "bench-boot", 0, 0, 'b' },
		{ "log", 1, 0, 'l' },	 { "qemu", 1, 0, 'q' },
		{ "disk", 1, 0, 'd' },	 { "nic-user", 0, 0, 'n' },
		{ "qemu-arg", 1, 0, 'Q' }, { "accel", 1, 0, 'X' },
		{ "cpu", 1, 0, 'c' }, { "show", 1, 0, 's' },
		{ 0, 0, 0, 0 },
	};
	int c;

	if (accel_from_env(ACCEL_TCG, &o.accel) < 0)
		return 2;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'k': o.kernel = optarg; break;
		case 'a': o.archive = optarg; break;
		case 'A': o.append = optarg; break;
		case 'p': o.pxe = true; break;
		case 'u': o.until = optarg; break;
		case 'e':
			if (o.nexpect == MAX_PATTERNS) usage();
			o.expect[o.nexpect++] = optarg;
			break;
		case 'r':
			if (o.nreject == MAX_PATTERNS) usage();
			o.reject[o.nreject++] = optarg;
			break;
		case 'x':
			if (!strcmp(optarg, "pass")) o.want = EXIT_PASS;
			else if (!strcmp(optarg, "fail")) o.want = EXIT_FAIL;
			else if (!strcmp(optarg, "panic")) o.want = EXIT_PANIC;
			else if (!strcmp(optarg, "any")) o.want = EXIT_ANY;
			else usage();
			break;
		case 't': o.timeout = atof(optarg); break;
		case 'm': o.memory = atoi(optarg); break;
		case 'i': o.icount = true; break;
		case 'b': o.bench_boot = true; break;
		case 'l': o.log = optarg; break;
		case 'q': o.qemu = optarg; break;
		case 'd': o.disk = optarg; break;
		case 'n': o.nic_user = true; break;
		case 'X':
			if (accel_parse(optarg, &o.accel) < 0) usage();
			break;
		case 'c': o.cpu = optarg; break;
		case 's':
			if (o.nshow == MAX_PATTERNS) usage();
			o.show[o.nshow++] = optarg;
			break;
		case 'Q':
			if (o.nextra == MAX_PATTERNS) usage();
			o.extra[o.nextra++] = optarg;
			break;
		default: usage();
		}
	}
	if (!o.kernel || !o.archive || o.timeout <= 0 || o.memory < 16)
		usage();
	if (o.want != EXIT_PANIC && o.nreject < MAX_PATTERNS)
		o.reject[o.nreject++] = "KERNEL PANIC";
	if (!o.cpu && getenv("UK_CPU") && *getenv("UK_CPU"))
		o.cpu = getenv("UK_CPU");
	if (choose_accel(&o) < 0)
		return EXIT_SKIP;
	/* A variant of a test (UK_LOG_TAG=kvm: NAME.log becomes
	 * NAME.kvm.log) keeps its own serial log. */
	char tagged_log[1024];
	const char *tag = getenv("UK_LOG_TAG");
	if (o.log && tag && *tag) {
		size_t len = strlen(o.log);
		if (len > 4 && !strcmp(o.log + len - 4, ".log"))
			snprintf(tagged_log, sizeof(tagged_log), "%.*s.%s.log",
				 (int)(len - 4), o.log, tag);
		else
			snprintf(tagged_log, sizeof(tagged_log), "%s.%s", o.log, tag);
		o.log = tagged_log;
	}
	/* The kernel labels rdtsc figures by what it counts (uk_kinfo_cpu). */
	char append[1024];
	snprintf(append, sizeof(append), "%s%s%s", o.append,
		 o.icount && o.append[0] ? " " : "", o.icount ? "icount" : "");
	o.append = append;

	char dir[] = "/tmp/uk-qemu-run.XXXXXX";
	if (!mkdtemp(dir)) {
		perror("uk-qemu-run: mkdtemp");
		return 2;
	}
	char log_path[512], err_path[512], tftp_arg[1024], disk_arg[1200], script[600], mem[16];
	snprintf(log_path, sizeof(log_path), "%s/serial.log", dir);
	snprintf(err_path, sizeof(err_path), "%s/qemu.log", dir);
	snprintf(mem, sizeof(mem), "%d", o.memory);
	const char *log = o.log ? o.log : log_path;
	unlink(log);

	char serial_arg[600];
	snprintf(serial_arg, sizeof(serial_arg), "file:%s", log);
	const char *args[96];
	int n = 0;
	args[n++] = o.qemu;
	args[n++] = "-display"; args[n++] = "none";
	args[n++] = "-monitor"; args[n++] = "none";
	args[n++] = "-no-reboot";
	args[n++] = "-m"; args[n++] = mem;
	args[n++] = "-serial"; args[n++] = serial_arg;
	args[n++] = "-device"; args[n++] = "isa-debug-exit,iobase=0xf4,iosize=4";
	args[n++] = "-accel"; args[n++] = accel_name(o.accel);
	if (!o.cpu)
		o.cpu = accel_cpu_model(o.accel);
	if (o.cpu) {
		args[n++] = "-cpu"; args[n++] = o.cpu;
	}
	if (o.icount) {
		args[n++] = "-icount"; args[n++] = "shift=0";
	}
	if (o.pxe) {
		/* iPXE (QEMU's virtio-net ROM) fetches this script by TFTP. */
		char k[600], a[600];
		snprintf(k, sizeof(k), "%s/kernel.bin", dir);
		snprintf(a, sizeof(a), "%s/boot.cpio", dir);
		snprintf(script, sizeof(script), "%s/boot.ipxe", dir);
		FILE *f = fopen(script, "w");
		if (copy_file(o.kernel, k) || copy_file(o.archive, a) || !f) {
			fprintf(stderr, "uk-qemu-run: cannot prepare the TFTP folder %s\n", dir);
			return 2;
		}
		fprintf(f, "#!ipxe\nkernel kernel.bin %s\nmodule boot.cpio\nboot\n",
			o.append);
		fclose(f);
		snprintf(tftp_arg, sizeof(tftp_arg),
			 "user,id=net0,tftp=%s,bootfile=boot.ipxe", dir);
		args[n++] = "-netdev"; args[n++] = tftp_arg;
		args[n++] = "-device"; args[n++] = "virtio-net-pci,netdev=net0";
		args[n++] = "-boot"; args[n++] = "n";
	} else {
		args[n++] = "-kernel"; args[n++] = o.kernel;
		args[n++] = "-initrd"; args[n++] = o.archive;
		args[n++] = "-append"; args[n++] = o.append;
		if (o.nic_user) {
			args[n++] = "-netdev"; args[n++] = "user,id=unet";
			args[n++] = "-device"; args[n++] = "virtio-net-pci,netdev=unet,addr=3";
		} else {
			args[n++] = "-net"; args[n++] = "none";
		}
	}
	if (o.disk) {
		snprintf(disk_arg, sizeof(disk_arg),
			 "file=%s,if=none,id=disk0,format=raw", o.disk);
		args[n++] = "-drive"; args[n++] = disk_arg;
		args[n++] = "-device"; args[n++] = "virtio-blk-pci,drive=disk0,addr=5";
	}
	for (int i = 0; i < o.nextra; i++)
		args[n++] = o.extra[i];
	args[n] = NULL;

	printf("uk-qemu-run:");
	for (int i = 0; i < n; i++)
		printf(" %s", args[i]);
	printf("\n");
	fflush(stdout);

	double start = now();
	pid_t pid = fork();
	if (pid < 0) {
		perror("uk-qemu-run: fork");
		return 2;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);
		int err = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(null, 0);
		/* QEMU's own messages, read for KVM errors and shown at the end. */
		if (err >= 0)
			dup2(err, 2);
		execvp(args[0], (char *const *)args);
		fprintf(stderr, "uk-qemu-run: cannot run %s: %s (install qemu-system-x86)\n",
			args[0], strerror(errno));
		_exit(127);
	}

	int status = 0, code = -1;
	bool timed_out = false, stopped_by_pattern = false, kvm_error = false;
	char kvm_line[300] = "";
	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);
		if (r == pid) {
			code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
			break;
		}
		if (o.until) {
			char *text = read_file(log);
			bool hit = strstr(text, o.until) != NULL;
			free(text);
			if (hit) {
				stopped_by_pattern = true;
				kill(pid, SIGTERM);
				waitpid(pid, &status, 0);
				break;
			}
		}
		if (o.accel == ACCEL_KVM) {
			/* QEMU stops the VM and waits: fail now, not at the
			 * deadline. */
			char *err = read_file(err_path);
			kvm_error = accel_log_has_kvm_error(err, kvm_line,
							    sizeof(kvm_line));
			free(err);
			if (kvm_error) {
				kill(pid, SIGKILL);
				waitpid(pid, &status, 0);
				break;
			}
		}
		if (now() - start > o.timeout) {
			timed_out = true;
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			break;
		}
		usleep(20000);
	}
	double elapsed = now() - start;
	char *text = read_file(log), *qemu_text = read_file(err_path);
	bool ok = true;

	if (kvm_error) {
		printf("FAIL: the VM stopped on a KVM internal error (%s) after "
		       "%.2f s; the host's KVM cannot run this guest: use "
		       "--accel tcg (UK_ACCEL=tcg)\n", kvm_line, elapsed);
		ok = false;
	} else if (timed_out) {
		printf("FAIL: no result within %.0f s%s%s%s\n", o.timeout,
		       o.until ? " (waiting for \"" : "", o.until ? o.until : "",
		       o.until ? "\")" : "");
		ok = false;
	} else if (stopped_by_pattern) {
		printf("uk-qemu-run: saw \"%s\" after %.2f s\n", o.until, elapsed);
	} else {
		printf("uk-qemu-run: guest result %s (QEMU exit %d) after %.2f s\n",
		       result_name(code), code, elapsed);
		int want = o.want == EXIT_PASS ? 1 : o.want == EXIT_FAIL ? 3 : 255;
		if (o.want != EXIT_ANY && code != want) {
			printf("FAIL: expected guest result %s\n", result_name(want));
			ok = false;
		} else if (code == 1 && !strstr(text, "kernel: ")) {
			/* QEMU's own start-up errors also exit 1. */
			printf("FAIL: QEMU exited 1 but the kernel never ran (see "
			       "QEMU's message above)\n");
			ok = false;
		}
	}
	for (int i = 0; i < o.nexpect; i++)
		if (!strstr(text, o.expect[i])) {
			printf("FAIL: the serial log lacks \"%s\"\n", o.expect[i]);
			ok = false;
		}
	for (int i = 0; i < o.nreject; i++)
		if (strstr(text, o.reject[i])) {
			printf("FAIL: the serial log contains \"%s\"\n", o.reject[i]);
			ok = false;
		}
	/* A benchmark's figures are its result: show them (-V). */
	for (const char *line = text; *line;) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		bool show = !strncmp(line, "bench: ", 7);
		for (int i = 0; i < o.nshow && !show; i++)
			show = memmem(line, len, o.show[i], strlen(o.show[i])) != NULL;
		if (show)
			printf("%.*s\n", (int)len, line);
		line += len + (end ? 1 : 0);
	}
	if (o.bench_boot && bench_boot(text) < 0) {
		printf("FAIL: no kernel entry / init tsc lines to measure\n");
		ok = false;
	}
	if (!ok) {
		print_tail(text);
		if (qemu_text[0])
			printf("---- QEMU's messages ----\n%s----\n", qemu_text);
	}
	else
		printf("uk-qemu-run: PASS\n");
	free(qemu_text);
	unlink(err_path);
	free(text);
	if (!o.log)
		unlink(log_path);
	if (o.pxe) {
		char p[700];
		snprintf(p, sizeof(p), "%s/kernel.bin", dir); unlink(p);
		snprintf(p, sizeof(p), "%s/boot.cpio", dir); unlink(p);
		unlink(script);
	}
	rmdir(dir);
	return ok ? 0 : 1;
}
