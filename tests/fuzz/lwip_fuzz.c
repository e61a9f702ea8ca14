/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for lwIP as netd builds it: the same lwIP sources and
 * the same net/port/include/lwipopts.h, compiled for the host with
 * -fsanitize=fuzzer,address,undefined.
 *
 * One input is one short life of a node: an interface comes up (static
 * address, or DHCP when the first byte says so) with what netd's sockets
 * use (a TCP listener that echoes, a TCP connection being opened, a bound
 * UDP socket, a raw ICMP pcb), then the input's records run in order:
 *
 *   op 0  a frame: u16 length, bytes; flags in the op byte: 0x80 fix the
 *         IPv4/IPv6 header and TCP/UDP/ICMP checksums (so the fuzzer gets
 *         past them), 0x40 put our MAC as destination
 *   op 1  time passes: u16 milliseconds, lwIP's timers run
 *   op 2  the application writes u8 bytes on every connection
 *   op 3  the application closes or aborts its connections
 *   op 4  the application sends a UDP datagram of u8 bytes
 *   op 5  the link goes down or up
 *
 * Afterwards every pcb is closed, the interface removed and ten minutes of
 * timers run; then every lwIP pool and the heap must be back where they
 * started, so a leak is a crash as much as a bad access is. Frames lwIP
 * sends are dropped (counted). Time is virtual, random numbers are a
 * fixed sequence per input, so an input replays the same way.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lwip/dhcp.h"
#include "lwip/etharp.h"
#include "lwip/ethip6.h"
#include "lwip/init.h"
#include "lwip/memp.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/raw.h"
#include "lwip/stats.h"
#include "lwip/tcp.h"
#include "lwip/timeouts.h"
#include "lwip/udp.h"
#include "netif/ethernet.h"

static uint32_t now_ms;
static uint32_t rand_state;
static struct netif nif;
static const uint8_t our_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
static uint64_t frames_out;

u32_t sys_now(void)
{
	return now_ms;
}

uint32_t uk_lwip_rand(void)
{
	rand_state = rand_state * 1103515245u + 12345u;
	return rand_state >> 1;
}

void uk_lwip_diag(const char *fmt, ...)
{
	(void)fmt;
}

void uk_lwip_assert(const char *msg, const char *file, int line)
{
	fprintf(stderr, "lwIP assertion \"%s\" failed at %s:%d\n", msg, file, line);
	abort();
}

/* The application: as netd's socket layer does, hold received data until
 * "read", then reopen the window; echo on the listener's connections. */
#define CONNS 8
static struct tcp_pcb *conns[CONNS];
static struct tcp_pcb *listener, *client;
static struct udp_pcb *udp;
static struct raw_pcb *raw;

static void conn_forget(struct tcp_pcb *pcb)
{
	for (int i = 0; i < CONNS; i++)
		if (conns[i] == pcb)
			conns[i] = NULL;
	if (client == pcb)
		client = NULL;
}

static err_t app_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	(void)arg;
	(void)err;
	if (!p) {
		conn_forget(pcb);
		tcp_arg(pcb, NULL);
		tcp_recv(pcb, NULL);
		tcp_err(pcb, NULL);
		if (tcp_close(pcb) != ERR_OK) {
			tcp_abort(pcb);
			return ERR_ABRT;
		}
		return ERR_OK;
	}
	uint8_t buf[256];
	u16_t n = pbuf_copy_partial(p, buf, sizeof(buf), 0);
	tcp_recved(pcb, p->tot_len);
	pbuf_free(p);
	if (n && tcp_sndbuf(pcb) >= n)
		tcp_write(pcb, buf, n, TCP_WRITE_FLAG_COPY);
	return ERR_OK;
}

static void app_err(void *arg, err_t err)
{
	(void)err;
	struct tcp_pcb **slot = arg;
	if (slot)
		*slot = NULL;
}

static void app_track(struct tcp_pcb *pcb)
{
	for (int i = 0; i < CONNS; i++)
		if (!conns[i]) {
			conns[i] = pcb;
			tcp_arg(pcb, &conns[i]);
			tcp_recv(pcb, app_recv);
			tcp_err(pcb, app_err);
			return;
		}
	tcp_abort(pcb);
}

static err_t app_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
	(void)arg;
	if (err != ERR_OK || !pcb)
		return ERR_VAL;
	for (int i = 0; i < CONNS; i++)
		if (!conns[i]) {
			app_track(pcb);
			return ERR_OK;
		}
	return ERR_MEM;
}

static err_t app_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
	(void)arg;
	(void)err;
	tcp_write(pcb, "hello", 5, TCP_WRITE_FLAG_COPY);
	return ERR_OK;
}

static void udp_echo(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr,
		     u16_t port)
{
	(void)arg;
	udp_sendto(pcb, p, addr, port);
	pbuf_free(p);
}

static u8_t raw_eat(void *arg, struct raw_pcb *pcb, struct pbuf *p, const ip_addr_t *addr)
{
	(void)arg;
	(void)pcb;
	(void)addr;
	return (p->tot_len & 1) ? (pbuf_free(p), 1) : 0;
}

