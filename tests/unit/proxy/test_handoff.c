/* SPDX-License-Identifier: MIT */
/*
 * The proxy server's hand-off tables (docs/PROXY.md, "Hand-off"), with
 * proxy/server/session.c compiled in here against a fake kernel: a name
 * space that counts send references, so "the server's no-senders" is
 * "the fake references of its right reach 0". This node is C (node 3),
 * the port's home; node 1 (A) provides, node 2 (B) accepts, node 4 is a
 * stranger. Records are fed to the table functions directly and the
 * answers read back from the peers' outqs (the links never come up, so
 * nothing leaves them). The recipient's side (test_held_*) plays node 3
 * as B: messages from node 1 (A) with a right on node 2 (C).
 */
#include "fake_session.h"

/* ---- tests ---- */

/* PROVIDE, then ACCEPT from the recipient: B gets an export of its own;
 * the provision's reference goes; when A and B let go, the server's
 * right is gone (its no-senders). */
static void test_provide_accept(void **state)
{
	(void)state;
	uk_name_t right;
	struct export *e = exported_to_a(&right);
	uint32_t id_a = e->id, id_b = 0;

	provide_in(pa, 0xabc, id_a, 2);
	assert_int_equal(e->refs, 2);
	accept_in(pb, 0xabc, 7);
	expect_resolved(pb, 7, 0, &id_b);
	assert_int_equal(e->refs, 1);
	assert_int_equal(refs_of(right), 2); /* A's export and B's */
	assert_int_equal(count_used(pa->provisions, sizeof(struct provision),
				    PROVISIONS_MAX), 0);
	release(pa, id_a, 1);
	assert_int_equal(refs_of(right), 1);
	release(pb, id_b, 1);
	assert_int_equal(refs_of(right), 0);
	assert_int_equal(pb->c.bad_records, 0);
}

/* ACCEPT first: it waits; the PROVIDE answers it. */
static void test_accept_first(void **state)
{
	(void)state;
	uk_name_t right;
	struct export *e = exported_to_a(&right);
	uint32_t id_b = 0;

	accept_in(pb, 0x55, 3);
	assert_int_equal(pb->out_len, 0);
	assert_int_equal(count_used(pb->waits, sizeof(struct wait), WAITS_MAX), 1);
	provide_in(pa, 0x55, e->id, 2);
	expect_resolved(pb, 3, 0, &id_b);
	assert_int_equal(count_used(pb->waits, sizeof(struct wait), WAITS_MAX), 0);
	assert_int_equal(e->refs, 1);
	assert_int_equal(refs_of(right), 2);
}

/* A stranger's ACCEPT is refused at once and counted; the provision stays
 * for its recipient. */
static void test_wrong_recipient(void **state)
{
	(void)state;
	uk_name_t right;
	struct export *e = exported_to_a(&right);
	uint32_t id_b = 0;

	provide_in(pa, 0x77, e->id, 2);
	accept_in(px, 0x77, 9);
	expect_resolved(px, 9, -ERR_PERMISSION, NULL);
	assert_int_equal(px->c.handoffs_refused, 1);
	assert_int_equal(px->exports[0].used, false);
	accept_in(pb, 0x77, 1);
	expect_resolved(pb, 1, 0, &id_b);
}

/* A ref nobody provided: kept HANDOFF_MS, then ERR_PERMISSION. */
static void test_never_provided(void **state)
{
	(void)state;
	accept_in(pb, 0x999, 4);
	assert_int_equal(pb->out_len, 0);
	now += HANDOFF_MS - 1;
	peer_tick(pb);
	assert_int_equal(pb->out_len, 0);
	now += 1;
	assert_true(peer_next_tick(pb) <= now);
	peer_tick(pb);
	expect_resolved(pb, 4, -ERR_PERMISSION, NULL);
	assert_int_equal(count_used(pb->waits, sizeof(struct wait), WAITS_MAX), 0);
}

/* A provision nobody takes ends after HANDOFF_MS with its reference: A
 * released meanwhile, so the export goes and the server's right too. */
