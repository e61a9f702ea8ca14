/* SPDX-License-Identifier: MIT */
/*
 * Kernel notices (issue #11, attacks 1 and 4): a notice goes only to a
 * port the requester receives on, cannot be multiplied, is allocated when
 * it is requested (so it is never dropped), and a no-senders notice
 * carries the port's make-send count.
 */
#include <string.h>

#include "ipc_util.h"

#define COM1 0x3f8

static union ipc_buf note, reply;

static struct uk_notification *notice(void)
{
	return (struct uk_notification *)(void *)&note.h;
}

static uk_name_t root(unsigned which)
{
	return uk_startup_info->n_rights > which ? uk_startup_info->rights[which] : 0;
}

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static void expect_quit(uk_name_t svc, long peer)
{
	EXPECT_EQ(peer_call(svc, IPCPEER_QUIT, NULL, 0, NULL, 0, &reply),
		  sizeof(struct uk_msg_header));
	struct uk_exit_status st = peer_wait(peer, 5 * SECOND);
	EXPECT_EQ(st.reason, UK_EXIT_NORMAL);
}

/* Objects the kernel holds, once it has settled (the reaper frees a dead
 * task's threads a little later). */
static uint64_t kobjects_settled(uint64_t want)
{
	uint64_t k = kernel_memory().kobjects_in_use;

	for (int i = 0; i < 100 && k != want; i++) {
		uk_sleep(10 * MS);
		k = kernel_memory().kobjects_in_use;
	}
	return k;
}

DEFINE_TEST(NTF0001, a_send_right_cannot_aim_notices_at_another_tasks_port)
{
	uk_name_t svc;
	long peer = peer_serve(&svc);
	uk_name_t victim = port_new_send(1);
	uk_name_t mine = port_new();
	uk_name_t x = port_new_send(1);

	if (peer < 0)
		return;
	/* The victim's receive right goes to the peer: we keep a send right,
	 * as any client keeps one to a server's public port. */
	struct uk_msg_port give = {victim, UK_DISP_MOVE_RECEIVE};
	EXPECT(peer_call(svc, IPCPEER_KEEP_RIGHTS, &give, 1, NULL, 0, &reply) > 0);
	EXPECT_EQ(rights_of(victim), UK_RIGHT_SEND);
	/* The attack: notices about our own names, aimed at the victim. */
	EXPECT_ERR(uk_port_request_notification(x, UK_NOTIFY_DEAD_NAME, victim),
		   ERR_RIGHTS);
	EXPECT_ERR(uk_port_request_notification(x, UK_NOTIFY_NO_SENDERS, victim),
		   ERR_RIGHTS);
	/* Sweeping names cannot help: a stale name is refused first. */
	EXPECT_ERR(uk_port_request_notification(x, UK_NOTIFY_DEAD_NAME,
						 victim + 1),
		   ERR_BAD_NAME);
	/* Interrupts are notices too. */
	long irq4 = uk_cap_derive(root(UK_STARTUP_HW_IRQ), 4, 1);
	EXPECT(irq4 > 0);
	long rc = uk_irq_bind((uint64_t)irq4, victim);
	EXPECT_ERR(rc, ERR_RIGHTS);
	if (rc == 0)
		uk_irq_bind((uint64_t)irq4, UK_NAME_NULL);
	uk_port_deallocate((uint64_t)irq4);
	/* Our own receive right is a fine notify port. */
	uk_name_t z = port_new();
	EXPECT_EQ(uk_port_request_notification(z, UK_NOTIFY_NO_SENDERS, mine), 0);
	EXPECT_EQ(msg_receive(mine, &note, SECOND), sizeof(struct uk_notification));
	EXPECT_EQ(notice()->header.id, UK_MSG_ID_NO_SENDERS);
	EXPECT_EQ(notice()->name, z);
	uk_port_destroy(z);
	/* x dies: nothing may reach the victim's queue. */
	EXPECT_EQ(uk_port_destroy(x), 0);
	uk_port_deallocate(x);
	/* Take the victim's receive right back and look at its queue. */
	EXPECT(peer_call(svc, IPCPEER_RETURN_RIGHTS, NULL, 0, NULL, 0, &reply) > 0);
	EXPECT_EQ(rights_of(victim), UK_RIGHT_RECEIVE | UK_RIGHT_SEND);
	long got = msg_receive(victim, &note, 0);
	EXPECT_ERR(got, ERR_TIMED_OUT);
	if (got > 0)
		printf("ktest: forged notice id 0x%x name 0x%llx reached the victim\n",
		       note.h.id, (unsigned long long)notice()->name);
	expect_quit(svc, peer);
	uk_port_deallocate(svc);
	uk_port_destroy(victim);
	uk_port_destroy(mine);
}

