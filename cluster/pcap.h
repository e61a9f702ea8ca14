/* SPDX-License-Identifier: MIT */
/* Packet capture of the cluster bridge into a classic pcap file, read from
 * a packet socket with the bridge in promiscuous mode (so frames the bridge
 * forwards between nodes are seen too). No libpcap or tcpdump needed. */
#ifndef UKCLUSTER_PCAP_H
#define UKCLUSTER_PCAP_H

#include <stddef.h>

struct pcap_capture {
	int sock;
	int out; /* the pcap file */
	unsigned long long packets;
};

/* Start capturing interface ifname into the open file out. */
int pcap_start(struct pcap_capture *c, int out, const char *ifname, char *why,
	       size_t len);
/* The socket is readable: write what arrived. */
void pcap_poll_in(struct pcap_capture *c);
void pcap_stop(struct pcap_capture *c);

#endif
