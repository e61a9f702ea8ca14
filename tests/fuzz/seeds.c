/* SPDX-License-Identifier: MIT */
/*
 * Writes the seed inputs of lwip_fuzz (record format in lwip_fuzz.c) into
 * a folder: ARP, ICMP echo, a TCP handshake start, UDP, IPv4 fragments,
 * IPv6 neighbour discovery and echo, a DHCP offer. Checksums are left to
 * the harness (the 0x80 flag of a frame record).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static uint8_t in[4096];
static size_t n;

static const uint8_t us[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
static const uint8_t peer[6] = { 0x52, 0x55, 0x0a, 0x00, 0x02, 0x02 };
static const uint8_t ip_us[4] = { 10, 0, 2, 15 }, ip_peer[4] = { 10, 0, 2, 2 };

static void begin(uint8_t mode)
{
	n = 0;
	in[n++] = mode;
}

static void put(const void *p, size_t len)
{
	memcpy(in + n, p, len);
	n += len;
}

static void u8(uint8_t v)
{
	in[n++] = v;
}

static void be16(uint16_t v)
{
	u8((uint8_t)(v >> 8));
	u8((uint8_t)v);
}

static size_t frame_start(uint16_t type)
{
	u8(0x80); /* frame, fix checksums */
	size_t len_at = n;
	n += 2;
	put(us, 6);
	put(peer, 6);
	be16(type);
	return len_at;
}

static void frame_end(size_t len_at)
{
	size_t len = n - len_at - 2;
	in[len_at] = (uint8_t)len;
	in[len_at + 1] = (uint8_t)(len >> 8);
}

static void ip4(uint8_t proto, uint16_t payload, uint16_t frag)
{
	u8(0x45), u8(0), be16((uint16_t)(20 + payload)), be16(0x1234), be16(frag);
	u8(64), u8(proto), be16(0);
	put(ip_peer, 4);
	put(ip_us, 4);
}

static void time_passes(uint16_t ms)
{
	u8(1);
	u8((uint8_t)ms);
	u8((uint8_t)(ms >> 8));
}

static void save(const char *dir, const char *name)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(in, 1, n, f) != n) {
		perror(path);
		return;
	}
	fclose(f);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: lwip_fuzz_seeds DIR\n");
		return 2;
	}
	const char *dir = argv[1];
	size_t at;

	begin(0); /* ARP who-has us */
	at = frame_start(0x0806);
	be16(1), be16(0x0800), u8(6), u8(4), be16(1);
	put(peer, 6), put(ip_peer, 4), put(us, 6), put(ip_us, 4);
	frame_end(at);
	time_passes(1000);
	save(dir, "arp");

	begin(0); /* ICMP echo */
	at = frame_start(0x0800);
	ip4(1, 16, 0);
	u8(8), u8(0), be16(0), be16(1), be16(1);
	put("abcdefgh", 8);
	frame_end(at);
	save(dir, "icmp");

	begin(0); /* TCP SYN to port 80, data, FIN */
	at = frame_start(0x0800);
	ip4(6, 20, 0);
	be16(40000), be16(80), be16(0), be16(1), be16(0), be16(0), be16(0x5002), be16(8192),
		be16(0), be16(0);
	frame_end(at);
	time_passes(300);
	u8(2), u8(10);
	at = frame_start(0x0800);
	ip4(6, 24, 0);
	be16(40000), be16(80), be16(0), be16(2), be16(0), be16(0), be16(0x5018), be16(8192),
		be16(0), be16(0);
	put("data", 4);
	frame_end(at);
	u8(3);
	time_passes(5000);
	save(dir, "tcp");

	begin(0); /* UDP to the echo port */
	at = frame_start(0x0800);
	ip4(17, 12, 0);
	be16(5353), be16(7), be16(12), be16(0);
	put("ping", 4);
	frame_end(at);
	save(dir, "udp");

	begin(0); /* two IPv4 fragments of one ICMP echo */
	at = frame_start(0x0800);
	ip4(1, 16, 0x2000);
	u8(8), u8(0), be16(0), be16(2), be16(2);
	put("frag-one", 8);
	frame_end(at);
	at = frame_start(0x0800);
	ip4(1, 8, 2);
	put("frag-two", 8);
	frame_end(at);
	time_passes(2000);
	save(dir, "frag");

	begin(0); /* IPv6 echo to our link-local address */
	at = frame_start(0x86dd);
	u8(0x60), u8(0), be16(0), be16(16), u8(58), u8(255);
	uint8_t ll_peer[16] = { 0xfe, 0x80, [8] = 0x50, 0x55, 0x0a, 0xff, 0xfe, 0, 2, 2 };
	uint8_t ll_us[16] = { 0xfe, 0x80, [8] = 0x50, 0x54, 0x00, 0xff, 0xfe, 0x12, 0x34, 0x56 };
	put(ll_peer, 16), put(ll_us, 16);
	u8(128), u8(0), be16(0), be16(1), be16(1);
	put("v6-echo!", 8);
	frame_end(at);
	time_passes(1000);
	save(dir, "icmp6");

	begin(1); /* DHCP: an offer (the transaction id is for the fuzzer) */
	time_passes(500);
	at = frame_start(0x0800);
	ip4(17, 8 + 240 + 16, 0);
	be16(67), be16(68), be16(8 + 240 + 16), be16(0);
	u8(2), u8(1), u8(6), u8(0);
	be16(0), be16(0), be16(0), be16(0), be16(0), be16(0);
	put(ip_us, 4), put(ip_peer, 4), be16(0), be16(0);
	put(us, 6);
	for (int i = 0; i < 10 + 64 + 128; i++)
		u8(0);
	u8(99), u8(130), u8(83), u8(99);
	u8(53), u8(1), u8(2);
	u8(54), u8(4), put(ip_peer, 4);
	u8(1), u8(4), u8(255), u8(255), u8(255), u8(0);
	u8(255);
	frame_end(at);
	time_passes(3000);
	save(dir, "dhcp");
	return 0;
}
