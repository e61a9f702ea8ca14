/* SPDX-License-Identifier: MIT */
/*
 * Bits of 4-level paging entries (Intel SDM vol. 3A 4.5, the tables of
 * PML4E, PDPTE, PDE and PTE formats), shared by paging.c, which writes
 * entries, and paging_audit.c, which checks them.
 */
#ifndef ARCH_PTE_H
#define ARCH_PTE_H

#define PTE_P (1ull << 0)
#define PTE_W (1ull << 1)
#define PTE_U (1ull << 2)
#define PTE_PWT (1ull << 3)
#define PTE_PCD (1ull << 4)
#define PTE_A (1ull << 5)   /* accessed: set by the CPU */
#define PTE_D (1ull << 6)   /* leaves: dirty, set by the CPU on a write */
#define PTE_PS (1ull << 7)  /* PDPTE/PDE: maps a page; PML4E: reserved */
#define PTE_PAT (1ull << 7) /* 4 KiB PTE: the same bit selects a PAT entry */
#define PTE_G (1ull << 8)   /* leaves only; ignored unless CR4.PGE */
#define PTE_NOT_OWNED (1ull << 9) /* software: frame not the space's to free   \
				   */
#define PTE_COW (1ull << 10) /* software: copy-on-write (cow.h) */
#define PTE_NX (1ull << 63)	  /* reserved unless EFER.NXE */
#define PTE_ADDR 0x000ffffffffff000ull /* bits 51:12; M..51 reserved */

#endif
