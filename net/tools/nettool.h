/* SPDX-License-Identifier: MIT */
/*
 * What the network tools (and netd's guest test) share: addresses from
 * text, the test data pattern and its checksum, figures.
 *
 * The pattern and the checksum are defined here and in the host peer
 * (net/tests/hostpeer.c) identically, so both ends of a transfer print the
 * same checksum for the same bytes.
 */
#ifndef NETTOOL_H
#define NETTOOL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* Byte i of every test stream. */
static inline uint8_t pattern_byte(uint64_t i)
{
	return (uint8_t)(i ^ (i >> 8) ^ ((i >> 16) * 7));
}
void pattern_fill(uint8_t *buf, size_t n, uint64_t offset);

/* FNV-1a, 64 bits. */
#define FNV_INIT 0xcbf29ce484222325ull
uint64_t fnv_update(uint64_t h, const void *data, size_t n);

/* host (numeric IPv4/IPv6, or a name for DNS) and port into ss. 0 or -1
 * with a message printed. */
int tool_addr(const char *prog, const char *host, uint16_t port,
	      struct sockaddr_storage *ss, socklen_t *len);
/* Printable address of a protocol address or a sockaddr. */
const char *tool_ntop(const struct uk_sock_addr *a, char *buf, size_t n);
const char *tool_sa(const struct sockaddr *sa, char *buf, size_t n);
/* Mbit/s of bytes in ns, as an integer and tenths. */
void tool_rate(uint64_t bytes, uint64_t ns, unsigned *mbit, unsigned *tenths);

#endif
