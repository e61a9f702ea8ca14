/* SPDX-License-Identifier: MIT */
/*
 * netdchild: the other task of netdtest's tests (embedded in netdtest).
 *
 *   netdchild listen-and-die PORT    listen on 127.0.0.1:PORT, exit
 *                                    without closing (no-senders closes it)
 *   netdchild connect-later PORT MS  sleep MS, connect to 127.0.0.1:PORT,
 *                                    send "hello", wait for the close
 *   netdchild block-and-die PORT     connect, then block in recv until
 *                                    killed
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <ulib.h>
#include <unistd.h>

static struct sockaddr_in loopback(uint16_t port)
{
	struct sockaddr_in a;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons(port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return a;
}

int main(int argc, char **argv)
{
	if (argc < 3)
		return 2;
	uint16_t port = (uint16_t)strtoul(argv[2], NULL, 10);
	struct sockaddr_in a = loopback(port);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return 3;
	if (!strcmp(argv[1], "listen-and-die")) {
		if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 4) < 0)
			return 4;
		return 0; /* the socket stays open: only our death closes it */
	}
	if (!strcmp(argv[1], "connect-later") && argc > 3) {
		uk_sleep(strtoul(argv[3], NULL, 10) * 1000000ull);
		if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
			return 5;
		if (send(fd, "hello", 5, 0) != 5)
			return 6;
		char c;
		recv(fd, &c, 1, 0);
		close(fd);
		return 0;
	}
	if (!strcmp(argv[1], "block-and-die")) {
		if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
			return 5;
		char c;
		recv(fd, &c, 1, 0);
		return 0;
	}
	return 2;
}
