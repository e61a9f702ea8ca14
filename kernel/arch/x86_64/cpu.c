/* SPDX-License-Identifier: MIT */
/*
 * The CPU: what CPUID reports, read once at boot, and the protections the
 * kernel turns on because of it. Invariants: every CR4 bit set here is
 * backed by its CPUID bit (setting an unsupported CR4 bit is a #GP); stac
 * and clac exist in the kernel text only once CR4.SMAP is on (both #UD on a
 * CPU without SMAP), so they are assembled as nops and patched in here;
 * cpu_info.enabled says what is really on, for the boot line and kinfo.
 */
#include <arch/cpu.h>
#include <arch/x86.h>
#include <fmt.h>
#include <string.h>
#include <uk/types.h>

#include "arch.h"
#include "kernel.h"

struct cpu_info cpu_info;
static bool has_mce;

/* CPUID bits (Intel SDM vol. 2A, CPUID; AMD APM vol. 3, appendix E). */
#define CPUID1_EDX_PGE (1u << 13)
#define CPUID1_EDX_MCE (1u << 7)
#define CPUID1_ECX_HYPERVISOR (1u << 31)
#define CPUID7_EBX_SMEP (1u << 7)
#define CPUID7_EBX_SMAP (1u << 20)
#define CPUID7_ECX_UMIP (1u << 2)
#define CPUIDX1_EDX_NX (1u << 20)
#define CPUIDX1_EDX_PAGE1GB (1u << 26)

static void copy_regs(char *dst, const uint32_t *regs, unsigned n)
{
	memcpy(dst, regs, n * sizeof(uint32_t));
}

/* The brand string is padded with spaces at the front on some Intel
 * parts; the boot line and kinfo want it without them. */
static void set_brand(const char *raw)
{
	while (*raw == ' ')
		raw++;
	strlcpy(cpu_info.brand, raw, sizeof(cpu_info.brand));
}

static void read_identity(void)
{
	uint32_t r[4], max, max_ext;

	cpuid(0, 0, r);
	max = r[0];
	/* The vendor string is EBX, EDX, ECX in that order. */
	copy_regs(cpu_info.vendor, &r[1], 1);
	copy_regs(cpu_info.vendor + 4, &r[3], 1);
	copy_regs(cpu_info.vendor + 8, &r[2], 1);
	cpu_info.vendor[12] = '\0';

	cpuid(1, 0, r);
	uint32_t family = (r[0] >> 8) & 0xf, model = (r[0] >> 4) & 0xf;
	if (family == 0xf)
		family += (r[0] >> 20) & 0xff;
	if (family == 0x6 || family >= 0xf)
		model += ((r[0] >> 16) & 0xf) << 4;
	cpu_info.family = family;
	cpu_info.model = model;
	cpu_info.stepping = r[0] & 0xf;
	if (r[3] & CPUID1_EDX_PGE)
		cpu_info.features |= UK_CPU_PGE;
	has_mce = r[3] & CPUID1_EDX_MCE;
	bool hypervisor = r[2] & CPUID1_ECX_HYPERVISOR;

	if (max >= 7) {
		cpuid(7, 0, r);
		if (r[1] & CPUID7_EBX_SMEP)
			cpu_info.features |= UK_CPU_SMEP;
		if (r[1] & CPUID7_EBX_SMAP)
			cpu_info.features |= UK_CPU_SMAP;
		if (r[2] & CPUID7_ECX_UMIP)
			cpu_info.features |= UK_CPU_UMIP;
	}

	cpuid(0x80000000u, 0, r);
	max_ext = r[0];
	if (max_ext >= 0x80000001u) {
		cpuid(0x80000001u, 0, r);
		if (r[3] & CPUIDX1_EDX_NX)
			cpu_info.features |= UK_CPU_NX;
		cpu_info.page_1g = r[3] & CPUIDX1_EDX_PAGE1GB;
	}
	if (max_ext >= 0x80000004u) {
		char raw[49];
		for (uint32_t i = 0; i < 3; i++) {
			cpuid(0x80000002u + i, 0, r);
			copy_regs(raw + 16 * i, r, 4);
		}
		raw[48] = '\0';
		set_brand(raw);
	}
	if (!cpu_info.brand[0])
		set_brand(cpu_info.vendor);
	/* SDM: "If CPUID.80000008H:EAX[7:0] is supported, [it is] the maximum
	 * physical address width; otherwise 36." */
	cpu_info.phys_bits = 36;
	if (max_ext >= 0x80000008u) {
		cpuid(0x80000008u, 0, r);
		if (r[0] & 0xff)
			cpu_info.phys_bits = r[0] & 0xff;
	}
	if (cpu_info.phys_bits > 52)
		cpu_info.phys_bits =
		    52; /* 4-level entries hold 52-bit addresses */

	/* Leaf 0x40000000 means something only when leaf 1 says a hypervisor
	 * is present (Intel SDM: reserved otherwise). */
	if (hypervisor) {
		cpuid(0x40000000u, 0, r);
		copy_regs(cpu_info.hypervisor, &r[1], 3);
		cpu_info.hypervisor[12] = '\0';
	}
}