DEFINE_TEST(NTF0002, repeated_requests_give_one_notice)
{
	uk_name_t svc;
	long peer = peer_serve(&svc);
	uk_name_t n = port_new();

	if (peer < 0)
		return;
	EXPECT_EQ(uk_port_set_limit(n, 1), 0);
	EXPECT(peer_call(svc, IPCPEER_MAKE_PORT, NULL, 0, NULL, 0, &reply) > 0);
	uk_name_t x = msg_ports(&reply.h)[0].name;
	uk_name_t y = msg_ports(&reply.h)[1].name;
	uint64_t before = kernel_memory().kobjects_in_use;
	for (int i = 0; i < 100; i++)
		EXPECT_EQ(uk_port_request_notification(x, UK_NOTIFY_DEAD_NAME, n), 0);
	/* One request and its notice, whatever the number of asks. */
	EXPECT(kernel_memory().kobjects_in_use <= before + 2);
	EXPECT(peer_call(svc, IPCPEER_DESTROY_PORT, NULL, 0, NULL, 0, &reply) > 0);
	EXPECT_EQ(msg_receive(n, &note, 0), sizeof(struct uk_notification));
	EXPECT_EQ(notice()->header.id, UK_MSG_ID_DEAD_NAME);
	EXPECT_EQ(notice()->name, x);
	EXPECT_ERR(msg_receive(n, &note, 0), ERR_TIMED_OUT);
	/* Asking about a dead name answers at once, within the queue's
	 * limit: asking in a loop cannot pile notices up. */
	EXPECT_EQ(uk_port_request_notification(x, UK_NOTIFY_DEAD_NAME, n), 0);
	EXPECT_ERR(uk_port_request_notification(y, UK_NOTIFY_DEAD_NAME, n),
		   ERR_QUEUE_FULL);
	EXPECT_EQ(queued_on(n), 1);
	EXPECT_EQ(msg_receive(n, &note, 0), sizeof(struct uk_notification));
	EXPECT_EQ(notice()->name, x);

	/* No-senders: asking again replaces the request. */
	uk_name_t p = port_new_send(1);
	for (int i = 0; i < 100; i++)
		EXPECT_EQ(uk_port_request_notification(p, UK_NOTIFY_NO_SENDERS, n), 0);
	EXPECT_EQ(uk_port_deallocate(p), 0);
	EXPECT_EQ(msg_receive(n, &note, 0), sizeof(struct uk_notification));
	EXPECT_EQ(notice()->header.id, UK_MSG_ID_NO_SENDERS);
	EXPECT_ERR(msg_receive(n, &note, 0), ERR_TIMED_OUT);
	uk_port_deallocate(x);
	uk_port_deallocate(y);
	uk_port_destroy(p);
	expect_quit(svc, peer);
	uk_port_deallocate(svc);
	uk_port_destroy(n);
}

