/* SPDX-License-Identifier: MIT */
/*
 * The paging audit: walk page tables and check every present entry against
 * the entry formats of 4-level paging (Intel SDM vol. 3A section 4.5, the
 * tables for PML4E, PDPTE, PDE and PTE) on this CPU, and against the
 * kernel's own rules. Which bits are reserved depends on the CPU: bits
 * 51:MAXPHYADDR of every entry, bit 63 when EFER.NXE is off, bit 7 of a
 * PML4E, bit 7 of a PDPTE without 1 GiB pages, bits 29:13 of a 1 GiB and
 * 20:13 of a 2 MiB page. An access through an entry with a reserved bit
 * faults with error code bit 3 (RSVD); the audit finds such an entry at
 * boot, by name, before a CPU with a smaller MAXPHYADDR or without NX does.
 * Not-present entries are skipped: the CPU ignores all their other bits.
 */
#include <arch/cpu.h>
#include <arch/pte.h>
#include <arch/x86.h>
#include <fmt.h>
#include <stdbool.h>

#include "arch.h"
#include "kernel.h"

enum { LEVEL_PT = 1, LEVEL_PD, LEVEL_PDPT, LEVEL_PML4 };
static const char *const level_names[] = {"", "PT", "PD", "PDPT", "PML4"};

struct audit {
	uint64_t reserved_phys; /* bits 51:MAXPHYADDR */
	bool nxe;
	uint64_t entries;
	unsigned path[LEVEL_PML4 + 1]; /* index at each level, for the report */
	/* Per [level][leaf][user half]: bits that must be clear and bits that
	 * must be set, so a good entry costs two tests (the audit runs at
	 * every boot); a bad one is diagnosed by the functions below. */
	uint64_t forbidden[LEVEL_PML4 + 1][2][2];
	uint64_t required[LEVEL_PML4 + 1][2][2];
};

/* Bits hi..lo inclusive. */
static uint64_t bit_range(unsigned hi, unsigned lo)
{
	return (~0ull >> (63 - hi)) & ~((1ull << lo) - 1);
}

__attribute__((noreturn)) static void fail(const struct audit *a, int level,
					   uint64_t entry, const char *why)
{
	char where[80];
	size_t n = 0;

	for (int l = LEVEL_PML4; l >= level && n < sizeof(where); l--)
		n += (size_t)snprintf(where + n, sizeof(where) - n, "%s%s[%u]",
				      l == LEVEL_PML4 ? "" : " > ",
				      level_names[l], a->path[l]);
	panic("paging audit: %s = %016lx: %s (maxphyaddr %u, EFER.NXE %s)",
	      where, entry, why, cpu_info.phys_bits, a->nxe ? "on" : "off");
}

/* The architecture's reserved bits for a present entry at this level. */
static const char *reserved_bit(const struct audit *a, int level, uint64_t e)
{
	if (e & a->reserved_phys)
		return "address bits 51:MAXPHYADDR set (reserved)";
	if (!a->nxe && (e & PTE_NX))
		return "bit 63 (XD) set while EFER.NXE is off (reserved)";
	if (level == LEVEL_PML4 && (e & PTE_PS))
		return "bit 7 set in a PML4E (reserved)";
	if (level == LEVEL_PDPT && (e & PTE_PS)) {
		if (!cpu_info.page_1g)
			return "1 GiB page on a CPU without Page1GB (bit 7 "
			       "reserved)";
		if (e & bit_range(29, 13))
			return "bits 29:13 of a 1 GiB page set (reserved)";
	}
	if (level == LEVEL_PD && (e & PTE_PS) && (e & bit_range(20, 13)))
		return "bits 20:13 of a 2 MiB page set (reserved)";
	return NULL;
}

/* The kernel's rules: what paging.c promises about the entries it writes. */
static const char *broken_rule(int level, uint64_t e, bool leaf, bool user_half)
{
	const uint64_t table_bits = PTE_P | PTE_W | PTE_U;

	if (level == LEVEL_PT && (e & PTE_PAT))
		return "bit 7 (PAT) set in a 4 KiB PTE: the kernel uses the "
		       "default memory types only";
	if (!leaf && (e & PTE_G))
		return "bit 8 (G) set in an entry that references a table";
	if (!leaf && !phys_is_ram(e & PTE_ADDR))
		return "a page table outside RAM";
	if (!user_half)
		return (e & PTE_U) ? "user bit set in the kernel half" : NULL;
	if (leaf && (e & PTE_G))
		return "global user page: user pages differ between address "
		       "spaces";
	if (leaf && !(e & PTE_U))
		return "supervisor page in the user half";
	if (!leaf && (e & table_bits) != table_bits)
		return "user table entry not present|writable|user "
		       "(arch_translate relies on it)";
	return NULL;
}