/* Turn the 3-byte nops at the stac/clac sites into the real instructions.
 * The kernel image is mapped writable; the CR4 write that enables SMAP
 * afterwards is serializing, so no stale copy of the old bytes runs. */
static void patch_smap_sites(void)
{
	/* Linker symbols bound the table; count through integers. */
	uint64_t count =
	    ((uint64_t)smap_sites_end - (uint64_t)smap_sites_start) /
	    sizeof(struct smap_site);

	for (uint64_t i = 0; i < count; i++) {
		const struct smap_site *s = &smap_sites_start[i];
		volatile uint8_t *p = (volatile uint8_t *)s->address;
		kassert(p[0] == 0x0f && p[1] == 0x1f && p[2] == 0x00);
		kassert(s->last_byte == 0xca || s->last_byte == 0xcb);
		p[1] = 0x01;
		p[2] = (uint8_t)s->last_byte;
	}
}

void cpu_init(void)
{
	uint64_t cr4 = read_cr4();

	read_identity();
	/* boot.S set EFER.NXE exactly when CPUID reports NX. */
	if (rdmsr(MSR_EFER) & EFER_NXE)
		cpu_info.enabled |= UK_CPU_NX;
	/* A machine check should reach vector 18 and panic with a report,
	 * not shut the machine down (CR4.MCE clear). */
	if (has_mce)
		cr4 |= CR4_MCE;
	if (cpu_info.features & UK_CPU_SMEP) {
		cr4 |= CR4_SMEP;
		cpu_info.enabled |= UK_CPU_SMEP;
	}
	if (cpu_info.features & UK_CPU_UMIP) {
		cr4 |= CR4_UMIP;
		cpu_info.enabled |= UK_CPU_UMIP;
	}
	if (cpu_info.features & UK_CPU_SMAP) {
		patch_smap_sites();
		cr4 |= CR4_SMAP;
		cpu_info.enabled |= UK_CPU_SMAP;
	}
	write_cr4(cr4);
}

void cpu_enable_global_pages(void)
{
	uint64_t cr4 = read_cr4();

	if (!(cpu_info.features & UK_CPU_PGE)) {
		write_cr3(
		    read_cr3()); /* no global entries: a reload flushes all */
		return;
	}
	/* Clearing and then setting PGE each flush the whole TLB, global
	 * entries included (SDM vol. 3A 4.10.4.1), whatever PGE was before. */
	write_cr4(cr4 & ~CR4_PGE);
	write_cr4(cr4 | CR4_PGE);
	cpu_info.enabled |= UK_CPU_PGE;
}

uint64_t arch_phys_limit(void)
{
	return 1ull << cpu_info.phys_bits;
}

void arch_cpu_info(struct uk_kinfo_cpu *out)
{
	memset(out, 0, sizeof(*out));
	strlcpy(out->brand, cpu_info.brand, sizeof(out->brand));
	strlcpy(out->hypervisor, cpu_info.hypervisor, sizeof(out->hypervisor));
	out->features = cpu_info.features;
	out->enabled = cpu_info.enabled;
	out->phys_bits = cpu_info.phys_bits;
	out->family = cpu_info.family;
	out->model = cpu_info.model;
	out->stepping = cpu_info.stepping;
}

void arch_cpu_report(void)
{
	static const struct {
		uint32_t bit;
		const char *name;
	} names[] = {
	    {UK_CPU_NX, "nx"},	   {UK_CPU_SMEP, "smep"}, {UK_CPU_SMAP, "smap"},
	    {UK_CPU_UMIP, "umip"}, {UK_CPU_PGE, "pge"},
	};
	char list[64] = "";
	size_t used = 0;

	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (cpu_info.enabled & names[i].bit)
			used += (size_t)snprintf(
			    list + used, sizeof(list) - used, "%s%s",
			    used ? " " : "", names[i].name);
	klog(LOG_INFO,
	     "cpu: %s, %s family %u model %u stepping %u, maxphyaddr %u, "
	     "hypervisor %s, enabled %s",
	     cpu_info.brand, cpu_info.vendor, cpu_info.family, cpu_info.model,
	     cpu_info.stepping, cpu_info.phys_bits,
	     cpu_info.hypervisor[0] ? cpu_info.hypervisor : "none",
	     list[0] ? list : "none");
}
