/* SPDX-License-Identifier: MIT */
/*
 * Sockets (lib/posix/socket.c): each socket is a descriptor holding a send
 * right to its port on the network server "net" (uk/proto/sock.h), so
 * read, write, close and poll work on it too. Blocking calls wait in the
 * server (a deferred reply), never in a loop here; O_NONBLOCK (or
 * SOCK_NONBLOCK, MSG_DONTWAIT) makes them return EAGAIN, and
 * SO_RCVTIMEO/SO_SNDTIMEO bound the wait. Values are Linux's.
 */
#ifndef UK_POSIX_SYS_SOCKET_H
#define UK_POSIX_SYS_SOCKET_H

#include <stdint.h>
#include <sys/types.h>
#include <uk/proto/sock.h>

typedef uint32_t socklen_t;
typedef uint16_t sa_family_t;

struct sockaddr {
	sa_family_t sa_family;
	char sa_data[14];
};

struct sockaddr_storage {
	sa_family_t ss_family;
	char ss_pad[6];
	uint64_t ss_align[15];
};

#define AF_UNSPEC UK_AF_UNSPEC
#define AF_INET UK_AF_INET
#define AF_INET6 UK_AF_INET6
#define PF_UNSPEC AF_UNSPEC
#define PF_INET AF_INET
#define PF_INET6 AF_INET6

#define SOCK_STREAM UK_SOCK_STREAM
#define SOCK_DGRAM UK_SOCK_DGRAM
#define SOCK_RAW UK_SOCK_RAW
#define SOCK_NONBLOCK 04000
#define SOCK_CLOEXEC 02000000

#define SOL_SOCKET UK_SOL_SOCKET
#define SO_REUSEADDR UK_SO_REUSEADDR
#define SO_TYPE UK_SO_TYPE
#define SO_ERROR UK_SO_ERROR
#define SO_BROADCAST UK_SO_BROADCAST
#define SO_SNDBUF UK_SO_SNDBUF
#define SO_RCVBUF UK_SO_RCVBUF
#define SO_KEEPALIVE UK_SO_KEEPALIVE
#define SO_RCVTIMEO 20 /* struct timeval; kept by the adapter */
#define SO_SNDTIMEO 21
#define SO_ACCEPTCONN UK_SO_ACCEPTCONN

#define MSG_PEEK UK_SOCK_MSG_PEEK
#define MSG_TRUNC UK_SOCK_MSG_TRUNC
#define MSG_DONTWAIT UK_SOCK_MSG_DONTWAIT
#define MSG_WAITALL UK_SOCK_MSG_WAITALL
#define MSG_NOSIGNAL UK_SOCK_MSG_NOSIGNAL

#define SHUT_RD UK_SHUT_RD
#define SHUT_WR UK_SHUT_WR
#define SHUT_RDWR UK_SHUT_RDWR

#define SOMAXCONN 128

int socket(int domain, int type, int protocol);
int bind(int fd, const struct sockaddr *addr, socklen_t len);
int listen(int fd, int backlog);
int accept(int fd, struct sockaddr *addr, socklen_t *len);
int accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags);
int connect(int fd, const struct sockaddr *addr, socklen_t len);
ssize_t send(int fd, const void *buf, size_t n, int flags);
ssize_t recv(int fd, void *buf, size_t n, int flags);
ssize_t sendto(int fd, const void *buf, size_t n, int flags,
	       const struct sockaddr *to, socklen_t to_len);
ssize_t recvfrom(int fd, void *buf, size_t n, int flags, struct sockaddr *from,
		 socklen_t *from_len);
int shutdown(int fd, int how);
int getsockopt(int fd, int level, int name, void *value, socklen_t *len);
int setsockopt(int fd, int level, int name, const void *value, socklen_t len);
int getsockname(int fd, struct sockaddr *addr, socklen_t *len);
int getpeername(int fd, struct sockaddr *addr, socklen_t *len);

/* Not POSIX: the network server's status and diagnostics, for ifconfig,
 * netstat and ping (uk/proto/sock.h). 0 or -1 and errno. */
int net_info(struct uk_net_info *out);
/* Up to max entries from index start; returns how many, *total the table. */
int net_sockets(uint32_t start, struct uk_net_sock_entry *out, unsigned max,
		uint32_t *total);
/* One ICMP echo (IPv4 or IPv6) of size payload bytes. */
int net_ping(const struct sockaddr *to, uint16_t seq, uint16_t size,
	     uint64_t timeout_ns, struct uk_net_ping_reply *out);
/* A host name or numeric address to an address (port 0) through the DNS
 * servers DHCP gave; family AF_INET, AF_INET6 or AF_UNSPEC. */
int net_resolve(const char *host, int family, struct sockaddr_storage *out,
		socklen_t *len, uint64_t timeout_ns);
int net_configure(const struct uk_net_config_req *rq);

#endif