static void test_provision_expires(void **state)
{
	(void)state;
	uk_name_t right;
	struct export *e = exported_to_a(&right);
	uint32_t id = e->id;

	provide_in(pa, 0x42, id, 2);
	release(pa, id, 1); /* A let go; the provision still holds it */
	assert_true(e->used);
	assert_int_equal(refs_of(right), 1);
	now += HANDOFF_MS;
	peer_tick(pa);
	assert_false(e->used);
	assert_int_equal(refs_of(right), 0);
	assert_int_equal(pa->c.handoffs_failed, 1);
	accept_in(pb, 0x42, 2); /* too late: it waits, then is refused */
	assert_int_equal(pb->out_len, 0);
}

/* A PROVIDE for an id we do not have (its PORT_DEAD may be on the way),
 * and a provision whose port died: ERR_DEAD to the ACCEPT. */
static void test_dead(void **state)
{
	(void)state;
	uk_name_t right;
	struct export *e = exported_to_a(&right);

	provide_in(pa, 0x10, 77, 2);
	accept_in(pb, 0x10, 1);
	expect_resolved(pb, 1, -ERR_DEAD, NULL);
	provide_in(pa, 0x11, e->id, 2);
	peer_export_died(pa, e->id - 1);
	assert_int_equal(refs_of(right), 0);
	accept_in(pb, 0x11, 2);
	expect_resolved(pb, 2, -ERR_DEAD, NULL);
}

/* A's session ends with a provision pending: the export goes (nothing
 * leaks), the ACCEPT hears ERR_DEAD. */
static void test_provider_session_ends(void **state)
{
	(void)state;
	uk_name_t right;
	struct export *e = exported_to_a(&right);

	provide_in(pa, 0x20, e->id, 2);
	end_session(pa, PX_END_DEADLINE);
	assert_int_equal(refs_of(right), 0);
	accept_in(pb, 0x20, 5);
	expect_resolved(pb, 5, -ERR_DEAD, NULL);
	now += HANDOFF_MS;
	peer_tick(pa);
	assert_int_equal(count_used(pa->provisions, sizeof(struct provision),
				    PROVISIONS_MAX), 0);
}

/* Floods: at most PROVISIONS_MAX provisions and WAITS_MAX waits per link;
 * the rest refused and counted (handoffs_refused, and limited: a table
 * was full), a refused PROVIDE's ACCEPT answered at once; a duplicate
 * ref keeps its first owner; once they expire, both tables work again. */
static void test_floods(void **state)
{
	(void)state;
	uk_name_t right;
	struct export *e = exported_to_a(&right);

	for (unsigned i = 0; i < PROVISIONS_MAX + 36; i++)
		provide_in(pa, 0x1000 + i, e->id, 2);
	assert_int_equal(count_used(pa->provisions, sizeof(struct provision),
				    PROVISIONS_MAX), PROVISIONS_MAX);
	assert_int_equal(e->refs, 1 + PROVISIONS_MAX);
	assert_int_equal(pa->c.handoffs_refused, 36);
	assert_int_equal(pa->c.limited, 36);
	accept_in(pb, 0x1000 + PROVISIONS_MAX + 5, 1);
	expect_resolved(pb, 1, -ERR_LIMIT, NULL);
	provide_in(pa, 0x1000, e->id, 4); /* a key in use */
	assert_int_equal(pa->c.handoffs_refused, 37);

	for (unsigned i = 0; i < WAITS_MAX + 10; i++)
		accept_in(px, 0x9000 + i, i + 1);
	assert_int_equal(count_used(px->waits, sizeof(struct wait), WAITS_MAX),
			 WAITS_MAX);
	for (unsigned i = 0; i < 10; i++)
		expect_resolved(px, WAITS_MAX + i + 1, -ERR_LIMIT, NULL);
	assert_int_equal(px->c.limited, 10);
	/* Everything ends within HANDOFF_MS, references exact. */
	now += HANDOFF_MS;
	peer_tick(pa);
	peer_tick(px);
	assert_int_equal(e->refs, 1);
	assert_int_equal(count_used(px->waits, sizeof(struct wait), WAITS_MAX), 0);
	struct px_record r;
	unsigned refused = 0;
	while (take(px, &r))
		refused += r.type == PX_REC_RESOLVED &&
			   r.u.resolved.status == -ERR_PERMISSION;
	assert_int_equal(refused, WAITS_MAX);
	/* Room again: a provision and its ACCEPT meet. */
	uint32_t id_b = 0;
	provide_in(pa, 0x5000, e->id, 2);
	accept_in(pb, 0x5000, 77);
	expect_resolved(pb, 77, 0, &id_b);
	assert_int_equal(pa->c.limited, 36);
}

