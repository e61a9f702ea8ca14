/* SPDX-License-Identifier: MIT */
/*
 * SVC: the name server and DEV: the device server, through the client
 * helpers of lib/uk/services.c and hand-made malformed messages. guest.ktest
 * runs with with=dev, so both servers are up.
 */
#include <string.h>
#include <uk/proto/dev.h>
#include <uk/proto/name.h>

#include "ipc_util.h"

static uint64_t now(void)
{
	return (uint64_t)uk_clock();
}

static long lookup_poll_gone(const char *name, uint64_t deadline_ns)
{
	long rc;

	while ((rc = ns_lookup(name, 0)) > 0 && now() < deadline_ns) {
		uk_port_deallocate((uk_name_t)rc);
		uk_sleep(10 * MS);
	}
	return rc;
}

DEFINE_TEST(SVC0001, lookup_waits_and_times_out)
{
	long dev = ns_lookup("dev", 5 * SECOND);
	EXPECT(dev > 0);
	EXPECT_ERR(ns_lookup("no-such-service", 0), ERR_NOT_FOUND);
	uint64_t t0 = now();
	EXPECT_ERR(ns_lookup("no-such-service", 50 * MS), ERR_TIMED_OUT);
	EXPECT(now() - t0 >= 50 * MS);
	EXPECT_ERR(ns_lookup("bad name!", 0), ERR_INVALID);
	EXPECT_ERR(ns_lookup("", 0), ERR_INVALID);
	EXPECT_ERR(ns_lookup("0123456789012345678901234567890123", 0), ERR_NAME_TOO_LONG);
}

DEFINE_TEST(SVC0002, register_lookup_unregister)
{
	long p = service_create("svc-test-a");
	EXPECT(p > 0);
	EXPECT_ERR(service_create("svc-test-a"), ERR_EXISTS);
	long got = ns_lookup("svc-test-a", 0);
	/* The right comes back under the name we already hold for the port. */
	EXPECT_EQ(got, p);
	struct uk_name_entry e[UK_NAME_LIST_MAX];
	uint32_t total = 0;
	long n = ns_list(0, e, UK_NAME_LIST_MAX, &total);
	EXPECT(n >= 2);
	int seen = 0;
	for (long i = 0; i < n; i++)
		if (!strcmp(e[i].name, "svc-test-a") || !strcmp(e[i].name, "dev"))
			seen++;
	EXPECT_EQ(seen, 2);
	EXPECT_EQ(ns_unregister("svc-test-a"), 0);
	EXPECT_ERR(ns_lookup("svc-test-a", 0), ERR_NOT_FOUND);
	EXPECT_ERR(ns_unregister("svc-test-a"), ERR_NOT_FOUND);
	EXPECT_ERR(ns_unregister("dev"), ERR_PERMISSION);
	EXPECT_ERR(ns_register("bad/name", (uk_name_t)p), ERR_INVALID);
	uk_port_destroy((uk_name_t)p);
}

DEFINE_TEST(SVC0003, dead_service_disappears)
{
	const char *argv[] = { "hostile", "register", "svc-test-dead", NULL };
	struct uk_exit_status st = run_hostile(argv);
	EXPECT_EQ(st.reason, UK_EXIT_NORMAL);
	EXPECT_EQ(st.code, 0);
	EXPECT_ERR(lookup_poll_gone("svc-test-dead", now() + 2 * SECOND),
		   ERR_NOT_FOUND);
	/* The name is free again. */
	long p = service_create("svc-test-dead");
	EXPECT(p > 0);
	uk_port_destroy((uk_name_t)p);
}

static void bg_lookup(struct bg *b)
{
	b->rc = ns_lookup((const char *)b->arg[0], b->arg[1]);
}

