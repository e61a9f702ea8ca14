/* SPDX-License-Identifier: MIT */
/*
 * Choosing QEMU's accelerator. A /dev/kvm that opens proves nothing: on
 * nested hosts KVM exists but its guests die of emulation failures. So
 * `auto` trusts KVM only after a probe in two stages, each a real boot
 * under -accel kvm with a deadline:
 *   1. host: a tiny guest of a few instructions (boot/kvmprobe) booted by
 *      -kernel and then through SeaBIOS and QEMU's iPXE ROM over TFTP, the
 *      cluster's own path. If this fails, the host's KVM is unusable.
 *   2. kernel: this project's kernel in its test mode (test=hello), which
 *      must power off with a pass after printing the known line. If this
 *      fails while the host stage passed, the fault is probably the
 *      kernel's, and the reason says so.
 * `auto` uses KVM only when both pass. Tests that require KVM ask for the
 * host stage only: where the host cannot run KVM guests they are skipped,
 * but a kernel that fails under a working KVM fails its tests.
 * Every failure is a verdict with a one-line reason, never an error.
 *
 * Verdicts are cached per host boot, one small file per stage, keyed by
 * the kernel's boot id, the QEMU binary, the KVM device and the guest
 * images, so the probe costs a few boots per host boot and a rebuilt
 * kernel is probed again.
 *
 * Environment: UK_ACCEL (auto|kvm|tcg, read by the callers), UK_QEMU (the
 * QEMU binary), UK_KVM_DEVICE (default /dev/kvm; tests point it elsewhere
 * to exercise the probe on hosts without KVM), UK_ACCEL_CACHE (the cache
 * folder; default /run/uk, else $XDG_RUNTIME_DIR/uk, else /tmp/uk-UID).
 * This file is shared by ukcluster and the test harness: libc only.
 */
#ifndef UK_ACCEL_H
#define UK_ACCEL_H

#include <stdbool.h>
#include <stddef.h>

enum accel_kind { ACCEL_AUTO, ACCEL_KVM, ACCEL_TCG };

/* "auto", "kvm", "tcg"; 0, or -1 for anything else. */
int accel_parse(const char *text, enum accel_kind *kind);
const char *accel_name(enum accel_kind kind);

/* The choice from $UK_ACCEL, or fallback when it is unset or empty; -1
 * (with a message on stderr naming the variable) when it is set to
 * something else. */
int accel_from_env(enum accel_kind fallback, enum accel_kind *kind);

/* $UK_QEMU or "qemu-system-x86_64". */
const char *accel_qemu_binary(void);

/* QEMU's -cpu model for an accelerator: KVM runs the host's CPU (what real
 * hardware offers, SMEP and SMAP included); NULL means QEMU's default. */
const char *accel_cpu_model(enum accel_kind kind);

struct accel_probe_input {
	const char *qemu;	 /* NULL: accel_qemu_binary() */
	const char *probe_image; /* NULL: UK_BUILD_DIR/boot/kvmprobe.bin */
	const char *kernel;	 /* kernel.bin (the kernel stage) */
	const char *archive;	 /* boot.cpio, which holds bin/hello */
	bool host_only;		 /* the host stage only */
	double timeout_s;	 /* per boot; 0 means 30 s */
	bool no_cache;		 /* neither read nor write the cache */
};

struct accel_verdict {
	bool host_ok;	  /* the host stage passed: KVM runs guests */
	bool kvm_ok;	  /* every stage asked for passed: use KVM */
	bool cached;	  /* read from the cache: no guest was booted */
	double seconds;	  /* the probe's wall time (0 when cached) */
	char reason[400]; /* one line: why KVM is or is not usable */
};

/* The folder of cached verdicts (created if missing; one file per stage,
 * kvm-probe-host and kvm-probe-kernel): 0, or -1 if it cannot be made. */
int accel_cache_dir(char *buf, size_t len);

/* Does KVM run guests, and this kernel, here? Always fills *v. */
void accel_probe(const struct accel_probe_input *in, struct accel_verdict *v);

/* Resolve a choice: ACCEL_AUTO becomes ACCEL_KVM or ACCEL_TCG by
 * accel_probe (v then holds its verdict); ACCEL_KVM and ACCEL_TCG are
 * forced and returned as they are (v->reason says so). */
enum accel_kind accel_choose(enum accel_kind want,
			     const struct accel_probe_input *in,
			     struct accel_verdict *v);

/* Reads a QEMU log (its stderr) for the message KVM leaves when a guest
 * stops on an internal error ("KVM internal error. Suberror: N"); copies
 * that line into line and returns true if found. */
bool accel_log_has_kvm_error(const char *log_text, char *line, unsigned len);

#endif
