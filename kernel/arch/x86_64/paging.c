/* SPDX-License-Identifier: MIT */
/*
 * 4-level paging. The kernel half (PML4 entries 256-511) is built once here
 * and shared by every address space: entry 256 is the direct map of all
 * physical memory (2 MiB pages), entry 511 maps the kernel image. Those
 * PML4 entries never change after paging_init, so copying them into a new
 * root is enough to share the kernel, and their leaves may be global. User
 * tables hold 4 KiB pages, never global; PTE software bit 9 marks frames the
 * address space does not own (device memory, the boot archive), which
 * destroy must not free. Every entry written here is valid for the CPU it
 * runs on: physical addresses below 2^MAXPHYADDR, bit 63 only when
 * EFER.NXE is on, bit 7 never in a 4 KiB PTE (paging_audit.c checks).
 * A user address space's tables and the frames it owns are charged to
 * the account its creator names (quota.h) until destroy.
 */
#include <arch/cpu.h>
#include <arch/pte.h>
#include <arch/x86.h>
#include <string.h>
#include <uk/errors.h>
#include <uk/types.h>

#include "arch.h"
#include "cow.h"
#include "kernel.h"
#include "quota.h"

static uint64_t kernel_root; /* physical address of the kernel's PML4 */
/* PTE_NX when EFER.NXE is on, else 0: bit 63 is reserved without it, and a
 * reserved bit makes every access through the entry fault. */
static uint64_t pte_nx;

void *arch_phys_to_virt(uint64_t phys)
{
	return phys_to_virt(phys);
}

uint64_t arch_virt_to_phys(const void *virt)
{
	return kernel_virt_to_phys(virt);
}

uint64_t arch_kernel_root(void)
{
	return kernel_root;
}

static uint64_t *table(uint64_t entry)
{
	return phys_to_virt(entry & PTE_ADDR);
}

/* A zeroed frame for a user page table, charged to a. */
static int new_table(struct account *a, uint64_t *pa)
{
	int rc = account_frame_alloc(a, pa);

	if (rc == 0)
		memset(phys_to_virt(*pa), 0, PAGE_SIZE);
	return rc;
}

int arch_paging_init(uint64_t phys_end)
{
	/* The boot PML4 becomes the kernel's: its entry 511 already maps the
	 * image. Until the direct map exists, new tables are reached through
	 * the boot mapping of the first 1 GiB at KERNEL_VMA, so they must come
	 * from low memory: the allocator hands out low frames first. */
	uint64_t *pml4 = boot_pml4;
	uint64_t pdpt_pa, pa;
	uint64_t global = (cpu_info.features & UK_CPU_PGE) ? PTE_G : 0;

	pte_nx = (rdmsr(MSR_EFER) & EFER_NXE) ? PTE_NX : 0;
	kassert(phys_end <= arch_phys_limit());
	if (!kframe_alloc(&pdpt_pa))
		return -1;
	uint64_t *pdpt = (uint64_t *)(KERNEL_VMA + pdpt_pa);
	memset(pdpt, 0, PAGE_SIZE);
	for (uint64_t gib = 0; gib * (1ull << 30) < phys_end && gib < 512; gib++) {
		if (!kframe_alloc(&pa))
			return -1;
		uint64_t *pd = (uint64_t *)(KERNEL_VMA + pa);
		for (uint64_t i = 0; i < 512; i++)
			pd[i] = ((gib << 30) + (i << 21)) | PTE_P | PTE_W |
				PTE_PS | global | pte_nx;
		pdpt[gib] = pa | PTE_P | PTE_W;
	}
	pml4[256] = pdpt_pa | PTE_P | PTE_W;
	pml4[0] = 0; /* drop the boot identity map */
	/* The image's 2 MiB pages (boot.S) are the same in every address
	 * space too; its tables lie in the image, in low memory. */
	uint64_t *image_pdpt = (uint64_t *)(KERNEL_VMA + (pml4[511] & PTE_ADDR));
	uint64_t *image_pd = (uint64_t *)(KERNEL_VMA +
		(image_pdpt[(KERNEL_VMA >> 30) & 511] & PTE_ADDR));
	for (int i = 0; i < 512; i++)
		if (image_pd[i] & PTE_P)
			image_pd[i] |= global;
	kernel_root = (uint64_t)pml4 - KERNEL_VMA;
	write_cr3(kernel_root);
	/* Nothing of the identity map may survive in the TLB: this flushes
	 * every entry, then lets the kernel's be global. */
	cpu_enable_global_pages();
	return 0;
}