DEFINE_TEST(SVC0004, waiting_lookup_sees_later_register)
{
	struct bg b = { .arg = { (uint64_t)"svc-test-late", 5 * SECOND } };
	bg_start(&b, bg_lookup);
	uk_sleep(30 * MS);
	EXPECT(!b.done);
	long p = service_create("svc-test-late");
	EXPECT(p > 0);
	EXPECT(bg_wait(&b, 2 * SECOND));
	EXPECT_EQ(b.rc, p);
	uk_port_destroy((uk_name_t)p);
}

static void bg_lookup_node(struct bg *b)
{
	b->rc = ns_lookup_node((const char *)b->arg[0], (uint32_t)b->arg[1], 0);
}

DEFINE_TEST(SVC0005, remote_lookup_goes_to_resolver)
{
	union ipc_buf b, req;
	long r = port_new_send(1), q = port_new_send(1);
	EXPECT(r > 0 && q > 0);
	/* Register ourselves as the resolver for node 7. */
	memset(&b.h, 0, sizeof(b.h));
	b.h.id = NAME_REGISTER_RESOLVER;
	b.h.dest = ns_port();
	b.h.n_ports = 1;
	msg_ports(&b.h)[0] = (struct uk_msg_port){ (uk_name_t)r, UK_DISP_COPY_SEND };
	struct uk_name_req *rq = (struct uk_name_req *)msg_body(&b.h);
	memset(rq, 0, sizeof(*rq));
	rq->node = 7;
	b.h.size = sizeof(b.h) + sizeof(struct uk_msg_port) + sizeof(*rq);
	EXPECT(uk_ipc_call(&b.h, b.h.size, &b.h, sizeof(b), SECOND) > 0);
	EXPECT_EQ(((struct uk_rpc_status *)msg_body(&b.h))->status, 0);
	EXPECT_ERR(ns_lookup_node("remote-fs", 9, 0), ERR_UNREACHABLE);

	/* A lookup for node 7 arrives here with the caller's reply right;
	 * we answer it as the network proxy would. */
	struct bg caller = { .arg = { (uint64_t)"remote-fs", 7 } };
	bg_start(&caller, bg_lookup_node);
	EXPECT(msg_receive((uk_name_t)r, &req, SECOND) > 0);
	EXPECT_EQ(req.h.id, NAME_LOOKUP);
	const struct uk_name_req *fw = (const struct uk_name_req *)msg_body(&req.h);
	EXPECT(!strcmp(fw->name, "remote-fs"));
	EXPECT_EQ(fw->node, 7);
	EXPECT(req.h.reply != 0);
	memset(&b.h, 0, sizeof(b.h));
	b.h.id = NAME_LOOKUP;
	b.h.dest = req.h.reply;
	b.h.dest_disposition = UK_DISP_MOVE_SEND_ONCE;
	b.h.n_ports = 1;
	msg_ports(&b.h)[0] = (struct uk_msg_port){ (uk_name_t)q, UK_DISP_COPY_SEND };
	memset(msg_body(&b.h), 0, sizeof(struct uk_rpc_status));
	b.h.size = sizeof(b.h) + sizeof(struct uk_msg_port) + sizeof(struct uk_rpc_status);
	EXPECT_EQ(uk_ipc_send(&b.h, b.h.size, SECOND), 0);
	EXPECT(bg_wait(&caller, 2 * SECOND));
	EXPECT_EQ(caller.rc, q);

	/* When the resolver dies, the node is unreachable again. */
	uk_port_destroy((uk_name_t)r);
	uint64_t deadline = now() + 2 * SECOND;
	long rc;
	while ((rc = ns_lookup_node("remote-fs", 7, 0)) != -ERR_UNREACHABLE &&
	       now() < deadline)
		uk_sleep(10 * MS);
	EXPECT_ERR(rc, ERR_UNREACHABLE);
	uk_port_destroy((uk_name_t)q);
}