static err_t link_output(struct netif *n, struct pbuf *p)
{
	(void)n;
	(void)p;
	frames_out++;
	return ERR_OK;
}

static err_t netif_setup(struct netif *n)
{
	n->name[0] = 'e';
	n->name[1] = 'n';
	n->linkoutput = link_output;
	n->output = etharp_output;
	n->output_ip6 = ethip6_output;
	n->mtu = 1500;
	n->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET |
		   NETIF_FLAG_IGMP | NETIF_FLAG_MLD6;
	n->hwaddr_len = 6;
	memcpy(n->hwaddr, our_mac, 6);
	return ERR_OK;
}

static void run_timers(uint32_t ms)
{
	/* In steps, as the server's loop wakes at each timer. */
	while (ms) {
		uint32_t step = ms < 100 ? ms : 100;
		now_ms += step;
		ms -= step;
		sys_check_timeouts();
		netif_poll_all();
	}
}

/* Internet checksum over data, folded with an initial sum. */
static uint32_t sum16(const uint8_t *p, size_t n, uint32_t s)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		s += (uint32_t)(p[n - 1] << 8);
	return s;
}

static uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Offset of the checksum field of a transport protocol, or -1. */
static int csum_offset(uint8_t proto, bool v6)
{
	switch (proto) {
	case 6:
		return 16;
	case 17:
		return 6;
	case 1:
		return v6 ? -1 : 2;
	case 58:
		return v6 ? 2 : -1;
	default:
		return -1;
	}
}

static void fix_checksums(uint8_t *f, size_t len)
{
	if (len < 14)
		return;
	uint16_t type = (uint16_t)(f[12] << 8 | f[13]);
	uint8_t *ip = f + 14;
	size_t iplen = len - 14;
	if (type == 0x0800 && iplen >= 20) {
		size_t hl = (size_t)(ip[0] & 0xf) * 4;
		if (hl < 20 || hl > iplen)
			return;
		put16(ip + 10, 0);
		put16(ip + 10, fold(sum16(ip, hl, 0)));
		size_t tot = (size_t)(ip[2] << 8 | ip[3]);
		if (tot < hl || tot > iplen || (ip[6] & 0x3f) || ip[7])
			return; /* fragments keep their checksums */
		int off = csum_offset(ip[9], false);
		size_t tl = tot - hl;
		if (off < 0 || (size_t)off + 2 > tl)
			return;
		uint8_t *t = ip + hl;
		put16(t + off, 0);
		uint32_t s = 0;
		if (ip[9] != 1) {
			s = sum16(ip + 12, 8, 0);
			s += ip[9];
			s += (uint32_t)tl;
		}
		put16(t + off, fold(sum16(t, tl, s)));
	} else if (type == 0x86dd && iplen >= 40) {
		size_t pl = (size_t)(ip[4] << 8 | ip[5]);
		int off = csum_offset(ip[6], true);
		if (pl > iplen - 40 || off < 0 || (size_t)off + 2 > pl)
			return;
		uint8_t *t = ip + 40;
		put16(t + off, 0);
		uint32_t s = sum16(ip + 8, 32, 0);
		s += (uint32_t)pl;
		s += ip[6];
		put16(t + off, fold(sum16(t, pl, s)));
	}
}

static void feed(const uint8_t *data, size_t len, uint8_t flags)
{
	uint8_t f[1600];

	if (len > sizeof(f))
		len = sizeof(f);
	memcpy(f, data, len);
	if ((flags & 0x40) && len >= 6)
		memcpy(f, our_mac, 6);
	if (flags & 0x80)
		fix_checksums(f, len);
	struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)len, PBUF_POOL);
	if (!p)
		return;
	pbuf_take(p, f, (u16_t)len);
	if (nif.input(p, &nif) != ERR_OK)
		pbuf_free(p);
	netif_poll_all();
}

static void app_write(uint8_t n)
{
	static const uint8_t junk[256];
	for (int i = 0; i < CONNS; i++)
		if (conns[i] && tcp_sndbuf(conns[i]) >= n) {
			tcp_write(conns[i], junk, n, TCP_WRITE_FLAG_COPY);
			tcp_output(conns[i]);
		}
	if (client && client->state == ESTABLISHED && tcp_sndbuf(client) >= n) {
		tcp_write(client, junk, n, TCP_WRITE_FLAG_COPY);
		tcp_output(client);
	}
}

static void close_pcb(struct tcp_pcb *pcb, bool abort_it)
{
	tcp_arg(pcb, NULL);
	tcp_recv(pcb, NULL);
	tcp_err(pcb, NULL);
	if (abort_it || tcp_close(pcb) != ERR_OK)
		tcp_abort(pcb);
}

static void app_close(bool abort_it)
{
	for (int i = 0; i < CONNS; i++)
		if (conns[i]) {
			struct tcp_pcb *pcb = conns[i];
			conns[i] = NULL;
			close_pcb(pcb, abort_it);
		}
	if (client) {
		struct tcp_pcb *pcb = client;
		client = NULL;
		close_pcb(pcb, abort_it);
	}
}

