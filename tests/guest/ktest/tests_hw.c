/* SPDX-License-Identifier: MIT */
/*
 * Hardware capabilities: init hands the test program copies of its roots
 * (uk_startup.rights[UK_STARTUP_HW_*]). Port I/O only where granted,
 * device memory but never RAM, interrupts as messages (COM1's transmit
 * interrupt is real hardware in QEMU), DMA memory, capabilities in messages.
 */
#include <string.h>

#include "ipc_util.h"
#include "ktest.h"

#define COM1 0x3f8
#define LAPIC_BASE 0xfee00000ull

static uk_name_t root(unsigned which)
{
	return uk_startup_info->n_rights > which ? uk_startup_info->rights[which] : 0;
}

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

DEFINE_TEST(HW0001, init_gives_root_capabilities_of_each_kind)
{
	struct uk_hw_info info;

	EXPECT_EQ(uk_cap_info(root(UK_STARTUP_HW_IO), &info), 0);
	EXPECT_EQ(info.kind, UK_HW_IO_PORTS);
	EXPECT_EQ(info.size, 65536);
	EXPECT_EQ(uk_cap_info(root(UK_STARTUP_HW_MEMORY), &info), 0);
	EXPECT_EQ(info.kind, UK_HW_MEMORY);
	EXPECT_EQ(uk_cap_info(root(UK_STARTUP_HW_IRQ), &info), 0);
	EXPECT_EQ(info.kind, UK_HW_IRQ);
	EXPECT_EQ(info.base, 1);
	EXPECT_ERR(uk_cap_info(root(UK_STARTUP_HW_IO), (void *)0xffffffff80000000ull), ERR_FAULT);
	EXPECT_ERR(uk_cap_info(0, &info), ERR_BAD_NAME);
	long port = uk_port_allocate(UK_RIGHT_RECEIVE);
	EXPECT_ERR(uk_cap_info((uint64_t)port, &info), ERR_RIGHTS);
	uk_port_destroy((uint64_t)port);
}

DEFINE_TEST(HW0002, cap_derive_only_narrows)
{
	uk_name_t io = root(UK_STARTUP_HW_IO);
	struct uk_hw_info info;

	long c = uk_cap_derive(io, COM1, 8);
	EXPECT(c > 0);
	EXPECT_EQ(uk_cap_info((uint64_t)c, &info), 0);
	EXPECT_EQ(info.base, COM1);
	EXPECT_EQ(info.size, 8);
	EXPECT_ERR(uk_cap_derive((uint64_t)c, COM1, 9), ERR_INVALID);
	EXPECT_ERR(uk_cap_derive((uint64_t)c, COM1 - 1, 2), ERR_INVALID);
	EXPECT_ERR(uk_cap_derive((uint64_t)c, COM1, 0), ERR_INVALID);
	EXPECT_ERR(uk_cap_derive((uint64_t)c, COM1 + 4, UINT64_MAX), ERR_INVALID);
	EXPECT_ERR(uk_cap_derive(root(UK_STARTUP_HW_IRQ), 0, 1), ERR_INVALID); /* the tick */
	EXPECT_ERR(uk_cap_derive(root(UK_STARTUP_HW_MEMORY), 0x1001, 4096), ERR_INVALID);
	EXPECT_ERR(uk_cap_derive(0x7777, 0, 1), ERR_BAD_NAME);
	EXPECT_EQ(uk_port_deallocate((uint64_t)c), 0);
	EXPECT_ERR(uk_cap_info((uint64_t)c, &info), ERR_BAD_NAME);
}

DEFINE_TEST(HW0003, port_io_works_only_where_granted)
{
	long c = uk_cap_derive(root(UK_STARTUP_HW_IO), 0x80, 1);
	struct uk_task_right right = { (uk_name_t)c, UK_DISP_COPY_HARDWARE };
	struct uk_exit_status st;
	const char *ok[] = { "hostile", "io-granted", NULL };
	const char *bad[] = { "hostile", "io-ungranted", NULL };

	long id = spawn_image_rights(hostile_image, HOSTILE_SIZE, "hostile", ok,
				     UK_PRIORITY_DEFAULT, &right, 1);
	EXPECT(id > 0);
	EXPECT_EQ(wait_task((uint64_t)id, &st, 10000000000ull), 0);
	EXPECT_EQ(st.reason, UK_EXIT_NORMAL);
	EXPECT_EQ(st.code, 42);
	id = spawn_image_rights(hostile_image, HOSTILE_SIZE, "hostile", bad,
				UK_PRIORITY_DEFAULT, &right, 1);
	EXPECT(id > 0);
	EXPECT_EQ(wait_task((uint64_t)id, &st, 10000000000ull), 0);
	EXPECT_EQ(st.reason, UK_EXIT_FAULT);
	EXPECT_EQ(st.vector, 13);
	/* A port right is not an I/O capability. */
	long port = uk_port_allocate(UK_RIGHT_RECEIVE);
	EXPECT_ERR(uk_io_enable((uint64_t)port), ERR_RIGHTS);
	EXPECT_ERR(uk_io_enable(root(UK_STARTUP_HW_MEMORY)), ERR_RIGHTS);
	uk_port_destroy((uint64_t)port);
	uk_port_deallocate((uint64_t)c);
}