DEFINE_TEST(NTF0003, requests_are_limited_per_task_and_die_with_it)
{
	uk_name_t back = port_new();
	uint64_t start = kernel_memory().kobjects_in_use;
	struct uk_task_right r = {back, UK_DISP_MAKE_SEND};
	long peer = peer_start("notify-flood", &r, 1);

	EXPECT(peer > 0);
	if (peer < 0)
		return;
	EXPECT_EQ(msg_receive(back, &note, 30 * SECOND),
		  sizeof(struct uk_msg_header) + sizeof(struct ipcpeer_flood));
	const struct ipcpeer_flood *f = (const void *)(&note.h + 1);
	EXPECT_EQ(note.h.id, IPCPEER_FLOOD);
	EXPECT_EQ(f->made, UK_NOTIFY_REQUESTS_MAX);
	EXPECT_ERR(f->error, ERR_LIMIT);
	struct uk_exit_status st = peer_stop(peer);
	EXPECT_EQ(st.reason, UK_EXIT_KILLED);
	/* Its ports, requests and notices all went with it. */
	EXPECT_EQ(kobjects_settled(start), start);
	uk_port_destroy(back);
}

/* Fill kernel memory with queued copies of one region; returns how many
 * messages went on q (the last send failed with ERR_NO_MEMORY, or with
 * ERR_LIMIT when ktest's account, init.conf's +quota, ended first). */
static unsigned fill_memory(uk_name_t q, uint64_t region, uint64_t size)
{
	static const uint64_t sizes[] = {4u << 20, 256u << 10, 16u << 10, 4096, 0};
	unsigned sent = 0;

	for (unsigned i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		if (sizes[i] > size)
			continue;
		for (;;) {
			union ipc_buf *b = &reply;
			struct uk_msg_header *h = &b->h;
			memset(h, 0, sizeof(*h) + sizeof(struct uk_msg_ool));
			h->dest = q;
			h->id = 1;
			h->n_ool = sizes[i] ? 1 : 0;
			h->size = (uint32_t)(sizeof(*h) +
					     h->n_ool * sizeof(struct uk_msg_ool));
			struct uk_msg_ool *o = (struct uk_msg_ool *)(h + 1);
			o->address = region;
			o->size = sizes[i];
			o->flags = UK_OOL_COPY;
			long rc = uk_ipc_send(h, h->size, 0);
			if (rc < 0) {
				if (rc != -ERR_NO_MEMORY && rc != -ERR_LIMIT)
					ktest_fail(__FILE__, __LINE__, "fill: %s",
						   err_name(rc));
				break;
			}
			sent++;
		}
	}
	return sent;
}

DEFINE_TEST(NTF0004, a_notice_is_never_dropped_a_request_fails_up_front)
{
	uk_name_t n = port_new();
	uk_name_t q = port_new_send(1);
	uk_name_t irq_port = port_new();
	uk_name_t watched = port_new_send(1);
	uk_name_t later = port_new_send(1);
	const uint64_t size = 4u << 20;
	long region = uk_vm_allocate(size, UK_VM_READ | UK_VM_WRITE);
	long irq4 = uk_cap_derive(root(UK_STARTUP_HW_IRQ), 4, 1);
	long com1 = uk_cap_derive(root(UK_STARTUP_HW_IO), COM1, 8);

	EXPECT(region > 0 && irq4 > 0 && com1 > 0);
	if (region <= 0)
		return;
	memset((void *)region, 0x5a, size);
	EXPECT_EQ(uk_io_enable((uint64_t)com1), 0);
	EXPECT_EQ(uk_irq_bind((uint64_t)irq4, irq_port), 0);
	EXPECT_EQ(uk_port_set_limit(q, UK_PORT_QUEUE_MAX), 0);
	/* Requested while memory is there: this notice exists from now on. */
	EXPECT_EQ(uk_port_request_notification(watched, UK_NOTIFY_DEAD_NAME, n), 0);
	memset(&note, 0, sizeof(note));

	unsigned sent = fill_memory(q, (uint64_t)region, size);
	EXPECT(sent > 0);
	/* Nothing is left for a new request: it fails now, not later. */
	long refused = uk_port_request_notification(later, UK_NOTIFY_DEAD_NAME, n);
	EXPECT(refused == -ERR_NO_MEMORY || refused == -ERR_LIMIT);
	/* The old one still fires, and the interrupt still arrives. */
	EXPECT_EQ(uk_port_destroy(watched), 0);
	outb(COM1 + 1, 0x02);
	long got_irq = msg_receive(irq_port, &note, 2 * SECOND);
	outb(COM1 + 1, 0x00);
	EXPECT_EQ(got_irq, sizeof(struct uk_notification));
	EXPECT_EQ(note.h.id, UK_MSG_ID_INTERRUPT);
	long got = msg_receive(n, &note, 0);
	/* Give the memory back before anything else is checked. */
	uk_port_destroy(q);
	EXPECT_EQ(got, sizeof(struct uk_notification));
	EXPECT_EQ(notice()->header.id, UK_MSG_ID_DEAD_NAME);
	EXPECT_EQ(notice()->name, watched);
	EXPECT_EQ(uk_port_request_notification(later, UK_NOTIFY_DEAD_NAME, n), 0);
	EXPECT_EQ(uk_irq_ack((uint64_t)irq4), 0);
	EXPECT_EQ(uk_irq_bind((uint64_t)irq4, UK_NAME_NULL), 0);
	uk_port_deallocate(watched);
	uk_port_destroy(later);
	uk_port_deallocate(later);
	uk_port_destroy(irq_port);
	uk_port_destroy(n);
	uk_port_deallocate((uint64_t)irq4);
	uk_port_deallocate((uint64_t)com1);
	uk_vm_free((uint64_t)region, size);
}

