/* SPDX-License-Identifier: MIT */
/*
 * The kernel's GDT and TSS. The descriptor order is dictated by STAR: sysret
 * loads CS = base + 16 and SS = base + 8 from the user base 0x18.
 * The TSS only supplies rsp0 (the kernel stack on entry from ring 3) and a
 * separate IST stack for double faults, NMIs and machine checks.
 */
#include <arch/cpu.h>
#include <stddef.h>
#include <string.h>

#include "arch.h"
#include <arch/x86.h>

struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));
_Static_assert(sizeof(struct tss) == 104, "TSS layout");

/* The TSS is followed by the I/O permission bitmap of the task that last
 * used port I/O (1 = denied) and the all-ones byte the CPU requires. */
#define IO_BITMAP_BYTES 8192
static struct {
	struct tss tss;
	uint8_t io_bitmap[IO_BITMAP_BYTES + 1];
} __attribute__((packed, aligned(16))) tss_area;
#define tss tss_area.tss
static const void *io_bitmap_owner;

static uint64_t gdt[8] __attribute__((aligned(16)));
static uint8_t ist_stack[8192] __attribute__((aligned(16)));

struct descriptor_pointer {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

void gdt_init(void)
{
	uint64_t base = (uint64_t)&tss_area;
	uint64_t limit = sizeof(tss_area) - 1;

	gdt[0] = 0;
	gdt[1] = 0x00af9a000000ffffull; /* kernel code 64 */
	gdt[2] = 0x00cf92000000ffffull; /* kernel data */
	gdt[3] = 0x00cffa000000ffffull; /* user code 32 (sysret base) */
	gdt[4] = 0x00cff2000000ffffull; /* user data */
	gdt[5] = 0x00affa000000ffffull; /* user code 64 */
	gdt[6] = (limit & 0xffff) | ((base & 0xffffff) << 16) |
		 (0x89ull << 40) | (((limit >> 16) & 0xf) << 48) |
		 (((base >> 24) & 0xff) << 56);
	gdt[7] = base >> 32;

	memset(&tss, 0, sizeof(tss));
	tss.ist[0] = (uint64_t)(ist_stack + sizeof(ist_stack));
	/* Beyond the limit: no bitmap, ring 3 gets no ports. */
	tss.iomap_base = sizeof(tss_area);
	memset(tss_area.io_bitmap, 0xff, sizeof(tss_area.io_bitmap));

	struct descriptor_pointer p = { sizeof(gdt) - 1, (uint64_t)gdt };
	__asm__ volatile("lgdt %0\n"
			 "mov %1, %%ds\n"
			 "mov %1, %%es\n"
			 "mov %1, %%ss\n"
			 "pushq %2\n"
			 "lea 1f(%%rip), %%rax\n"
			 "pushq %%rax\n"
			 "lretq\n"
			 "1:\n"
			 :
			 : "m"(p), "r"((uint64_t)SEL_KERNEL_DATA),
			   "i"((uint64_t)SEL_KERNEL_CODE)
			 : "rax", "memory");
	__asm__ volatile("ltr %w0" : : "r"((uint16_t)SEL_TSS));
}

void arch_set_io_bitmap(const uint8_t *bitmap, const void *owner)
{
	if (!bitmap) {
		tss.iomap_base = sizeof(tss_area);
		return;
	}
	/* Copy 8 KiB only when another task's bitmap is loaded. */
	if (owner != io_bitmap_owner) {
		memcpy(tss_area.io_bitmap, bitmap, IO_BITMAP_BYTES);
		io_bitmap_owner = owner;
	}
	tss.iomap_base = (uint16_t)offsetof(__typeof__(tss_area), io_bitmap);
}

void arch_forget_io_bitmap(const void *owner)
{
	if (io_bitmap_owner == owner)
		io_bitmap_owner = NULL;
}

void arch_set_kernel_stack(uint64_t top)
{
	tss.rsp[0] = top;
	syscall_kernel_rsp = top;
}