DEFINE_TEST(HW0004, device_memory_maps_and_ram_never_does)
{
	uk_name_t mem = root(UK_STARTUP_HW_MEMORY);

	EXPECT_ERR(uk_phys_map(mem, 0x200000, 4096, UK_VM_READ), ERR_PERMISSION);
	EXPECT_ERR(uk_phys_map(mem, 0, 4096, UK_VM_READ), ERR_PERMISSION);
	EXPECT_ERR(uk_phys_map(mem, LAPIC_BASE, 4096, UK_VM_READ | UK_VM_EXEC), ERR_PERMISSION);
	EXPECT_ERR(uk_phys_map(mem, LAPIC_BASE + 1, 4096, UK_VM_READ), ERR_INVALID);
	long lapic = uk_phys_map(mem, LAPIC_BASE, 4096, UK_VM_READ);
	EXPECT(lapic > 0);
	if (lapic > 0) {
		/* Local APIC version register: a real device answers. */
		uint32_t version = *(volatile uint32_t *)(lapic + 0x30);
		EXPECT((version & 0xff) != 0 && version != 0xffffffffu);
	}
	long narrow = uk_cap_derive(mem, LAPIC_BASE, 4096);
	EXPECT_ERR(uk_phys_map((uint64_t)narrow, 4096, 4096, UK_VM_READ), ERR_INVALID);
	uk_port_deallocate((uint64_t)narrow);
	/* Device memory is unmapped with vm_free, which frees the region's
	 * bookkeeping and no frame (found by the fuzzer: such regions used
	 * to stay until the task died). */
	if (lapic > 0) {
		struct uk_kinfo_memory before = kernel_memory();
		EXPECT_ERR(uk_vm_free((uint64_t)lapic, 8192), ERR_INVALID);
		EXPECT_EQ(uk_vm_free((uint64_t)lapic, 4096), 0);
		struct uk_kinfo_memory after = kernel_memory();
		EXPECT_EQ(after.kobjects_in_use + 1, before.kobjects_in_use);
		EXPECT_EQ(after.frames_free, before.frames_free);
		EXPECT_ERR(uk_vm_free((uint64_t)lapic, 4096), ERR_NOT_FOUND);
	}
}

