/* SPDX-License-Identifier: MIT */
/*
 * PCI configuration mechanism #1 (ports 0xcf8/0xcfc) and what the device
 * server does with it (pci.h). Every access has the width asked for: the
 * data port takes byte and word accesses at 0xcfc + (off & 3), so a write
 * never rewrites its neighbours (a read-modify-write of a dword would write
 * back the status register's write-1-to-clear bits, or the data byte of
 * virtio's configuration access window, with side effects).
 *
 * Quiescing a virtio device resets it (virtio 1.x, 2.1 and 4.1.4.9; legacy
 * interface 4.1.4.8): a modern device through the configuration access
 * capability (VIRTIO_PCI_CAP_PCI_CFG), which reaches the common
 * configuration without decoding and without mapping its BAR; a
 * transitional device without that capability through the status register
 * of its legacy I/O BAR (offset 18), with I/O decoding on for that write
 * only.
 */
#include "pci.h"

#include <string.h>
#include <ulib.h>

#define PCI_CAP_VENDOR 0x09
#define PCI_STATUS_CAP_LIST 0x10
#define PCI_CAP_WALK_MAX 48

#define VIRTIO_VENDOR 0x1af4
#define VIRTIO_DEVICE_FIRST 0x1000
#define VIRTIO_DEVICE_MODERN 0x1040 /* 0x1000-0x103f: transitional */
#define VIRTIO_DEVICE_LAST 0x107f
#define VIRTIO_CAP_COMMON 1
#define VIRTIO_CAP_PCI_CFG 5
#define VIRTIO_CAP_CFG_TYPE 3 /* offsets in a virtio_pci_cap */
#define VIRTIO_CAP_BAR 4
#define VIRTIO_CAP_OFFSET 8
#define VIRTIO_CAP_LENGTH 12
#define VIRTIO_CAP_DATA 16	/* virtio_pci_cfg_cap.pci_cfg_data */
#define VIRTIO_COMMON_STATUS 20 /* device_status in the common config */
#define VIRTIO_LEGACY_STATUS 18 /* in the legacy I/O BAR */
#define VIRTIO_RESET_TRIES 1000

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}
static inline void outw(uint16_t port, uint16_t v)
{
	__asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}
static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}
static inline uint8_t inb(uint16_t port)
{
	uint8_t v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}
static inline uint16_t inw(uint16_t port)
{
	uint16_t v;
	__asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}