/* On the recipient: a RESOLVED nobody asked for gives the right back. */
static void test_unwanted_resolved(void **state)
{
	(void)state;
	struct px_cap cap = { .kind = PX_CAP_SENDER, .right = PX_RIGHT_SEND, .id = 12 };
	struct px_record r;

	resolved_in(pb, 33, 0, &cap);
	assert_true(take(pb, &r));
	assert_int_equal(r.type, PX_REC_RELEASE);
	struct px_pair v;
	px_record_pair(&r, 0, &v);
	assert_int_equal(v.id, 12);
	assert_int_equal(v.count, 1);
	assert_int_equal(pb->c.handoffs_refused, 1);
	resolved_in(pb, 34, -ERR_PERMISSION, &(struct px_cap){ 0 });
	assert_false(take(pb, &r));
}

/* ---- the recipient (B) ---- */

static const struct px_cap third = { .kind = PX_CAP_THIRD, .right = PX_RIGHT_SEND,
				     .node = 2, .ref = 0x5eed };

/* A message with a THIRD slot waits for RESOLVED, and A's next message
 * waits behind it; then both arrive in order, the first with a right to
 * a proxy port of the new import from C. */
static void test_held_in_order(void **state)
{
	(void)state;
	uk_name_t server = fake_new(UK_RIGHT_SEND, 1);
	struct export *e = export_get(pa, server);
	struct px_record r;
	uint32_t id = e->id;

	msg_from(pa, id, true, &third, 1);
	msg_from(pa, id, false, NULL, 0);
	assert_int_equal(n_sent, 0);
	assert_int_equal(pa->n_held, 2);
	assert_int_equal(refs_of(server), 3); /* the export's, and each message's */
	assert_true(take(pb, &r)); /* the ACCEPT, to C */
	assert_int_equal(r.type, PX_REC_ACCEPT);
	assert_int_equal(r.u.accept.ref, 0x5eed);
	/* A releases the target meanwhile: the held messages keep theirs. */
	release(pa, id, 1);
	assert_int_equal(refs_of(server), 2);

	resolved_in(pb, r.u.accept.question, 0,
		    &(struct px_cap){ .kind = PX_CAP_SENDER, .right = PX_RIGHT_SEND,
				      .id = 9 });
	assert_int_equal(n_sent, 2);
	assert_int_equal(pa->n_held, 0);
	assert_int_equal(sent[0].h.n_ports, 1);
	assert_int_equal(sent[1].h.n_ports, 0);
	uk_name_t proxy_port = uk_msg_ports(&sent[0].h)[0].name;
	assert_int_equal(uk_msg_ports(&sent[0].h)[0].disposition, UK_DISP_MOVE_SEND);
	struct import *im = import_by_id(pb, 9, NULL);
	assert_non_null(im);
	assert_int_equal(im->port, proxy_port);
	assert_int_equal(refs_of(proxy_port), 0); /* moved to the receiver */
	assert_int_equal(refs_of(server), 0);	  /* nothing of ours left */
	assert_int_equal(pb->c.handoffs_in, 1);
}

/* A hand-off C refuses: the call is answered with the status (through the
 * answer port, so A's caller gets it as the reply) and never delivered;
 * A's credit comes back; nothing of the message is left. */
static void test_held_refused(void **state)
{
	(void)state;
	uk_name_t server = fake_new(UK_RIGHT_SEND, 1);
	struct export *e = export_get(pa, server);
	struct px_record r;

	msg_from(pa, e->id, true, &third, 1);
	assert_true(take(pb, &r));
	resolved_in(pb, r.u.accept.question, -ERR_PERMISSION, &(struct px_cap){ 0 });
	assert_int_equal(n_sent, 1);
	assert_int_equal(sent[0].h.id, 0x77);
	assert_int_equal(sent[0].h.dest_disposition, UK_DISP_MOVE_SEND_ONCE);
	assert_int_equal(((const struct uk_rpc_status *)uk_msg_body(&sent[0].h))->status,
			 -ERR_PERMISSION);
	assert_int_equal(pa->n_held, 0);
	assert_int_equal(pa->credits_owed, 1);
	assert_int_equal(refs_of(server), 1); /* the export's only */
	assert_int_equal(pb->c.handoffs_failed, 1);
}