/* The same checks as reserved_bit and broken_rule, as masks. */
static void set_masks(struct audit *a)
{
	for (int level = LEVEL_PT; level <= LEVEL_PML4; level++) {
		for (int leaf = 0; leaf < 2; leaf++) {
			for (int user = 0; user < 2; user++) {
				uint64_t bad =
				    a->reserved_phys | (a->nxe ? 0 : PTE_NX);
				uint64_t need = 0;
				if (level == LEVEL_PML4)
					bad |= PTE_PS;
				if (leaf && level == LEVEL_PDPT)
					bad |= cpu_info.page_1g
						   ? bit_range(29, 13)
						   : PTE_PS;
				if (leaf && level == LEVEL_PD)
					bad |= bit_range(20, 13);
				if (level == LEVEL_PT)
					bad |= PTE_PAT;
				if (!leaf)
					bad |= PTE_G;
				if (!user)
					bad |= PTE_U;
				else if (leaf)
					bad |= PTE_G, need = PTE_U;
				else
					need = PTE_P | PTE_W | PTE_U;
				a->forbidden[level][leaf][user] = bad;
				a->required[level][leaf][user] = need;
			}
		}
	}
}

__attribute__((noreturn)) static void diagnose(const struct audit *a, int level,
					       uint64_t e, bool leaf,
					       bool user_half)
{
	const char *why = reserved_bit(a, level, e);

	if (!why)
		why = broken_rule(level, e, leaf, user_half);
	fail(a, level, e, why ? why : "bits the kernel never sets");
}

static void audit_table(struct audit *a, uint64_t table_pa, int level,
			unsigned first, unsigned end, bool user_half)
{
	const uint64_t *t = arch_phys_to_virt(table_pa);
	const uint64_t bad_leaf = a->forbidden[level][1][user_half];
	const uint64_t need_leaf = a->required[level][1][user_half];
	const uint64_t bad_table = a->forbidden[level][0][user_half];
	const uint64_t need_table = a->required[level][0][user_half];
	uint64_t present = 0;

	for (unsigned i = first; i < end; i++) {
		uint64_t e = t[i];
		if (!(e & PTE_P))
			continue;
		present++;
		bool leaf =
		    level == LEVEL_PT || (level != LEVEL_PML4 && (e & PTE_PS));
		uint64_t bad = leaf ? bad_leaf : bad_table;
		uint64_t need = leaf ? need_leaf : need_table;
		if ((e & bad) || (e & need) != need ||
		    (!leaf && !phys_is_ram(e & PTE_ADDR))) {
			a->path[level] = i;
			diagnose(a, level, e, leaf, user_half);
		}
		if (!leaf) {
			a->path[level] = i;
			audit_table(a, e & PTE_ADDR, level - 1, 0, 512,
				    user_half);
		}
	}
	a->entries += present;
}

uint64_t arch_paging_audit(uint64_t root)
{
	struct audit a = {
	    .reserved_phys =
		cpu_info.phys_bits < 52 ? bit_range(51, cpu_info.phys_bits) : 0,
	    .nxe = rdmsr(MSR_EFER) & EFER_NXE,
	};
	uint64_t kernel = arch_kernel_root();
	const uint64_t *k = arch_phys_to_virt(kernel);

	set_masks(&a);
	if ((read_cr3() & PTE_ADDR) & a.reserved_phys)
		panic("paging audit: CR3 %016lx has address bits 51:%u set",
		      read_cr3(), cpu_info.phys_bits);
	/* The boot identity map is gone: the kernel's own user half is empty.
	 */
	for (unsigned i = 0; i < 256; i++) {
		a.path[LEVEL_PML4] = i;
		if (k[i])
			fail(&a, LEVEL_PML4, k[i],
			     "the kernel's root maps user addresses (boot "
			     "identity map left?)");
	}
	audit_table(&a, kernel, LEVEL_PML4, 256, 512, false);
	if (root && root != kernel) {
		const uint64_t *u = arch_phys_to_virt(root);
		/* Global kernel pages are correct only if every address space
		 * maps the kernel half identically. */
		for (unsigned i = 256; i < 512; i++) {
			a.path[LEVEL_PML4] = i;
			if (u[i] != k[i])
				fail(&a, LEVEL_PML4, u[i],
				     "a user address space's kernel half "
				     "differs from the kernel's");
		}
		audit_table(&a, root, LEVEL_PML4, 0, 256, true);
	}
	return a.entries;
}

void arch_paging_plant_bad_entry(void)
{
	uint64_t *k = arch_phys_to_virt(arch_kernel_root());

	/* Slot 300 is never used and nothing is accessed through it, so only
	 * the audit can notice: PS in a PML4E is reserved on every CPU. */
	k[300] = arch_kernel_root() | PTE_P | PTE_W | PTE_PS;
}
