/* SPDX-License-Identifier: MIT */
/*
 * Node logs and consoles. Each node's log gets one line per serial line
 * and per host event, stamped with the host's wall-clock time and the
 * seconds since `up` started:
 *
 *   12:04:31.207 +   3.412 | init: started on node 2 (tsc 123)
 *   12:04:35.001 +   7.206 # power: off (killed by host)
 *
 * '|' marks what the node printed, '#' what the host saw happen. Raw serial
 * bytes also go to every attached console and to a ring buffer that lets a
 * console attached late replay the boot.
 */
#include "super.h"
#include "text.h"
#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#define IDLE_FLUSH_MS 500

/* Console writes never block the supervisor: a client that does not keep
 * up loses output rather than stalling every node. */
static void console_send(struct node *n, const void *buf, size_t len)
{
	struct super *s = n->s;

	for (int i = 0; i < MAX_CLIENTS; i++) {
		struct client *c = &s->clients[i];
		if (c->fd >= 0 && c->console == n->id)
			send(c->fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
	}
}

static void write_line(struct node *n, char kind, const char *text)
{
	char stamp[16], buf[1400];
	uint64_t el = mono_ms() - n->s->t0;

	wall_stamp(stamp, sizeof(stamp));
	int len = snprintf(buf, sizeof(buf), "%s +%4llu.%03llu %c %s\n", stamp,
			   (unsigned long long)(el / 1000),
			   (unsigned long long)(el % 1000), kind, text);
	if (len > (int)sizeof(buf) - 1)
		len = (int)sizeof(buf) - 1;
	if (n->log_fd >= 0)
		write_all(n->log_fd, buf, (size_t)len);
}

void node_log(struct node *n, char kind, const char *fmt, ...)
{
	char text[1024], note[1100];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	write_line(n, kind, text);
	/* Host events show in the console too, on lines of their own: held
	 * back while the node is in the middle of a line. */
	int len = snprintf(note, sizeof(note), "[ukcluster: node %u %s]\r\n",
			   n->id, text);
	if (len >= (int)sizeof(note))
		len = (int)sizeof(note) - 1;
	if (n->console_bol) {
		console_send(n, note, (size_t)len);
	} else if (n->notes_len + (size_t)len < sizeof(n->notes)) {
		memcpy(n->notes + n->notes_len, note, (size_t)len);
		n->notes_len += (size_t)len;
	}
}

static void flush_notes(struct node *n)
{
	if (n->notes_len)
		console_send(n, n->notes, n->notes_len);
	n->notes_len = 0;
}

void node_boot(struct node *n, const char *how)
{
	n->boot_ms = mono_ms();
	n->stage = "firmware";
	n->line_len = 0;
	node_log(n, '#', "boot: %s", how);
}

static void stage_from(struct node *n, const char *line)
{
	if (strstr(line, "uk microkernel"))
		n->stage = "kernel";
	else if (strstr(line, "init: started on node"))
		n->stage = "init";
	else if (strstr(line, "init: ready"))
		n->stage = "ready";
}

static void flush_line(struct node *n)
{
	n->line[n->line_len] = '\0';
	write_line(n, '|', n->line);
	stage_from(n, n->line);
	str_copy(n->last_line, n->line, sizeof(n->last_line));
	n->line_len = 0;
}

void node_serial_in(struct node *n, const unsigned char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		n->ring[n->ring_next] = buf[i];
		n->ring_next = (n->ring_next + 1) % sizeof(n->ring);
		if (n->ring_fill < sizeof(n->ring))
			n->ring_fill++;
	}
	console_send(n, buf, len);
	if (len)
		n->console_bol = buf[len - 1] == '\n';
	if (n->console_bol)
		flush_notes(n);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = buf[i];
		if (c == '\n') {
			flush_line(n);
			continue;
		}
		if (c == '\r')
			continue;
		if (!n->line_len)
			n->line_ms = mono_ms();
		/* One log line per record: control bytes become '?'. */
		n->line[n->line_len++] =
		    (c < 0x20 && c != '\t') || c == 0x7f ? '?' : (char)c;
		if (n->line_len + 1 >= sizeof(n->line))
			flush_line(n);
	}
}

void node_flush_idle(struct node *n, uint64_t now)
{
	/* A prompt without a newline still reaches the log, and held-back
	 * host events the console. */
	if (n->line_len && now - n->line_ms >= IDLE_FLUSH_MS) {
		flush_line(n);
		if (n->notes_len) {
			console_send(n, "\r\n", 2);
			n->console_bol = 1;
			flush_notes(n);
		}
	}
}

void node_console_replay(struct node *n, int fd)
{
	size_t start =
	    (n->ring_next + sizeof(n->ring) - n->ring_fill) % sizeof(n->ring);

	if (start + n->ring_fill <= sizeof(n->ring)) {
		send(fd, n->ring + start, n->ring_fill, MSG_NOSIGNAL);
	} else {
		size_t first = sizeof(n->ring) - start;
		send(fd, n->ring + start, first, MSG_NOSIGNAL);
		send(fd, n->ring, n->ring_fill - first, MSG_NOSIGNAL);
	}
}