/* A right in a message finds our import table full: its reference goes
 * back to A at once (RELEASE), and the message is refused whole, as a
 * failed hand-off is (the kernel carries no empty slot): the call is
 * answered ERR_LIMIT, A's credit comes back. */
static void test_import_table_full(void **state)
{
	(void)state;
	uk_name_t server = fake_new(UK_RIGHT_SEND, 1);
	struct export *e = export_get(pa, server);
	struct px_record r;
	for (uint32_t i = 0; i < IMPORTS_MAX; i++)
		pa->imports[i].used = true;
	const struct px_cap sender = { .kind = PX_CAP_SENDER, .right = PX_RIGHT_SEND,
				       .id = 42 };
	msg_from(pa, e->id, true, &sender, 1);
	for (uint32_t i = 0; i < IMPORTS_MAX; i++)
		pa->imports[i].used = false;
	assert_int_equal(n_sent, 1);
	assert_int_equal(sent[0].h.id, 0x77);
	assert_int_equal(sent[0].h.dest_disposition, UK_DISP_MOVE_SEND_ONCE);
	assert_int_equal(((const struct uk_rpc_status *)uk_msg_body(&sent[0].h))->status,
			 -ERR_LIMIT);
	assert_int_equal(pa->credits_owed, 1);
	assert_int_equal(refs_of(server), 1); /* the export's only */
	bool released = false;
	while (take(pa, &r)) {
		struct px_pair v;
		if (r.type != PX_REC_RELEASE || r.u.list.count != 1)
			continue;
		px_record_pair(&r, 0, &v);
		released |= v.id == 42 && v.count == 1;
	}
	assert_true(released);
}

/* A's session ends while its message waits: the message goes with what it
 * owns; C's late answer gives the right back. */
static void test_held_sender_gone(void **state)
{
	(void)state;
	uk_name_t server = fake_new(UK_RIGHT_SEND, 1);
	struct export *e = export_get(pa, server);
	struct px_record r;

	msg_from(pa, e->id, false, &third, 1);
	assert_true(take(pb, &r));
	end_session(pa, PX_END_DEADLINE);
	assert_int_equal(pa->n_held, 0);
	assert_int_equal(refs_of(server), 0);
	resolved_in(pb, r.u.accept.question, 0,
		    &(struct px_cap){ .kind = PX_CAP_SENDER, .right = PX_RIGHT_SEND,
				      .id = 4 });
	assert_true(take(pb, &r));
	assert_int_equal(r.type, PX_REC_RELEASE);
	assert_int_equal(n_sent, 0);
}

/* No answer from C: the call is answered ERR_UNREACHABLE. */
static void test_held_no_answer(void **state)
{
	(void)state;
	uk_name_t server = fake_new(UK_RIGHT_SEND, 1);
	struct export *e = export_get(pa, server);

	msg_from(pa, e->id, true, &third, 1);
	/* Here the link to C never comes up, so its attempt's deadline ends
	 * the wait first; an ACCEPT on a live link would expire. */
	now += HANDOFF_MS + deadline_ms;
	peer_tick(pb);
	assert_true(peer_next_tick(pa) <= now);
	peer_tick(pa); /* the message goes */
	assert_int_equal(n_sent, 1);
	assert_int_equal(((const struct uk_rpc_status *)uk_msg_body(&sent[0].h))->status,
			 -ERR_UNREACHABLE);
	assert_int_equal(refs_of(server), 1);
}

/* A flood of THIRDs from A, within its credits (8 per export, so spread
 * over 9 exports): at most HELD_MAX messages held and ACCEPTS_MAX
 * ACCEPTs out; the excess refused (one-way: dropped, credit back), and
 * counted; after HANDOFF_MS nothing is left and nothing was delivered. */
