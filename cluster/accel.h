/* SPDX-License-Identifier: MIT */
/*
 * Choosing QEMU's accelerator. A /dev/kvm that opens proves nothing: on
 * nested hosts KVM exists but its guests die of emulation failures. So
 * `auto` trusts KVM only after a probe: this project's kernel booted under
 * -accel kvm with test=hello (the kernel's own test mode), which must power
 * off with a pass and print the known line within a deadline; with `pxe`
 * the same kernel is booted a second time through QEMU's iPXE ROM, the
 * cluster's path. Every failure is a verdict with a one-line reason, never
 * an error of its own.
 *
 * The verdict is cached per host boot in a small file keyed by the kernel's
 * boot id, the QEMU binary, the KVM device and the guest image, so the
 * probe costs one boot per host boot and a rebuilt kernel is probed again.
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
	const char *qemu;    /* NULL: accel_qemu_binary() */
	const char *kernel;  /* kernel.bin */
	const char *archive; /* boot.cpio, which holds bin/hello */
	bool pxe;	     /* also boot through iPXE over TFTP */
	double timeout_s;    /* per boot; 0 means 30 s */
	bool no_cache;	     /* neither read nor write the cache */
};

struct accel_verdict {
	bool kvm_ok;
	bool cached;	  /* read from the cache: no guest was booted */
	double seconds;	  /* the probe's wall time (0 when cached) */
	char reason[400]; /* one line: why KVM is or is not usable */
};

/* Does KVM run this kernel here? Always fills *v. */
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