int arch_aspace_create(struct account *a, uint64_t *root)
{
	uint64_t pa;
	int rc = new_table(a, &pa);

	if (rc < 0)
		return rc;
	uint64_t *pml4 = phys_to_virt(pa);
	uint64_t *kernel = phys_to_virt(kernel_root);
	for (int i = 256; i < 512; i++)
		pml4[i] = kernel[i];
	*root = pa;
	return 0;
}

static void free_level(struct account *a, uint64_t table_pa, int level)
{
	uint64_t *t = phys_to_virt(table_pa);
	int entries = level == 4 ? 256 : 512; /* only the user half of a PML4 */

	for (int i = 0; i < entries; i++) {
		uint64_t e = t[i];
		if (!(e & PTE_P))
			continue;
		if (level == 1) {
			if (!(e & PTE_NOT_OWNED))
				cow_release(a, e & PTE_ADDR);
		} else {
			free_level(a, e & PTE_ADDR, level - 1);
		}
	}
	account_frames_free(a, table_pa, 1);
}

void arch_aspace_destroy(struct account *a, uint64_t root)
{
	free_level(a, root, 4);
}

/* Walk to the PTE for va; NULL if a table is absent. With a (create),
 * missing tables are made and charged to a; *error says why none could
 * be. */
static uint64_t *walk(uint64_t root, uint64_t va, struct account *a, int *error)
{
	uint64_t *t = phys_to_virt(root);

	for (int shift = 39; shift > 12; shift -= 9) {
		uint64_t *e = &t[(va >> shift) & 511];
		if (!(*e & PTE_P)) {
			uint64_t pa;
			if (!a || (*error = new_table(a, &pa)) < 0)
				return NULL;
			kassert(pa < arch_phys_limit());
			*e = pa | PTE_P | PTE_W | PTE_U;
		}
		t = table(*e);
	}
	return &t[(va >> 12) & 511];
}

int arch_map_page(struct account *a, uint64_t root, uint64_t va, uint64_t pa,
		  unsigned flags)
{
	uint64_t *pte;
	int rc = 0;

	if (va >= USER_TOP || (va & ~PAGE_MASK) || (pa & ~PAGE_MASK))
		return -ERR_INVALID;
	/* Callers map RAM below phys_end or device memory inside a hardware
	 * capability, which never reaches past 2^MAXPHYADDR. */
	kassert(pa < arch_phys_limit());
	pte = walk(root, va, a, &rc);
	if (!pte)
		return rc;
	/* Never PTE_PAT (bit 7 of a 4 KiB PTE) nor PTE_G: user pages differ
	 * between address spaces. */
	*pte = pa | PTE_P | ((flags & (MAP_WRITE | MAP_COW)) == MAP_WRITE ? PTE_W : 0) |
	       ((flags & MAP_COW) ? PTE_COW : 0) |
	       ((flags & MAP_USER) ? PTE_U : 0) |
	       ((flags & MAP_EXEC) ? 0 : pte_nx) |
	       ((flags & MAP_NOT_OWNED) ? PTE_NOT_OWNED : 0) |
	       ((flags & MAP_UNCACHED) ? PTE_PCD | PTE_PWT : 0);
	if (root == (read_cr3() & PTE_ADDR))
		invlpg(va);
	return 0;
}

