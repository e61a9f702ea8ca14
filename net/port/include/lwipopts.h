/* SPDX-License-Identifier: MIT */
/*
 * lwIP configuration of the network server (net/README.md explains the
 * choices). The fuzz harness (tests/fuzz) compiles lwIP with this very
 * file, so what is fuzzed is what runs.
 *
 * NO_SYS=1: lwIP's raw API driven by one event loop (the server's receive
 * loop), no threads, no locks, no sequential or socket API inside lwIP.
 */
#ifndef UK_LWIPOPTS_H
#define UK_LWIPOPTS_H

#define NO_SYS 1
#define SYS_LIGHTWEIGHT_PROT 0
#define LWIP_SOCKET 0
#define LWIP_NETCONN 0
#define LWIP_TIMERS 1

/* Memory: lwIP's own heap and pools, static in the server's image. The
 * heap holds transmit data (tcp_write copies into it) of every
 * connection; the pool holds received frames until a client reads them,
 * which the TCP window bounds per connection. */
#define MEM_ALIGNMENT 8
#define MEM_SIZE (4u * 1024 * 1024)
#define PBUF_POOL_SIZE 2048
#define MEMP_NUM_PBUF 512
#define MEMP_NUM_RAW_PCB 8
#define MEMP_NUM_UDP_PCB 64
#define MEMP_NUM_TCP_PCB 128
#define MEMP_NUM_TCP_PCB_LISTEN 32
#define MEMP_NUM_TCP_SEG 4096
#define MEMP_NUM_REASSDATA 16
#define MEMP_NUM_FRAG_PBUF 64
#define MEMP_NUM_ARP_QUEUE 64
#define MEMP_NUM_SYS_TIMEOUT (LWIP_NUM_SYS_TIMEOUT_INTERNAL + 8)
#define MEMP_OVERFLOW_CHECK 0
#define MEMP_SANITY_CHECK 0

/* Link layer. */
#define LWIP_ARP 1
#define ARP_TABLE_SIZE 32
#define ARP_QUEUEING 1
#define ARP_QUEUE_LEN 16
#define ETHARP_SUPPORT_STATIC_ENTRIES 0
#define SO_REUSE 1
#define LWIP_ETHERNET 1
#define ETH_PAD_SIZE 0
#define LWIP_NETIF_STATUS_CALLBACK 1
#define LWIP_NETIF_LINK_CALLBACK 1
#define LWIP_NETIF_HOSTNAME 1
#define LWIP_SINGLE_NETIF 0
/* 127.0.0.1 and traffic to the node's own address stay inside the stack;
 * the loop polls the loopback queue (netif_poll_all) on every pass. */
#define LWIP_NETIF_LOOPBACK 1
#define LWIP_HAVE_LOOPIF 1
#define LWIP_LOOPBACK_MAX_PBUFS 256

/* IPv4 with ICMP, DHCP (no ARP probe of the offered address: it costs a
 * second at every boot and the cluster's dnsmasq hands out unique
 * addresses), raw sockets for ping, fragmentation both ways. */
#define LWIP_IPV4 1
#define IP_FORWARD 0
#define IP_REASSEMBLY 1
#define IP_FRAG 1
#define IP_REASS_MAX_PBUFS 48
#define LWIP_ICMP 1
#define LWIP_RAW 1
#define LWIP_DHCP 1
#define DHCP_DOES_ARP_CHECK 0
#define LWIP_AUTOIP 0
#define LWIP_IGMP 0
#define LWIP_DNS 1
#define DNS_MAX_SERVERS 2

/* IPv6: link-local and stateless autoconfiguration; cheap in lwIP. */
#define LWIP_IPV6 1
#define LWIP_IPV6_AUTOCONFIG 1
#define LWIP_IPV6_DHCP6 0
#define LWIP_IPV6_MLD 1
#define LWIP_IPV6_FRAG 1
#define LWIP_IPV6_REASS 1
/* 64-bit pointers do not fit the 8-byte fragment header. */
#define IPV6_FRAG_COPYHEADER 1
#define LWIP_IPV6_DUP_DETECT_ATTEMPTS 1
#define LWIP_ND6_NUM_NEIGHBORS 16
#define LWIP_ND6_NUM_DESTINATIONS 16

/* UDP and TCP. The window is scaled (RFC 7323) so one connection can keep
 * 256 KiB in flight; received data stays in lwIP's pbufs until the
 * client reads it, and only then is the window reopened (tcp_recved),
 * which is the back-pressure on the sender. */
#define LWIP_UDP 1
#define LWIP_TCP 1
#define TCP_MSS 1460
#define LWIP_WND_SCALE 1
#define TCP_RCV_SCALE 3
#define TCP_WND (256u * 1024)
#define TCP_SND_BUF (256u * 1024)
#define TCP_SND_QUEUELEN ((4 * TCP_SND_BUF + TCP_MSS - 1) / TCP_MSS)
/* Only lwIP's socket API reads the low-water marks; they must stay
 * below 16 bits. */
#define TCP_SNDLOWAT 32768
#define TCP_SNDQUEUELOWAT (TCP_SND_QUEUELEN / 2)
#define TCP_QUEUE_OOSEQ 1
#define TCP_OOSEQ_MAX_BYTES (128u * 1024)
#define TCP_OOSEQ_MAX_PBUFS 128
#define TCP_LISTEN_BACKLOG 1
#define TCP_DEFAULT_LISTEN_BACKLOG 16
#define LWIP_TCP_KEEPALIVE 1
#define TCP_OVERSIZE TCP_MSS
#define LWIP_TCP_TIMESTAMPS 0
#define LWIP_CALLBACK_API 1
#define LWIP_EVENT_API 0

/* Software checksums both ways (the driver offers no offload). */
#define LWIP_CHECKSUM_CTRL_PER_NETIF 0
#define LWIP_CHKSUM_ALGORITHM 3

/* Counters for ifconfig and netstat. */
#define LWIP_STATS 1
#define LWIP_STATS_DISPLAY 0
#define LINK_STATS 1
#define ETHARP_STATS 1
#define IP_STATS 1
#define IPFRAG_STATS 1
#define ICMP_STATS 1
#define UDP_STATS 1
#define TCP_STATS 1
#define MEM_STATS 1
#define MEMP_STATS 1
#define IP6_STATS 1
#define ICMP6_STATS 1
#define ND6_STATS 1
#define MLD6_STATS 1
#define IP6_FRAG_STATS 1
#define SYS_STATS 0
#define LWIP_STATS_LARGE 1

#endif
