/* SPDX-License-Identifier: MIT */
/* Conversions between lwIP's types and the protocol's (uk/proto/sock.h). */
#include <string.h>
#include <ulib.h>

#include "lwip/err.h"
#include "lwip/netif.h"
#include "netd.h"

int32_t netd_err(int lwip_err)
{
	switch (lwip_err) {
	case ERR_OK:
		return 0;
	case ERR_MEM:
	case ERR_BUF:
		return -ERR_NO_MEMORY;
	case ERR_TIMEOUT:
		return -ERR_TIMED_OUT;
	case ERR_RTE:
	case ERR_IF:
		return -ERR_UNREACHABLE;
	case ERR_INPROGRESS:
		return -ERR_IN_PROGRESS;
	case ERR_WOULDBLOCK:
		return -ERR_WOULD_BLOCK;
	case ERR_USE:
		return -ERR_ADDR_IN_USE;
	case ERR_ALREADY:
		return -ERR_BUSY;
	case ERR_ISCONN:
		return -ERR_EXISTS;
	case ERR_CONN:
	case ERR_CLSD:
		return -ERR_NOT_CONNECTED;
	case ERR_ABRT:
	case ERR_RST:
		return -ERR_CONN_RESET;
	case ERR_VAL:
	case ERR_ARG:
	default:
		return -ERR_INVALID;
	}
}

bool addr_from_proto(const struct uk_sock_addr *a, ip_addr_t *ip, uint16_t *port)
{
	*port = a->port;
	if (a->family == UK_AF_INET) {
		u32_t v;
		memcpy(&v, a->addr, 4);
		ip_addr_set_ip4_u32_val(*ip, v);
		return true;
	}
	if (a->family == UK_AF_INET6) {
		u32_t w[4];
		memcpy(w, a->addr, 16);
		IP_ADDR6(ip, w[0], w[1], w[2], w[3]);
		ip6_addr_clear_zone(ip_2_ip6(ip));
		if (ip6_addr_has_scope(ip_2_ip6(ip), IP6_UNKNOWN) && a->scope)
			ip6_addr_set_zone(ip_2_ip6(ip), (u8_t)a->scope);
		else
			ip6_addr_assign_zone(ip_2_ip6(ip), IP6_UNKNOWN, netif_default);
		return true;
	}
	return false;
}

void addr_to_proto(const ip_addr_t *ip, uint16_t port, struct uk_sock_addr *a)
{
	memset(a, 0, sizeof(*a));
	a->port = port;
	if (IP_IS_V6(ip)) {
		a->family = UK_AF_INET6;
		memcpy(a->addr, ip_2_ip6(ip)->addr, 16);
		a->scope = ip6_addr_zone(ip_2_ip6(ip));
	} else {
		a->family = UK_AF_INET;
		memcpy(a->addr, &ip_2_ip4(ip)->addr, 4);
	}
}