DEFINE_TEST(NTF0005, no_senders_carries_the_make_send_count)
{
	uk_name_t svc;
	long peer = peer_serve(&svc);
	uk_name_t p = port_new();
	uk_name_t n = port_new();

	if (peer < 0)
		return;
	EXPECT_EQ(port_info_of(p).make_send_count, 0);
	struct uk_msg_port give = {p, UK_DISP_MAKE_SEND};
	EXPECT(peer_call(svc, IPCPEER_KEEP_RIGHTS, &give, 1, NULL, 0, &reply) > 0);
	EXPECT_EQ(port_info_of(p).make_send_count, 1);
	EXPECT_EQ(uk_port_request_notification(p, UK_NOTIFY_NO_SENDERS, n), 0);
	EXPECT(peer_call(svc, IPCPEER_DROP_RIGHTS, NULL, 0, NULL, 0, &reply) > 0);
	/* The notice is queued; before we read it a new send right is made
	 * (a client opened the object again). */
	EXPECT_EQ(uk_port_insert_right(p, UK_DISP_MAKE_SEND), p);
	struct uk_port_info now = port_info_of(p);
	EXPECT_EQ(now.make_send_count, 2);
	EXPECT_EQ(now.senders, 1);
	EXPECT_EQ(msg_receive(n, &note, SECOND), sizeof(struct uk_notification));
	EXPECT_EQ(notice()->header.id, UK_MSG_ID_NO_SENDERS);
	EXPECT_EQ(notice()->name, p);
	EXPECT_EQ(notice()->make_send_count, 1);
	/* Stale: made before the count we see now, so there are senders. */
	EXPECT(notice()->make_send_count < now.make_send_count);
	/* A current one carries the current count. */
	EXPECT_EQ(uk_port_request_notification(p, UK_NOTIFY_NO_SENDERS, n), 0);
	EXPECT_EQ(uk_port_deallocate(p), 0);
	EXPECT_EQ(msg_receive(n, &note, SECOND), sizeof(struct uk_notification));
	EXPECT_EQ(notice()->make_send_count, 2);
	EXPECT_EQ(notice()->make_send_count, port_info_of(p).make_send_count);
	/* COPY_SEND and MOVE_SEND make nothing new. */
	EXPECT_EQ(uk_port_insert_right(p, UK_DISP_MAKE_SEND), p);
	EXPECT_EQ(uk_port_insert_right(p, UK_DISP_COPY_SEND), p);
	EXPECT_EQ(port_info_of(p).make_send_count, 3);
	expect_quit(svc, peer);
	uk_port_deallocate(svc);
	uk_port_destroy(p);
	uk_port_destroy(n);
}
