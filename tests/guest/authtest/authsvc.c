/* SPDX-License-Identifier: MIT */
/*
 * authsvc: a service for authtest (tests/guest/authtest) that init starts
 * and restarts. It registers its system name "authsvc" a little after it
 * starts (so the test sees the gap a restart leaves) and crashes on
 * AUTHSVC_CRASH, so init restarts it. As an ordinary service it also
 * shows the priority ceiling init gives services (+mcp, default 16): it
 * may make a thread at 16 but not at 17. Its program line gives it +hw:
 * on AUTHSVC_GIVE_CAPS it hands authtest its I/O capability and one
 * derived from it, which must die when this instance does (PROT0018).
 */
#include <ulib.h>
#include <uk/proto/rpc.h>

#include "authtest.h"

static volatile uint64_t crash_address; /* 0: through a volatile, unseen */
static uint64_t thread_stacks[2][512];

static void idle_thread(uint64_t arg)
{
	(void)arg;
	uk_thread_exit();
}

/* One line the harness checks: 16 allowed, 17 refused. */
static void report_ceiling(void)
{
	long at16 = uk_thread_create((uint64_t)idle_thread,
				     (uint64_t)&thread_stacks[0][512], 0,
				     UK_PRIORITY_DEFAULT);
	long at17 = uk_thread_create((uint64_t)idle_thread,
				     (uint64_t)&thread_stacks[1][512], 0,
				     UK_PRIORITY_DEFAULT + 1);
	printf("authsvc: thread at 16: %s, at 17: %s\n",
	       at16 >= 0 ? "made" : err_str(at16), at17 >= 0 ? "made" : err_str(at17));
}

/* Answer AUTHSVC_GIVE_CAPS through the reply right r. */
static void give_caps(uk_name_t r)
{
	static union {
		struct uk_msg_header h;
		uint8_t bytes[256];
		uint64_t align_;
	} m;
	const struct uk_startup *su = uk_startup_info;
	uk_name_t io = su->n_rights > UK_STARTUP_HW_IO ? su->rights[UK_STARTUP_HW_IO] : 0;
	long derived = io ? uk_cap_derive(io, AUTHSVC_CAP_PORT, 1) : -ERR_BAD_NAME;

	if (derived < 0) {
		uk_rpc_reply_start(&m.h, AUTHSVC_GIVE_CAPS, (int32_t)derived, 0, 0);
	} else {
		uk_rpc_reply_start(&m.h, AUTHSVC_GIVE_CAPS, 0, 2, 0);
		uk_msg_ports(&m.h)[0] = (struct uk_msg_port){ io, UK_DISP_COPY_HARDWARE };
		uk_msg_ports(&m.h)[1] =
			(struct uk_msg_port){ (uk_name_t)derived, UK_DISP_MOVE_HARDWARE };
	}
	m.h.dest = r;
	if (uk_ipc_send(&m.h, m.h.size, 1000000000ull) < 0)
		uk_port_deallocate(r);
}

int main(void)
{
	static union {
		struct uk_msg_header h;
		uint8_t bytes[512];
		uint64_t align_;
	} m;

	static bool reported;
	if (!reported) {
		reported = true;
		report_ceiling();
	}
	uk_sleep(AUTHSVC_REGISTER_DELAY_NS);
	long port = service_create("authsvc");
	if (port < 0) {
		printf("authsvc: cannot register: %s\n", err_str(port));
		return 1;
	}
	printf("authsvc: serving\n");
	for (;;) {
		long rc = uk_ipc_receive((uk_name_t)port, &m.h, sizeof(m),
					 UK_TIMEOUT_INFINITE);
		if (rc >= 0 && m.h.id == AUTHSVC_CRASH)
			*(volatile uint64_t *)crash_address = 0;
		if (rc >= 0 && m.h.id == AUTHSVC_GIVE_CAPS && m.h.reply)
			give_caps(m.h.reply);
		else if (rc >= 0 && m.h.reply)
			uk_port_deallocate(m.h.reply);
	}
}
