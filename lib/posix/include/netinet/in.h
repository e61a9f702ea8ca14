/* SPDX-License-Identifier: MIT */
/* Internet addresses (Linux's layout and values). */
#ifndef UK_POSIX_NETINET_IN_H
#define UK_POSIX_NETINET_IN_H

#include <stdint.h>
#include <sys/socket.h>

typedef uint32_t in_addr_t;
typedef uint16_t in_port_t;

struct in_addr {
	in_addr_t s_addr; /* network byte order */
};

struct sockaddr_in {
	sa_family_t sin_family;
	in_port_t sin_port; /* network byte order */
	struct in_addr sin_addr;
	uint8_t sin_zero[8];
};

struct in6_addr {
	union {
		uint8_t s6_addr[16];
		uint16_t s6_addr16[8];
		uint32_t s6_addr32[4];
	};
};

struct sockaddr_in6 {
	sa_family_t sin6_family;
	in_port_t sin6_port;
	uint32_t sin6_flowinfo;
	struct in6_addr sin6_addr;
	uint32_t sin6_scope_id;
};

#define INADDR_ANY ((in_addr_t)0x00000000)
#define INADDR_BROADCAST ((in_addr_t)0xffffffff)
#define INADDR_NONE ((in_addr_t)0xffffffff)
#define INADDR_LOOPBACK ((in_addr_t)0x7f000001) /* host byte order */
#define INET_ADDRSTRLEN 16
#define INET6_ADDRSTRLEN 46

#define IPPROTO_IP UK_IPPROTO_IP
#define IPPROTO_ICMP UK_IPPROTO_ICMP
#define IPPROTO_TCP UK_IPPROTO_TCP
#define IPPROTO_UDP UK_IPPROTO_UDP
#define IPPROTO_IPV6 UK_IPPROTO_IPV6
#define IPPROTO_ICMPV6 UK_IPPROTO_ICMPV6

#define IP_TTL UK_IP_TTL
/* On Linux these live in <netinet/tcp.h>. */
#ifndef TCP_NODELAY
#define TCP_NODELAY UK_TCP_NODELAY
#define TCP_KEEPIDLE UK_TCP_KEEPIDLE
#define TCP_KEEPINTVL UK_TCP_KEEPINTVL
#define TCP_KEEPCNT UK_TCP_KEEPCNT
#endif

static inline uint16_t htons(uint16_t v)
{
	return __builtin_bswap16(v);
}
static inline uint16_t ntohs(uint16_t v)
{
	return __builtin_bswap16(v);
}
static inline uint32_t htonl(uint32_t v)
{
	return __builtin_bswap32(v);
}
static inline uint32_t ntohl(uint32_t v)
{
	return __builtin_bswap32(v);
}

#endif
