/* SPDX-License-Identifier: MIT */
/*
 * What rdtsc counts here, so that every benchmark labels its figures
 * truthfully: guest instructions under QEMU's -icount shift=0 (the kernel
 * learns it from its command line), TSC cycles on hardware or under KVM,
 * and under TCG without -icount the host's TSC: wall time, which says
 * nothing exact about the guest. Asked of the kernel once (UK_KINFO_CPU).
 */
#include <string.h>
#include <ulib.h>

static struct uk_kinfo_cpu cpu;
static int known; /* 0 not asked, 1 answered, -1 the kernel could not say */

const struct uk_kinfo_cpu *cpu_info(void)
{
	if (!known)
		known = uk_kinfo(UK_KINFO_CPU, &cpu, sizeof(cpu)) < 0 ? -1 : 1;
	return known > 0 ? &cpu : NULL;
}

enum tsc_counts tsc_counts(void)
{
	const struct uk_kinfo_cpu *c = cpu_info();

	if (!c)
		return TSC_UNKNOWN;
	if (c->tsc == UK_TSC_INSTRUCTIONS)
		return TSC_INSTRUCTIONS;
	if (!strncmp(c->hypervisor, "KVMKVMKVM", 9))
		return TSC_KVM_CYCLES;
	if (!strcmp(c->hypervisor, "TCGTCGTCGTCG") || c->hypervisor[0])
		return TSC_EMULATED;
	return TSC_CYCLES;
}

const char *tsc_unit(void)
{
	switch (tsc_counts()) {
	case TSC_INSTRUCTIONS: return "guest instructions";
	case TSC_KVM_CYCLES:
	case TSC_CYCLES: return "TSC cycles";
	case TSC_EMULATED: return "TSC ticks (host time)";
	case TSC_UNKNOWN:
	default: return "rdtsc ticks";
	}
}

const char *tsc_unit_one(void)
{
	switch (tsc_counts()) {
	case TSC_INSTRUCTIONS: return "guest instruction";
	case TSC_KVM_CYCLES:
	case TSC_CYCLES: return "TSC cycle";
	case TSC_EMULATED: return "TSC tick (host time)";
	case TSC_UNKNOWN:
	default: return "rdtsc tick";
	}
}

const char *tsc_description(void)
{
	switch (tsc_counts()) {
	case TSC_INSTRUCTIONS:
		return "rdtsc counts guest instructions (QEMU -icount shift=0)";
	case TSC_KVM_CYCLES:
		return "rdtsc counts TSC cycles under KVM (the TSC rate, not the "
		       "core clock)";
	case TSC_CYCLES:
		return "rdtsc counts TSC cycles (the TSC rate, not the core clock)";
	case TSC_EMULATED:
		return "rdtsc counts the host's TSC under emulation (wall time, "
		       "not guest instructions: use -icount for those)";
	case TSC_UNKNOWN:
	default:
		return "rdtsc counts something the kernel could not tell";
	}
}