static inline uint32_t inl(uint16_t port)
{
	uint32_t v;
	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static uint16_t cfg_select(uint32_t bdf, unsigned off)
{
	outl(PCI_ADDR, 0x80000000u | bdf << 8 | (off & 0xfc));
	return (uint16_t)(PCI_DATA + (off & 3));
}

uint32_t pci_cfg_read(uint32_t bdf, unsigned off, unsigned width)
{
	uint16_t port = cfg_select(bdf, off);

	return width == 1 ? inb(port) : width == 2 ? inw(port) : inl(port);
}

void pci_cfg_write(uint32_t bdf, unsigned off, unsigned width, uint32_t v)
{
	uint16_t port = cfg_select(bdf, off);

	if (width == 1)
		outb(port, (uint8_t)v);
	else if (width == 2)
		outw(port, (uint16_t)v);
	else
		outl(port, v);
}

unsigned pci_size_bar(uint32_t bdf, unsigned i, struct uk_dev_res *r)
{
	unsigned off = 0x10 + i * 4;
	uint32_t orig = pci_cfg_read(bdf, off, 4);

	pci_cfg_write(bdf, off, 4, 0xffffffffu);
	uint32_t mask = pci_cfg_read(bdf, off, 4);
	pci_cfg_write(bdf, off, 4, orig);
	memset(r, 0, sizeof(*r));
	if (mask == 0 || mask == 0xffffffffu)
		return 1;
	if (orig & 1) { /* I/O */
		uint32_t m = mask & ~3u;
		r->kind = UK_DEV_RES_IO;
		r->base = orig & ~3u;
		r->size = (uint16_t)(~m + 1);
		return 1;
	}
	uint64_t base = orig & ~0xfull, m = mask & ~0xfull;
	unsigned used = 1;
	if (((orig >> 1) & 3) == 2 && i < 5) { /* 64-bit */
		uint32_t hi = pci_cfg_read(bdf, off + 4, 4);
		pci_cfg_write(bdf, off + 4, 4, 0xffffffffu);
		uint32_t mhi = pci_cfg_read(bdf, off + 4, 4);
		pci_cfg_write(bdf, off + 4, 4, hi);
		base |= (uint64_t)hi << 32;
		m |= (uint64_t)mhi << 32;
		r->flags |= UK_DEV_RES_64BIT;
		used = 2;
	} else {
		m |= 0xffffffff00000000ull;
	}
	r->kind = UK_DEV_RES_MEMORY;
	r->base = base;
	r->size = ~m + 1;
	if (orig & 8)
		r->flags |= UK_DEV_RES_PREFETCH;
	return used;
}

unsigned pci_find_capability(uint32_t bdf, unsigned id, unsigned from)
{
	if (!(pci_cfg_read(bdf, 6, 2) & PCI_STATUS_CAP_LIST))
		return 0;
	unsigned p = from ? pci_cfg_read(bdf, from + 1, 1) & 0xfc
			  : pci_cfg_read(bdf, 0x34, 1) & 0xfc;
	for (unsigned n = 0; p >= 0x40 && n < PCI_CAP_WALK_MAX; n++) {
		if (pci_cfg_read(bdf, p, 1) == id)
			return p;
		p = pci_cfg_read(bdf, p + 1, 1) & 0xfc;
	}
	return 0;
}

bool pci_in_vendor_capability(uint32_t bdf, unsigned off, unsigned width)
{
	for (unsigned p = pci_find_capability(bdf, PCI_CAP_VENDOR, 0); p;
	     p = pci_find_capability(bdf, PCI_CAP_VENDOR, p)) {
		unsigned len = pci_cfg_read(bdf, p + 2, 1);
		if (off >= p + 3 && off + width <= p + len && p + len <= 256)
			return true;
	}
	return false;
}

/* The first virtio capability of cfg_type, or 0. */
static unsigned virtio_capability(uint32_t bdf, unsigned cfg_type)
{
	for (unsigned p = pci_find_capability(bdf, PCI_CAP_VENDOR, 0); p;
	     p = pci_find_capability(bdf, PCI_CAP_VENDOR, p))
		if (pci_cfg_read(bdf, p + VIRTIO_CAP_CFG_TYPE, 1) == cfg_type &&
		    p + VIRTIO_CAP_DATA + 4 <= 256)
			return p;
	return 0;
}

/* device_status of a modern device through the access window at window:
 * point it at one byte of the common configuration, then write or read
 * the window's data. */
static void window_select(uint32_t bdf, unsigned window, unsigned common)
{
	pci_cfg_write(bdf, window + VIRTIO_CAP_BAR, 1,
		      pci_cfg_read(bdf, common + VIRTIO_CAP_BAR, 1));
	pci_cfg_write(bdf, window + VIRTIO_CAP_OFFSET, 4,
		      pci_cfg_read(bdf, common + VIRTIO_CAP_OFFSET, 4) +
			  VIRTIO_COMMON_STATUS);
	pci_cfg_write(bdf, window + VIRTIO_CAP_LENGTH, 4, 1);
}

static bool virtio_reset_modern(uint32_t bdf, unsigned window, unsigned common)
{
	window_select(bdf, window, common);
	pci_cfg_write(bdf, window + VIRTIO_CAP_DATA, 1, 0);
	/* The reset is done when device_status reads 0 (4.1.4.3.2). */
	for (unsigned i = 0; i < VIRTIO_RESET_TRIES; i++) {
		window_select(bdf, window, common);
		if (pci_cfg_read(bdf, window + VIRTIO_CAP_DATA, 1) == 0)
			return true;
	}
	return false;
}

/* Through a capability for the one status port, held only for this. */
static bool virtio_reset_legacy(const struct uk_dev_info *di, uk_name_t root_io)
{
	uint16_t port = (uint16_t)(di->res[0].base + VIRTIO_LEGACY_STATUS);
	long cap = uk_cap_derive(root_io, port, 1);
	bool done = false;

	if (cap < 0 || uk_io_enable((uk_name_t)cap) < 0) {
		if (cap >= 0)
			uk_port_deallocate((uk_name_t)cap);
		return false;
	}
	uint32_t cmd = pci_cfg_read(di->address, 4, 2);
	pci_cfg_write(di->address, 4, 2,
		      (cmd & ~(uint32_t)UK_DEV_COMMAND_MASTER) |
			  UK_DEV_COMMAND_IO);
	outb(port, 0);
	for (unsigned i = 0; i < VIRTIO_RESET_TRIES && !done; i++)
		done = inb(port) == 0;
	pci_cfg_write(di->address, 4, 2,
		      cmd & ~(uint32_t)UK_DEV_COMMAND_MASTER);
	uk_port_deallocate((uk_name_t)cap); /* closes the port again */
	return done;
}

static bool virtio_reset(const struct uk_dev_info *di, uk_name_t root_io)
{
	unsigned common = virtio_capability(di->address, VIRTIO_CAP_COMMON);
	unsigned window = virtio_capability(di->address, VIRTIO_CAP_PCI_CFG);

	if (common && window)
		return virtio_reset_modern(di->address, window, common);
	if (di->device < VIRTIO_DEVICE_MODERN &&
	    di->res[0].kind == UK_DEV_RES_IO &&
	    di->res[0].size > VIRTIO_LEGACY_STATUS)
		return virtio_reset_legacy(di, root_io);
	return false;
}

bool pci_quiesce(const struct uk_dev_info *di, uk_name_t root_io)
{
	uint32_t bdf = di->address;
	uint32_t cmd = pci_cfg_read(bdf, 4, 2);
	bool ok = true;

	/* No new DMA from here on; then nothing the device started stays
	 * pending in it. */
	pci_cfg_write(bdf, 4, 2, cmd & ~(uint32_t)UK_DEV_COMMAND_MASTER);
	if (di->vendor == VIRTIO_VENDOR && di->device >= VIRTIO_DEVICE_FIRST &&
	    di->device <= VIRTIO_DEVICE_LAST)
		ok = virtio_reset(di, root_io);
	cmd = pci_cfg_read(bdf, 4, 2);
	pci_cfg_write(bdf, 4, 2,
		      (cmd & ~(uint32_t)UK_DEV_COMMAND_WRITABLE) |
			  UK_DEV_COMMAND_QUIESCED);
	return ok;
}

void pci_enable_for_claim(const struct uk_dev_info *di)
{
	uint32_t cmd = pci_cfg_read(di->address, 4, 2);

	cmd &= ~(uint32_t)UK_DEV_COMMAND_INTX_DISABLE;
	cmd |= UK_DEV_COMMAND_MASTER;
	for (unsigned i = 0; i < UK_DEV_RES_MAX; i++) {
		if (di->res[i].kind == UK_DEV_RES_IO)
			cmd |= UK_DEV_COMMAND_IO;
		else if (di->res[i].kind == UK_DEV_RES_MEMORY)
			cmd |= UK_DEV_COMMAND_MEMORY;
	}
	pci_cfg_write(di->address, 4, 2, cmd);
}

const char *pci_name(uint16_t vendor, uint16_t device, uint8_t cls, uint8_t sub)
{
	if (vendor == VIRTIO_VENDOR) {
		switch (device) {
		case 0x1000:
		case 0x1041:
			return "virtio-net";
		case 0x1001:
		case 0x1042:
			return "virtio-blk";
		case 0x1003:
		case 0x1043:
			return "virtio-console";
		case 0x1005:
		case 0x1044:
			return "virtio-rng";
		default:
			return "virtio";
		}
	}
	switch (cls) {
	case 0x01:
		return "storage";
	case 0x02:
		return "network";
	case 0x03:
		return "display";
	case 0x06:
		return sub == 0	  ? "host-bridge"
		       : sub == 1 ? "isa-bridge"
				  : "bridge";
	case 0x0c:
		return "serial-bus";
	default:
		return "device";
	}
}
