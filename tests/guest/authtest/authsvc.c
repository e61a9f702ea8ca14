/* SPDX-License-Identifier: MIT */
/*
 * authsvc: a service for authtest (tests/guest/authtest) that init starts
 * and restarts. It registers its system name "authsvc" a little after it
 * starts (so the test sees the gap a restart leaves) and crashes on
 * AUTHSVC_CRASH, so init restarts it. As an ordinary service it also
 * shows the priority ceiling init gives services (+mcp, default 16): it
 * may make a thread at 16 but not at 17.
 */
#include <ulib.h>

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
		if (rc >= 0 && m.h.reply)
			uk_port_deallocate(m.h.reply);
	}
}
