/* SPDX-License-Identifier: MIT */
/* Address conversion (lib/posix/socket.c). */
#ifndef UK_POSIX_ARPA_INET_H
#define UK_POSIX_ARPA_INET_H

#include <netinet/in.h>

/* Dotted quad to an address in network order; INADDR_NONE if malformed. */
in_addr_t inet_addr(const char *s);
/* 1 and *out, or 0 if malformed. */
int inet_aton(const char *s, struct in_addr *out);
/* A static buffer, overwritten by the next call. */
char *inet_ntoa(struct in_addr a);
/* AF_INET or AF_INET6: 1 (converted), 0 (malformed), -1 (EAFNOSUPPORT). */
int inet_pton(int family, const char *s, void *out);
/* NULL and errno ENOSPC or EAFNOSUPPORT on failure. */
const char *inet_ntop(int family, const void *addr, char *out, socklen_t size);

#endif
