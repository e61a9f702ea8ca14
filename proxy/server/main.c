/* SPDX-License-Identifier: MIT */
/*
 * proxy: the proxy in a task of its own (docs/PROXY.md, "Where the proxy
 * runs"). By default netd runs the proxy inside its own loop; this
 * program is the other way, a separate server whose frames travel
 * through a netd UDP socket (net.c), as Mach's netmsgserver did. It is
 * kept to measure the two against each other (bench.proxy) and for
 * experiments; run it with `netd.proxy=off` and `servers=proxy`.
 *
 * One thread, one port set: the resolver port, the notify port (dead
 * names of exported rights, no-senders of proxy ports), the socket's
 * reply port, and every proxy port and answer port (serve.c). Time comes
 * from the receive timeout: the earliest tick any link asks for.
 *
 * Arguments: deadline=MS (a silent peer is dead after MS, default 1000),
 * net=A.B.C.D (node N's address is this plus N; default 10.77.0.10, the
 * cluster's plan), host=A.B.C.D (the cluster's host, which joins as node
 * PX_NODE_MAX; default 10.77.0.1). The node number comes from the kernel
 * (node=N).
 */
#include <ulib.h>

#include "proxy.h"

static union {
	struct uk_msg_header h;
	uint8_t bytes[UK_MSG_SIZE_MAX];
} in;

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (!proxy_arg(argv[i]))
			printf("proxy: unknown argument %s (deadline=MS, net=A.B.C.D, "
			       "host=A.B.C.D)\n",
			       argv[i]);
	long set = uk_port_allocate(UK_RIGHT_PORT_SET);
	if (set <= 0) {
		printf("proxy: no port set: %s\n", err_str(set));
		return 1;
	}
	if (proxy_start((uk_name_t)set, "proxy") < 0)
		return 1;

	for (;;) {
		/* What the last turn queued goes out before we wait, with the
		 * receive it replaces; then receives are topped up. */
		net_flush();
		net_progress();
		proxy_clock();
		uint64_t now = now_ms(), next = proxy_next_ms();
		uint64_t timeout = next > now ? (next - now) * 1000000u : 0;
		long r = uk_ipc_receive((uk_name_t)set, &in.h, sizeof(in), timeout);
		proxy_clock();
		if (r >= 0 && !proxy_dispatch(&in.h))
			release_message(&in.h);
		else if (r < 0 && r != -ERR_TIMED_OUT)
			printf("proxy: receive failed: %s\n", err_str(r));
		proxy_after(r >= 0);
	}
}