uint64_t arch_next_mapped(uint64_t root, uint64_t va, uint64_t end)
{
	while (va < end) {
		const uint64_t *t = phys_to_virt(root);
		int shift = 39;
		for (; shift > 12; shift -= 9) {
			uint64_t e = t[(va >> shift) & 511];
			if (!(e & PTE_P))
				break;
			t = table(e);
		}
		if (shift == 12)
			return va; /* a leaf table: the caller looks at the entry */
		/* Nothing below this entry: skip all it covers. */
		uint64_t next = (va | ((1ull << shift) - 1)) + 1;
		if (next <= va)
			return end;
		va = next;
	}
	return end;
}

int arch_unmap_page_state(uint64_t root, uint64_t va, uint64_t *pa)
{
	uint64_t *pte = walk(root, va, NULL, NULL);

	if (!pte || !(*pte & PTE_P))
		return 0;
	uint64_t e = *pte;
	*pa = e & PTE_ADDR;
	*pte = 0;
	if (root == (read_cr3() & PTE_ADDR))
		invlpg(va);
	return ARCH_PAGE_PRESENT | ((e & PTE_D) ? ARCH_PAGE_DIRTY : 0) |
	       ((e & PTE_COW) ? ARCH_PAGE_COW : 0) |
	       ((e & PTE_NOT_OWNED) ? 0 : ARCH_PAGE_OWNED);
}

bool arch_unmap_page(uint64_t root, uint64_t va, uint64_t *pa, bool *owned)
{
	int st = arch_unmap_page_state(root, va, pa);

	*owned = (st & ARCH_PAGE_OWNED) != 0;
	return st != 0;
}

/* Hot (IPC copies into another task): four levels unrolled, one test of
 * the combined bits per level. Intermediate user tables are always
 * present | writable | user, so only the leaf decides write access. */
bool arch_translate(uint64_t root, uint64_t va, bool want_write, uint64_t *pa)
{
	const uint64_t need = PTE_P | PTE_U;
	uint64_t e;

	if (va >= USER_TOP)
		return false;
	e = ((uint64_t *)phys_to_virt(root))[(va >> 39) & 511];
	if ((e & need) != need)
		return false;
	e = ((uint64_t *)phys_to_virt(e & PTE_ADDR))[(va >> 30) & 511];
	if ((e & need) != need)
		return false;
	e = ((uint64_t *)phys_to_virt(e & PTE_ADDR))[(va >> 21) & 511];
	if ((e & need) != need)
		return false;
	uint64_t *pte = &((uint64_t *)phys_to_virt(e & PTE_ADDR))[(va >> 12) & 511];
	e = *pte;
	if ((e & need) != need || (want_write && !(e & PTE_W)))
		return false;
	/* The kernel writes through its own mapping of the frame: mark the
	 * page written as the CPU would (page-out reads the dirty bit). */
	if (want_write && !(e & PTE_D))
		*pte = e | PTE_D | PTE_A;
	*pa = (e & PTE_ADDR) | (va & ~PAGE_MASK);
	return true;
}

int arch_page_state(uint64_t root, uint64_t va, bool clear_dirty,
		    uint64_t *pa)
{
	uint64_t *pte = walk(root, va, NULL, NULL);

	if (!pte || !(*pte & PTE_P))
		return 0;
	*pa = *pte & PTE_ADDR;
	int st = ARCH_PAGE_PRESENT | ((*pte & PTE_COW) ? ARCH_PAGE_COW : 0) |
		 ((*pte & PTE_NOT_OWNED) ? 0 : ARCH_PAGE_OWNED);
	if (!(*pte & PTE_D))
		return st;
	if (clear_dirty) {
		*pte &= ~PTE_D;
		/* A TLB entry that has the page dirty would let the next
		 * write through without setting the bit again. */
		if (root == (read_cr3() & PTE_ADDR))
			invlpg(va);
	}
	return st | ARCH_PAGE_DIRTY;
}

void arch_activate_aspace(uint64_t root)
{
	if ((read_cr3() & PTE_ADDR) != root)
		write_cr3(root);
}
