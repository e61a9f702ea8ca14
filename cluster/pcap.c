/* SPDX-License-Identifier: MIT */
/* Bridge capture; see pcap.h. File format: the classic libpcap header
 * (magic 0xa1b2c3d4, version 2.4, LINKTYPE_ETHERNET) and one record header
 * per frame, in host byte order as the format allows. */
#include "pcap.h"
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct pcap_file_header {
	uint32_t magic;
	uint16_t version_major, version_minor;
	int32_t thiszone;
	uint32_t sigfigs, snaplen, linktype;
};

struct pcap_record_header {
	uint32_t ts_sec, ts_usec, caplen, len;
};

_Static_assert(sizeof(struct pcap_file_header) == 24, "pcap file header");
_Static_assert(sizeof(struct pcap_record_header) == 16, "pcap record header");

#define SNAPLEN 65535

int pcap_start(struct pcap_capture *c, int out, const char *ifname, char *why,
	       size_t len)
{
	struct pcap_file_header h = {0xa1b2c3d4, 2, 4, 0, 0, SNAPLEN, 1};
	struct sockaddr_ll sll;
	struct packet_mreq mr;
	unsigned idx = if_nametoindex(ifname);

	c->sock = -1;
	c->out = out;
	c->packets = 0;
	if (!idx) {
		snprintf(why, len, "capture: no interface %s", ifname);
		return -1;
	}
	c->sock = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK,
			 htons(ETH_P_ALL));
	if (c->sock < 0) {
		snprintf(why, len, "capture: packet socket: %s",
			 strerror(errno));
		return -1;
	}
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = (int)idx;
	memset(&mr, 0, sizeof(mr));
	mr.mr_ifindex = (int)idx;
	mr.mr_type = PACKET_MR_PROMISC;
	if (bind(c->sock, (struct sockaddr *)&sll, sizeof(sll)) ||
	    setsockopt(c->sock, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr,
		       sizeof(mr))) {
		snprintf(why, len, "capture on %s: %s", ifname,
			 strerror(errno));
		close(c->sock);
		c->sock = -1;
		return -1;
	}
	if (write_all(out, &h, sizeof(h))) {
		snprintf(why, len, "capture file: %s", strerror(errno));
		close(c->sock);
		c->sock = -1;
		return -1;
	}
	return 0;
}

void pcap_poll_in(struct pcap_capture *c)
{
	static unsigned char frame[SNAPLEN];

	for (int i = 0; i < 64; i++) {
		ssize_t n = recv(c->sock, frame, sizeof(frame), MSG_TRUNC);
		if (n <= 0)
			return;
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		uint32_t caplen =
		    (size_t)n > sizeof(frame) ? sizeof(frame) : (uint32_t)n;
		struct pcap_record_header r = {(uint32_t)ts.tv_sec,
					       (uint32_t)(ts.tv_nsec / 1000),
					       caplen, (uint32_t)n};
		if (write_all(c->out, &r, sizeof(r)) ||
		    write_all(c->out, frame, caplen))
			return;
		c->packets++;
	}
}

void pcap_stop(struct pcap_capture *c)
{
	if (c->sock >= 0)
		close(c->sock);
	if (c->out >= 0)
		close(c->out);
	c->sock = -1;
	c->out = -1;
}
