/* SPDX-License-Identifier: MIT */
/*
 * IDT set-up and the first C code on every interrupt and exception.
 * Exceptions in user mode become a fault of the running task (generic code
 * kills it and tells its waiters); exceptions in kernel mode are kernel bugs
 * and panic with registers and a backtrace. IRQs go to the generic handler.
 */
#include <arch/cpu.h>
#include <arch/trap_frame_offsets.h>
#include <arch/x86.h>
#include <stddef.h>
#include <uk/errors.h>

#include "arch.h"
#include "kernel.h"
#include "pager.h"
#include "sched.h"
#include "task.h"
#include "vm.h"

_Static_assert(offsetof(struct trap_frame, rax) == TF_RAX, "TF_RAX");
_Static_assert(offsetof(struct trap_frame, vector) == TF_VECTOR, "TF_VECTOR");
_Static_assert(offsetof(struct trap_frame, rip) == TF_RIP, "TF_RIP");
_Static_assert(offsetof(struct trap_frame, cs) == TF_CS, "TF_CS");
_Static_assert(offsetof(struct trap_frame, rsp) == TF_RSP, "TF_RSP");

struct idt_entry {
	uint16_t offset_lo;
	uint16_t selector;
	uint8_t ist;
	uint8_t type;
	uint16_t offset_mid;
	uint32_t offset_hi;
	uint32_t reserved;
} __attribute__((packed));

static struct idt_entry idt[256] __attribute__((aligned(16)));

static const char *const exception_names[32] = {
	"divide error", "debug", "NMI", "breakpoint", "overflow",
	"bound range", "invalid opcode", "device not available",
	"double fault", "coprocessor overrun", "invalid TSS",
	"segment not present", "stack fault", "general protection",
	"page fault", "reserved", "x87 floating point", "alignment check",
	"machine check", "SIMD floating point", "virtualization",
	"control protection", "reserved", "reserved", "reserved", "reserved",
	"reserved", "reserved", "hypervisor injection", "VMM communication",
	"security", "reserved",
};

static void set_gate(unsigned vector, uint64_t handler, unsigned ist)
{
	struct idt_entry *e = &idt[vector];

	e->offset_lo = handler & 0xffff;
	e->selector = SEL_KERNEL_CODE;
	e->ist = (uint8_t)ist;
	e->type = 0x8e; /* present, ring 0, interrupt gate (IF cleared) */
	e->offset_mid = (handler >> 16) & 0xffff;
	e->offset_hi = (uint32_t)(handler >> 32);
	e->reserved = 0;
}

void idt_init(void)
{
	for (unsigned v = 0; v < 48; v++)
		set_gate(v, isr_table[v], 0);
	/* Double fault, NMI and machine check run on their own stack so a
	 * kernel stack overflow still reports. */
	set_gate(8, isr_table[8], 1);
	set_gate(2, isr_table[2], 1);
	set_gate(18, isr_table[18], 1);

	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) p = { sizeof(idt) - 1, (uint64_t)idt };
	__asm__ volatile("lidt %0" : : "m"(p));
}

const char *arch_exception_name(unsigned vector)
{
	return vector < 32 ? exception_names[vector] : "interrupt";
}

static void dump_frame(const struct trap_frame *f)
{
	kprintf("  rip %016lx  cs %04lx  rflags %016lx  error %lx\n", f->rip,
		f->cs, f->rflags, f->error);
	kprintf("  rsp %016lx  ss %04lx  cr2 %016lx  cr3 %016lx\n", f->rsp,
		f->ss, read_cr2(), read_cr3());
	kprintf("  rax %016lx  rbx %016lx  rcx %016lx  rdx %016lx\n", f->rax,
		f->rbx, f->rcx, f->rdx);
	kprintf("  rsi %016lx  rdi %016lx  rbp %016lx  r8  %016lx\n", f->rsi,
		f->rdi, f->rbp, f->r8);
	kprintf("  r9  %016lx  r10 %016lx  r11 %016lx  r12 %016lx\n", f->r9,
		f->r10, f->r11, f->r12);
	kprintf("  r13 %016lx  r14 %016lx  r15 %016lx\n", f->r13, f->r14,
		f->r15);
}