static uint32_t baseline_mem;
static uint32_t baseline_memp[MEMP_MAX];

static void check_leaks(void)
{
	for (int i = 0; i < MEMP_MAX; i++) {
		if (i == MEMP_SYS_TIMEOUT)
			continue; /* the cyclic timers live for ever */
		if (lwip_stats.memp[i]->used != baseline_memp[i]) {
			fprintf(stderr, "lwIP pool %d: %u in use after teardown, %u before\n", i,
				(unsigned)lwip_stats.memp[i]->used, baseline_memp[i]);
			abort();
		}
	}
	if (lwip_stats.mem.used != baseline_mem) {
		fprintf(stderr, "lwIP heap: %u bytes in use after teardown, %u before\n",
			(unsigned)lwip_stats.mem.used, baseline_mem);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;

	if (!ready) {
		lwip_init();
		ready = true;
		baseline_mem = (uint32_t)lwip_stats.mem.used;
		for (int i = 0; i < MEMP_MAX; i++)
			baseline_memp[i] = (uint32_t)lwip_stats.memp[i]->used;
	}
	if (size < 1)
		return 0;
	rand_state = 1;
	tcp_ticks = 0;

	bool dhcp = data[0] & 1;
	ip4_addr_t a, m, g;
	IP4_ADDR(&a, 10, 0, 2, 15);
	IP4_ADDR(&m, 255, 255, 255, 0);
	IP4_ADDR(&g, 10, 0, 2, 2);
	if (dhcp)
		ip4_addr_set_zero(&a), ip4_addr_set_zero(&m), ip4_addr_set_zero(&g);
	netif_add(&nif, &a, &m, &g, NULL, netif_setup, ethernet_input);
	netif_create_ip6_linklocal_address(&nif, 1);
	nif.ip6_autoconfig_enabled = 1;
	netif_set_default(&nif);
	netif_set_up(&nif);
	netif_set_link_up(&nif);
	if (dhcp)
		dhcp_start(&nif);

	struct tcp_pcb *l = tcp_new_ip_type(IPADDR_TYPE_ANY);
	tcp_bind(l, IP_ANY_TYPE, 80);
	listener = tcp_listen_with_backlog(l, 4);
	tcp_accept(listener, app_accept);
	udp = udp_new_ip_type(IPADDR_TYPE_ANY);
	udp_bind(udp, IP_ANY_TYPE, 7);
	udp_recv(udp, udp_echo, NULL);
	raw = raw_new(IP_PROTO_ICMP);
	raw_recv(raw, raw_eat, NULL);
	if (!dhcp) {
		client = tcp_new();
		ip_addr_t peer = IPADDR4_INIT_BYTES(10, 0, 2, 2);
		tcp_arg(client, &client);
		tcp_recv(client, app_recv);
		tcp_err(client, app_err);
		if (tcp_connect(client, &peer, 5000, app_connected) != ERR_OK)
			close_pcb(client, true), client = NULL;
	}

	size_t i = 1;
	while (i < size) {
		uint8_t op = data[i++];
		switch (op & 0x7) {
		case 0: {
			if (i + 2 > size)
				break;
			size_t len = (size_t)(data[i] | data[i + 1] << 8) % 1600;
			i += 2;
			if (len > size - i)
				len = size - i;
			feed(data + i, len, op);
			i += len;
			break;
		}
		case 1:
			if (i + 2 <= size) {
				run_timers((uint32_t)(data[i] | data[i + 1] << 8));
				i += 2;
			}
			break;
		case 2:
			if (i < size)
				app_write(data[i++]);
			break;
		case 3:
			app_close(op & 0x8);
			break;
		case 4:
			if (i < size) {
				uint8_t n = data[i++];
				struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, n, PBUF_RAM);
				ip_addr_t to = IPADDR4_INIT_BYTES(10, 0, 2, 2);
				if (p) {
					memset(p->payload, 0x5a, n);
					udp_sendto(udp, p, &to, 9);
					pbuf_free(p);
				}
			}
			break;
		case 5:
			if (op & 0x8)
				netif_set_link_down(&nif);
			else
				netif_set_link_up(&nif);
			break;
		default:
			break;
		}
	}

	/* Teardown: nothing of this life may remain. */
	app_close(true);
	tcp_close(listener);
	listener = NULL;
	udp_remove(udp);
	raw_remove(raw);
	while (tcp_active_pcbs)
		tcp_abort(tcp_active_pcbs);
	while (tcp_tw_pcbs)
		tcp_abort(tcp_tw_pcbs);
	if (dhcp) {
		dhcp_stop(&nif);
		dhcp_cleanup(&nif);
	}
	netif_set_down(&nif);
	for (int k = 0; k < 16 && nif.loop_first; k++)
		netif_poll(&nif); /* frames to ourselves: dropped while down */
	netif_remove(&nif);
	run_timers(10 * 60 * 1000);
	check_leaks();
	return 0;
}