DEFINE_TEST(HW0005, interrupts_arrive_as_messages_until_acknowledged)
{
	long irq4 = uk_cap_derive(root(UK_STARTUP_HW_IRQ), 4, 1);
	long com1 = uk_cap_derive(root(UK_STARTUP_HW_IO), COM1, 8);
	long port = uk_port_allocate(UK_RIGHT_RECEIVE);
	struct uk_notification n;

	EXPECT(irq4 > 0 && com1 > 0 && port > 0);
	EXPECT_ERR(uk_irq_bind(root(UK_STARTUP_HW_IRQ), (uint64_t)port), ERR_INVALID);
	EXPECT_ERR(uk_irq_bind((uint64_t)com1, (uint64_t)port), ERR_RIGHTS);
	EXPECT_EQ(uk_io_enable((uint64_t)com1), 0);
	EXPECT_EQ(uk_irq_bind((uint64_t)irq4, (uint64_t)port), 0);
	EXPECT_ERR(uk_irq_bind((uint64_t)irq4, (uint64_t)port), ERR_BUSY);
	/* UART: interrupt when the transmit register is empty. */
	outb(COM1 + 1, 0x02);
	long rc = uk_ipc_receive((uint64_t)port, &n.header, sizeof(n), 2000000000ull);
	EXPECT_EQ(rc, sizeof(n));
	EXPECT_EQ(n.header.id, UK_MSG_ID_INTERRUPT);
	EXPECT_EQ(n.irq, 4);
	EXPECT(n.count >= 1);
	EXPECT(n.header.flags & UK_MSG_KERNEL);
	/* Masked until acknowledged: no second notice meanwhile. */
	EXPECT_ERR(uk_ipc_receive((uint64_t)port, &n.header, sizeof(n), 20000000), ERR_TIMED_OUT);
	EXPECT_EQ(uk_irq_ack((uint64_t)irq4), 0);
	/* The 8259 is edge-triggered: make a new edge for a second interrupt. */
	outb(COM1 + 1, 0x00);
	outb(COM1 + 1, 0x02);
	rc = uk_ipc_receive((uint64_t)port, &n.header, sizeof(n), 2000000000ull);
	EXPECT_EQ(rc, sizeof(n));
	outb(COM1 + 1, 0x00);
	EXPECT_EQ(uk_irq_ack((uint64_t)irq4), 0);
	/* A shared line: a second capability for IRQ 4 binds too; both
	 * drivers hear the interrupt and it stays masked until both ack. */
	long irq4b = uk_cap_derive(root(UK_STARTUP_HW_IRQ), 4, 1);
	long port2 = uk_port_allocate(UK_RIGHT_RECEIVE);
	EXPECT_EQ(uk_irq_bind((uint64_t)irq4b, (uint64_t)port2), 0);
	outb(COM1 + 1, 0x02);
	EXPECT_EQ(uk_ipc_receive((uint64_t)port, &n.header, sizeof(n), 2000000000ull), sizeof(n));
	EXPECT_EQ(uk_ipc_receive((uint64_t)port2, &n.header, sizeof(n), 2000000000ull), sizeof(n));
	EXPECT_EQ(n.irq, 4);
	outb(COM1 + 1, 0x00);
	EXPECT_EQ(uk_irq_ack((uint64_t)irq4), 0);
	outb(COM1 + 1, 0x02); /* a new edge, but one sharer has not acked */
	EXPECT_ERR(uk_ipc_receive((uint64_t)port, &n.header, sizeof(n), 20000000), ERR_TIMED_OUT);
	EXPECT_EQ(uk_irq_ack((uint64_t)irq4b), 0);
	EXPECT_EQ(uk_ipc_receive((uint64_t)port, &n.header, sizeof(n), 2000000000ull), sizeof(n));
	EXPECT_EQ(uk_ipc_receive((uint64_t)port2, &n.header, sizeof(n), 2000000000ull), sizeof(n));
	outb(COM1 + 1, 0x00);
	/* A sharer that dies stops holding the line. */
	uk_port_destroy((uint64_t)port2);
	EXPECT_EQ(uk_irq_ack((uint64_t)irq4), 0);
	outb(COM1 + 1, 0x02);
	EXPECT_EQ(uk_ipc_receive((uint64_t)port, &n.header, sizeof(n), 2000000000ull), sizeof(n));
	outb(COM1 + 1, 0x00);
	EXPECT_EQ(uk_irq_ack((uint64_t)irq4), 0);
	EXPECT_EQ(uk_irq_bind((uint64_t)irq4b, UK_NAME_NULL), 0);
	uk_port_deallocate((uint64_t)irq4b);
	EXPECT_EQ(uk_irq_bind((uint64_t)irq4, UK_NAME_NULL), 0);
	EXPECT_ERR(uk_irq_ack((uint64_t)irq4), ERR_NOT_FOUND);
	uk_port_destroy((uint64_t)port);
	uk_port_deallocate((uint64_t)irq4);
	uk_port_deallocate((uint64_t)com1);
}

DEFINE_TEST(HW0006, dma_memory_is_contiguous_zeroed_and_freeable)
{
	uint64_t phys = 0;
	long a = uk_vm_allocate_dma(3 * 4096, &phys);

	EXPECT(a > 0);
	EXPECT(phys != 0 && (phys & 4095) == 0);
	if (a > 0) {
		const uint8_t *p = (const uint8_t *)a;
		int nonzero = 0;
		for (int i = 0; i < 3 * 4096; i++)
			nonzero |= p[i];
		EXPECT_EQ(nonzero, 0);
		EXPECT_EQ(uk_vm_free((uint64_t)a, 3 * 4096), 0);
	}
	EXPECT_ERR(uk_vm_allocate_dma(4096, NULL), ERR_FAULT);
	EXPECT_ERR(uk_vm_allocate_dma(0, &phys), ERR_INVALID);
	EXPECT_ERR(uk_vm_allocate_dma(1ull << 40, &phys), ERR_TOO_BIG);
}