DEFINE_TEST(SVC0006, malformed_requests_refused)
{
	union ipc_buf b;
	memset(&b.h, 0, sizeof(b.h));
	b.h.id = NAME_LOOKUP; /* no body */
	b.h.dest = ns_port();
	b.h.size = sizeof(b.h);
	EXPECT(uk_ipc_call(&b.h, b.h.size, &b.h, sizeof(b), SECOND) > 0);
	EXPECT_EQ(((struct uk_rpc_status *)msg_body(&b.h))->status, -ERR_INVALID);
	memset(&b.h, 0, sizeof(b.h));
	b.h.id = 0x12345;
	b.h.dest = ns_port();
	b.h.size = sizeof(b.h);
	EXPECT(uk_ipc_call(&b.h, b.h.size, &b.h, sizeof(b), SECOND) > 0);
	EXPECT_EQ(((struct uk_rpc_status *)msg_body(&b.h))->status, -ERR_UNSUPPORTED);
	/* Register without a right. */
	memset(&b.h, 0, sizeof(b.h));
	b.h.id = NAME_REGISTER;
	b.h.dest = ns_port();
	struct uk_name_req *rq = (struct uk_name_req *)msg_body(&b.h);
	memset(rq, 0, sizeof(*rq));
	strlcpy(rq->name, "svc-no-right", sizeof(rq->name));
	b.h.size = sizeof(b.h) + sizeof(*rq);
	EXPECT(uk_ipc_call(&b.h, b.h.size, &b.h, sizeof(b), SECOND) > 0);
	EXPECT_EQ(((struct uk_rpc_status *)msg_body(&b.h))->status, -ERR_INVALID);
	/* The server still answers. */
	long dev = ns_lookup("dev", 0);
	EXPECT(dev > 0);
}

static long find_device(const char *name, struct uk_dev_info *out)
{
	for (uint32_t i = 0; i < 64; i++) {
		long rc = dev_info(i, out);
		if (rc < 0)
			return rc;
		if (!strcmp(out->name, name))
			return i;
	}
	return -ERR_NOT_FOUND;
}

DEFINE_TEST(DEV0001, enumerate)
{
	struct uk_dev_info d;
	EXPECT_EQ(dev_info(0, &d), 0);
	EXPECT_EQ(d.index, 0);
	EXPECT_EQ(d.bus, UK_DEV_BUS_PCI);
	EXPECT_EQ(d.vendor, 0x8086); /* QEMU's i440FX host bridge */
	EXPECT_EQ(d.class_code, 0x06);
	long com1 = find_device("com1", &d);
	EXPECT(com1 > 0);
	EXPECT_EQ(d.bus, UK_DEV_BUS_LEGACY);
	EXPECT_EQ(d.irq, 4);
	EXPECT_EQ(d.res[0].base, 0x3f8);
	EXPECT_ERR(dev_info(1000, &d), ERR_NOT_FOUND);
}