static void test_held_flood(void **state)
{
	(void)state;
	enum { SERVERS = 9 };
	uk_name_t servers[SERVERS];
	uint32_t ids[SERVERS];
	const unsigned n = HELD_MAX + 6;

	for (unsigned k = 0; k < SERVERS; k++) {
		servers[k] = fake_new(UK_RIGHT_SEND, 1);
		ids[k] = export_get(pa, servers[k])->id;
	}
	for (unsigned i = 0; i < n; i++) {
		struct px_cap c = third;
		c.ref = 0x100 + i;
		msg_from(pa, ids[i % SERVERS], false, &c, 1);
		assert_true(pa->n_held <= HELD_MAX);
		assert_true(count_used(pb->accepts, sizeof(struct accept),
				       ACCEPTS_MAX) <= ACCEPTS_MAX);
	}
	assert_int_equal(pa->n_held, HELD_MAX);
	assert_int_equal(n_sent, 0);
	assert_int_equal(pa->credits_owed, n - HELD_MAX);
	assert_int_equal(pa->c.over_credit, 0);
	/* Each message past the bounds found the ACCEPTs full (refused
	 * once C answers the others) and pushed out a held one. */
	assert_int_equal(pa->c.limited, 2 * (n - HELD_MAX));
	now += HANDOFF_MS + deadline_ms;
	peer_tick(pb);
	peer_tick(pa);
	assert_int_equal(pa->n_held, 0);
	assert_int_equal(count_used(pb->accepts, sizeof(struct accept), ACCEPTS_MAX), 0);
	assert_int_equal(n_sent, 0);
	/* Every message's credit went back (as CREDIT records by now). */
	struct px_record r;
	uint64_t credited = pa->credits_owed;
	while (take(pa, &r))
		for (unsigned i = 0; r.type == PX_REC_CREDIT && i < r.u.list.count; i++) {
			struct px_pair v;
			px_record_pair(&r, i, &v);
			credited += v.count;
		}
	assert_int_equal(credited, n);
	for (unsigned k = 0; k < SERVERS; k++)
		assert_int_equal(refs_of(servers[k]), 1);
}

/* C's late answer to an ACCEPT that expired is not taken as the answer to
 * the next ACCEPT in the same slot. */
static void test_held_late_answer(void **state)
{
	(void)state;
	uk_name_t server = fake_new(UK_RIGHT_SEND, 1);
	struct export *e = export_get(pa, server);
	struct px_record r1, r2;

	msg_from(pa, e->id, true, &third, 1);
	assert_true(take(pb, &r1));
	now += HANDOFF_MS + deadline_ms;
	peer_tick(pb);
	peer_tick(pa);
	assert_int_equal(n_sent, 1); /* the first call: ERR_UNREACHABLE */
	msg_from(pa, e->id, true, &third, 1);
	assert_true(take(pb, &r2));
	assert_int_not_equal(r1.u.accept.question, r2.u.accept.question);
	resolved_in(pb, r1.u.accept.question, -ERR_PERMISSION, &(struct px_cap){ 0 });
	assert_int_equal(pa->n_held, 1); /* still waiting for its own answer */
	resolved_in(pb, r2.u.accept.question, 0,
		    &(struct px_cap){ .kind = PX_CAP_SENDER, .right = PX_RIGHT_SEND,
				      .id = 3 });
	assert_int_equal(pa->n_held, 0);
	assert_int_equal(n_sent, 2);
	assert_int_equal(sent[1].h.n_ports, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_provide_accept, setup, teardown),
		cmocka_unit_test_setup_teardown(test_accept_first, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_recipient, setup, teardown),
		cmocka_unit_test_setup_teardown(test_never_provided, setup, teardown),
		cmocka_unit_test_setup_teardown(test_provision_expires, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dead, setup, teardown),
		cmocka_unit_test_setup_teardown(test_provider_session_ends, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_floods, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unwanted_resolved, setup, teardown),
		cmocka_unit_test_setup_teardown(test_held_in_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_held_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_import_table_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_held_sender_gone, setup, teardown),
		cmocka_unit_test_setup_teardown(test_held_no_answer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_held_flood, setup, teardown),
		cmocka_unit_test_setup_teardown(test_held_late_answer, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