DEFINE_TEST(HW0007, capabilities_travel_in_messages)
{
	long port = uk_port_allocate(UK_RIGHT_RECEIVE);
	long send = uk_port_insert_right((uint64_t)port, UK_DISP_MAKE_SEND);
	long c = uk_cap_derive(root(UK_STARTUP_HW_IO), 0x80, 1);
	struct {
		struct uk_msg_header h;
		struct uk_msg_port p;
	} msg = { { .size = sizeof(msg), .dest = (uk_name_t)send, .n_ports = 1 },
		  { (uk_name_t)c, UK_DISP_MOVE_HARDWARE } }, in;
	struct uk_hw_info info;

	EXPECT(send == port);
	EXPECT_EQ(uk_ipc_send(&msg.h, sizeof(msg), 0), 0);
	EXPECT_ERR(uk_cap_info((uint64_t)c, &info), ERR_BAD_NAME); /* moved */
	EXPECT_EQ(uk_ipc_receive((uint64_t)port, &in.h, sizeof(in), 0), sizeof(in));
	EXPECT_EQ(in.p.disposition, UK_RIGHT_HARDWARE);
	EXPECT_EQ(uk_cap_info(in.p.name, &info), 0);
	EXPECT_EQ(info.base, 0x80);
	uk_port_deallocate(in.p.name);
	uk_port_destroy((uint64_t)port);
}

/* Send a copy of capability c to ourselves; the copy's name. */
static long copy_through_message(long c)
{
	long port = uk_port_allocate(UK_RIGHT_RECEIVE);
	long send = uk_port_insert_right((uint64_t)port, UK_DISP_MAKE_SEND);
	struct {
		struct uk_msg_header h;
		struct uk_msg_port p;
	} msg = { { .size = sizeof(msg), .dest = (uk_name_t)send, .n_ports = 1 },
		  { (uk_name_t)c, UK_DISP_COPY_HARDWARE } }, in;
	long rc = port > 0 && send == port ? uk_ipc_send(&msg.h, sizeof(msg), 0) : -ERR_INVALID;

	if (rc == 0)
		rc = uk_ipc_receive((uint64_t)port, &in.h, sizeof(in), 0);
	uk_port_destroy((uint64_t)port);
	uk_port_deallocate((uint64_t)send); /* the dead name left */
	return rc == sizeof(in) ? (long)in.p.name : rc;
}