DEFINE_TEST(DEV0002, claim_is_exclusive_and_released_on_death)
{
	static struct uk_dev_claim_reply r;
	struct uk_dev_info d;
	uk_name_t caps[8];
	unsigned n = 0;
	long com1 = find_device("com1", &d);
	EXPECT(com1 > 0);
	struct uk_dev_claim_req rq = { UK_DEV_ANY, UK_DEV_ANY, UK_DEV_ANY, UK_DEV_ANY,
				       (uint32_t)com1, 0 };
	long owner = port_new();
	EXPECT_EQ(dev_claim(&rq, (uk_name_t)owner, &r, caps, 8, &n), 0);
	EXPECT_EQ(n, 2);
	struct uk_hw_info hi;
	EXPECT_EQ(uk_cap_info(caps[0], &hi), 0);
	EXPECT_EQ(hi.kind, UK_HW_IO_PORTS);
	EXPECT_EQ(hi.base, 0x3f8);
	EXPECT_EQ(hi.size, 8);
	EXPECT_EQ(uk_cap_info(caps[1], &hi), 0);
	EXPECT_EQ(hi.kind, UK_HW_IRQ);
	EXPECT_EQ(hi.base, 4);
	EXPECT_EQ(r.info.owner_task & 0xffffffffu, uk_task_self() & 0xffffffffu);
	long other = port_new();
	EXPECT_ERR(dev_claim(&rq, (uk_name_t)other, &r, caps + 2, 6, &n), ERR_BUSY);
	uint32_t v;
	EXPECT_ERR(dev_config_read((uint32_t)com1, 0, 4, &v), ERR_UNSUPPORTED);
	/* The claim ends with its owner port. */
	uk_port_destroy((uk_name_t)owner);
	uint64_t deadline = now() + 2 * SECOND;
	long rc;
	while ((rc = dev_claim(&rq, (uk_name_t)other, &r, caps + 2, 6, &n)) == -ERR_BUSY &&
	       now() < deadline)
		uk_sleep(10 * MS);
	EXPECT_EQ(rc, 0);
	uk_port_destroy((uk_name_t)other);
	/* And when the claimant task dies. */
	static char idx[8];
	deadline = now() + 2 * SECOND;
	snprintf(idx, sizeof(idx), "%ld", com1);
	do {
		const char *argv[] = { "hostile", "claim", idx, NULL };
		struct uk_exit_status st = run_hostile(argv);
		rc = st.code;
	} while (rc != 0 && now() < deadline);
	EXPECT_EQ(rc, 0);
	owner = port_new();
	deadline = now() + 2 * SECOND;
	while ((rc = dev_claim(&rq, (uk_name_t)owner, &r, caps + 2, 6, &n)) == -ERR_BUSY &&
	       now() < deadline)
		uk_sleep(10 * MS);
	EXPECT_EQ(rc, 0);
	uk_port_destroy((uk_name_t)owner);
	for (unsigned i = 0; i < 4; i++)
		uk_port_deallocate(caps[i]);
}

DEFINE_TEST(DEV0003, config_space_access_is_checked)
{
	static struct uk_dev_claim_reply r;
	struct uk_dev_info d;
	uk_name_t caps[8];
	unsigned n = 0;
	/* QEMU's PIIX3 IDE controller: etc/init.conf lets ktest claim it
	 * (bridges are never claimable). */
	long isa = find_device("storage", &d);
	EXPECT(isa > 0);
	uint32_t v = 0;
	EXPECT_ERR(dev_config_read((uint32_t)isa, 0, 4, &v), ERR_PERMISSION);
	struct uk_dev_claim_req rq = { 0x8086, d.device, UK_DEV_ANY, UK_DEV_ANY,
				       UK_DEV_ANY, 0 };
	long owner = port_new();
	EXPECT_EQ(dev_claim(&rq, (uk_name_t)owner, &r, caps, 8, &n), 0);
	EXPECT_EQ(r.info.index, (uint32_t)isa);
	EXPECT_EQ(r.config[0] | r.config[1] << 8, 0x8086);
	EXPECT_EQ(dev_config_read((uint32_t)isa, 0, 4, &v), 0);
	EXPECT_EQ(v, (uint32_t)d.device << 16 | 0x8086);
	EXPECT_EQ(dev_config_read((uint32_t)isa, 2, 2, &v), 0);
	EXPECT_EQ(v, d.device);
	EXPECT_ERR(dev_config_read((uint32_t)isa, 1, 2, &v), ERR_INVALID);
	EXPECT_ERR(dev_config_read((uint32_t)isa, 0, 3, &v), ERR_INVALID);
	EXPECT_ERR(dev_config_read((uint32_t)isa, 256, 1, &v), ERR_INVALID);
	EXPECT_ERR(dev_config_write((uint32_t)isa, 0x10, 4, 0), ERR_PERMISSION);
	EXPECT_ERR(dev_config_read(999, 0, 4, &v), ERR_NOT_FOUND);
	uk_port_destroy((uk_name_t)owner);
	for (unsigned i = 0; i < n; i++)
		uk_port_deallocate(caps[i]);
}