/* What a page fault's error code says (SDM vol. 3A 4.7). */
static void explain_page_fault(uint64_t error, uint64_t addr)
{
	kprintf("  page fault at %016lx: %s, %s, %s mode%s%s\n", addr,
		(error & 1) ? "protection violation" : "page not present",
		(error & 16) ? "instruction fetch" : (error & 2) ? "write" : "read",
		(error & 4) ? "user" : "supervisor",
		(error & 8) ? ", reserved bit set in a paging entry" : "",
		(error & 1) && !(error & 4) && addr < USER_TOP
			? ", user page (SMEP/SMAP)" : "");
}

void arch_backtrace(uint64_t rbp, int max_frames)
{
	kprintf("  backtrace (resolve with addr2line -e build/kernel/kernel.elf):\n");
	for (int i = 0; i < max_frames && rbp; i++) {
		/* Only follow frame pointers that stay inside kernel memory. */
		if (rbp < KERNEL_VMA || (rbp & 7))
			break;
		uint64_t *frame = (uint64_t *)rbp;
		uint64_t ret = frame[1];
		if (ret < (uint64_t)_text_start || ret >= (uint64_t)_text_end)
			break;
		kprintf("    #%d %016lx\n", i, ret);
		rbp = frame[0];
	}
}

uint64_t arch_current_frame_pointer(void)
{
	return (uint64_t)__builtin_frame_address(0);
}

void trap_dispatch(struct trap_frame *f)
{
	bool user = (f->cs & 3) == 3;

	if (f->vector >= 32 && f->vector < 48) {
		unsigned irq = (unsigned)f->vector - 32;
		pic_eoi(irq);
		irq_handle(irq);
	} else if (user) {
		int64_t code = 0;
		/* A window onto a memory object: its pager may supply the
		 * page, and the access is retried. */
		if (f->vector == 14 &&
		    (code = vm_page_fault(current->task, read_cr2(),
					  (unsigned)f->error & 3)) == 0) {
			vm_pressure_check(); /* a fault may have taken memory */
			sched_preempt_point();
			return;
		}
		if (code == -ERR_FAULT)
			code = 0;
		struct fault_info info = {
			.vector = (unsigned)f->vector,
			.error = f->error,
			.ip = f->rip,
			.addr = f->vector == 14 ? read_cr2() : 0,
			.name = arch_exception_name((unsigned)f->vector),
			.code = code,
		};
		if (log_level >= LOG_DEBUG)
			dump_frame(f);
		task_fault(&info); /* does not return to this task */
	} else if (f->vector == 14 && f->rip >= (uint64_t)copy_user_start &&
		   f->rip < (uint64_t)copy_user_end) {
		/* A demand-zero page: filled, and the copy goes on (rep movs
		 * resumes where it stopped). */
		if (vm_kernel_fault(current->task, read_cr2(),
				    (unsigned)f->error & 3) == 0)
			return;
		/* A checked copy touched a bad user page: report, not panic. */
		f->rip = (uint64_t)copy_user_fault;
		return;
	} else {
		kprintf("\n*** kernel exception %lu (%s) ***\n", f->vector,
			arch_exception_name((unsigned)f->vector));
		dump_frame(f);
		if (f->vector == 14)
			explain_page_fault(f->error, read_cr2());
		arch_backtrace(f->rbp, 16);
		panic("exception %lu (%s) in kernel mode at %lx", f->vector,
		      arch_exception_name((unsigned)f->vector), f->rip);
	}
	sched_preempt_point();
}

bool arch_frame_from_user(const struct trap_frame *f)
{
	return (f->cs & 3) == 3;
}

uint64_t arch_frame_ip(const struct trap_frame *f)
{
	return f->rip;
}