DEFINE_TEST(HW0008, cap_revoke_kills_descendants_and_undoes_what_they_allowed)
{
	struct uk_kinfo_memory before = kernel_memory();
	struct uk_hw_info info;

	/* Device memory: A from the root, B from A, a mapping through B. */
	long a_mem = uk_cap_derive(root(UK_STARTUP_HW_MEMORY), LAPIC_BASE, 4096);
	long b_mem = uk_cap_derive((uint64_t)a_mem, LAPIC_BASE, 4096);
	long map = uk_phys_map((uint64_t)b_mem, 0, 4096, UK_VM_READ);
	EXPECT(a_mem > 0 && b_mem > 0 && map > 0);
	/* I/O ports (COM2, unused): B enabled, C derived from B, a copy of B. */
	long a_io = uk_cap_derive(root(UK_STARTUP_HW_IO), 0x2f8, 8);
	long b_io = uk_cap_derive((uint64_t)a_io, 0x2f8, 8);
	EXPECT_EQ(uk_io_enable((uint64_t)b_io), 0);
	long c_io = uk_cap_derive((uint64_t)b_io, 0x2f8, 1);
	long copy_io = copy_through_message(b_io);
	EXPECT(a_io > 0 && b_io > 0 && c_io > 0 && copy_io > 0);
	/* An interrupt line (COM2's, unused) bound through B. */
	long a_irq = uk_cap_derive(root(UK_STARTUP_HW_IRQ), 3, 1);
	long b_irq = uk_cap_derive((uint64_t)a_irq, 3, 1);
	long port = uk_port_allocate(UK_RIGHT_RECEIVE);
	EXPECT_EQ(uk_irq_bind((uint64_t)b_irq, (uint64_t)port), 0);

	EXPECT_EQ(uk_cap_revoke((uint64_t)a_mem), 1);
	EXPECT_EQ(uk_cap_revoke((uint64_t)a_io), 2); /* B and C; the copy is B */
	EXPECT_EQ(uk_cap_revoke((uint64_t)a_irq), 1);
	EXPECT_EQ(uk_cap_revoke((uint64_t)a_io), 0); /* nothing left below A */

	long dead[] = { b_mem, b_io, c_io, copy_io, b_irq };
	for (unsigned i = 0; i < sizeof(dead) / sizeof(dead[0]); i++) {
		EXPECT_ERR(uk_cap_info((uint64_t)dead[i], &info), ERR_DEAD);
		EXPECT_ERR(uk_cap_derive((uint64_t)dead[i], 0x2f8, 1), ERR_DEAD);
		EXPECT_ERR(uk_cap_revoke((uint64_t)dead[i]), ERR_DEAD);
	}
	EXPECT_ERR(uk_phys_map((uint64_t)b_mem, 0, 4096, UK_VM_READ), ERR_DEAD);
	EXPECT_ERR(uk_io_enable((uint64_t)b_io), ERR_DEAD);
	EXPECT_ERR(uk_irq_ack((uint64_t)b_irq), ERR_DEAD);
	EXPECT_ERR(uk_irq_bind((uint64_t)b_irq, UK_NAME_NULL), ERR_DEAD);
	/* The mapping is gone (reading it would fault). */
	EXPECT_ERR(uk_vm_free((uint64_t)map, 4096), ERR_NOT_FOUND);

	/* A itself stays valid and usable. */
	EXPECT_EQ(uk_cap_info((uint64_t)a_mem, &info), 0);
	EXPECT_EQ(info.base, LAPIC_BASE);
	long again = uk_phys_map((uint64_t)a_mem, 0, 4096, UK_VM_READ);
	EXPECT(again > 0);
	EXPECT_EQ(uk_vm_free((uint64_t)again, 4096), 0);
	long child = uk_cap_derive((uint64_t)a_io, 0x2f8, 2);
	EXPECT(child > 0);
	EXPECT_EQ(uk_port_deallocate((uint64_t)child), 0);
	/* The line is free of B's binding: A binds and unbinds. */
	EXPECT_EQ(uk_irq_bind((uint64_t)a_irq, (uint64_t)port), 0);
	EXPECT_EQ(uk_irq_bind((uint64_t)a_irq, UK_NAME_NULL), 0);

	/* Dead names still drop; then every object is back: the region, the
	 * binding's notice, the enable's and the mapping's references. */
	long names[] = { b_mem, a_mem, c_io, copy_io, b_io, a_io, b_irq, a_irq };
	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		EXPECT_EQ(uk_port_deallocate((uint64_t)names[i]), 0);
	uk_port_destroy((uint64_t)port);
	EXPECT_EQ(kernel_memory().kobjects_in_use, before.kobjects_in_use);
}

DEFINE_TEST(HW0009, cap_revoke_closes_ports_another_task_opened)
{
	long a = uk_cap_derive(root(UK_STARTUP_HW_IO), 0x80, 1);
	long b = uk_cap_derive((uint64_t)a, 0x80, 1);
	long port = uk_port_allocate(UK_RIGHT_RECEIVE);
	long send = uk_port_insert_right((uint64_t)port, UK_DISP_MAKE_SEND);
	struct uk_task_right rights[2] = { { (uk_name_t)b, UK_DISP_COPY_HARDWARE },
					   { (uk_name_t)send, UK_DISP_COPY_SEND } };
	const char *argv[] = { "hostile", "io-revoked", NULL };
	struct uk_msg_header h;
	struct uk_exit_status st;

	EXPECT(a > 0 && b > 0 && send == port);
	long id = spawn_image_rights(hostile_image, HOSTILE_SIZE, "hostile", argv,
				     UK_PRIORITY_DEFAULT, rights, 2);
	EXPECT(id > 0);
	/* Its ports are open (it says so), then revoked under it. */
	EXPECT_EQ(uk_ipc_receive((uint64_t)port, &h, sizeof(h), 10000000000ull), sizeof(h));
	EXPECT_EQ(uk_cap_revoke((uint64_t)a), 1);
	EXPECT_EQ(wait_task((uint64_t)id, &st, 10000000000ull), 0);
	EXPECT_EQ(st.reason, UK_EXIT_FAULT);
	EXPECT_EQ(st.vector, 13);
	uk_port_destroy((uint64_t)port);
	uk_port_deallocate((uint64_t)send);
	uk_port_deallocate((uint64_t)b);
	uk_port_deallocate((uint64_t)a);
}
