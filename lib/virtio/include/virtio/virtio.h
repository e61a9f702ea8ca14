/* SPDX-License-Identifier: MIT */
/*
 * Constants and layouts of the virtio 1.x specification that drivers and
 * the transport share: device status bits, the transport feature bits, the
 * split virtqueue structures and the PCI capability types. Everything here
 * is little-endian on the wire; x86_64 is too, so the fields are plain.
 */
#ifndef VIRTIO_VIRTIO_H
#define VIRTIO_VIRTIO_H

#include <stdint.h>

#define VIRTIO_PCI_VENDOR 0x1af4u
/* Modern device ids are 0x1040 + the virtio device type; transitional
 * devices keep the legacy ids 0x1000..0x103f. */
#define VIRTIO_ID_NET 1u
#define VIRTIO_ID_BLOCK 2u
#define VIRTIO_PCI_MODERN_ID(type) (0x1040u + (type))
#define VIRTIO_PCI_DEVICE_NET_LEGACY 0x1000u
#define VIRTIO_PCI_DEVICE_BLOCK_LEGACY 0x1001u

/* Device status register. */
#define VIRTIO_STATUS_ACKNOWLEDGE 0x01u
#define VIRTIO_STATUS_DRIVER 0x02u
#define VIRTIO_STATUS_DRIVER_OK 0x04u
#define VIRTIO_STATUS_FEATURES_OK 0x08u
#define VIRTIO_STATUS_NEEDS_RESET 0x40u
#define VIRTIO_STATUS_FAILED 0x80u

/* Transport feature bits (device-specific ones are below 24). */
#define VIRTIO_F_INDIRECT_DESC 28
#define VIRTIO_F_EVENT_IDX 29
#define VIRTIO_F_VERSION_1 32
#define VIRTIO_F_ACCESS_PLATFORM 33
#define VIRTIO_F_RING_PACKED 34
#define VIRTIO_BIT(n) (1ull << (n))

/* ISR status bits (reading the register clears it). */
#define VIRTIO_ISR_QUEUE 0x1u
#define VIRTIO_ISR_CONFIG 0x2u

/* Split virtqueue. Alignment: descriptors 16, available ring 2, used 4. */
#define VIRTQ_DESC_F_NEXT 0x1u
#define VIRTQ_DESC_F_WRITE 0x2u
#define VIRTQ_DESC_F_INDIRECT 0x4u
#define VIRTQ_USED_F_NO_NOTIFY 0x1u
#define VIRTQ_AVAIL_F_NO_INTERRUPT 0x1u

struct virtq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};
_Static_assert(sizeof(struct virtq_desc) == 16, "virtq_desc layout");

struct virtq_avail {
	uint16_t flags;
	uint16_t idx;
	uint16_t ring[]; /* then uint16_t used_event */
};

struct virtq_used_elem {
	uint32_t id;  /* head of the chain the device finished */
	uint32_t len; /* bytes the device wrote into the chain */
};
_Static_assert(sizeof(struct virtq_used_elem) == 8, "virtq_used_elem layout");

struct virtq_used {
	uint16_t flags;
	uint16_t idx;
	struct virtq_used_elem ring[]; /* then uint16_t avail_event */
};

/* PCI vendor-specific capability (id 0x09) describing where a virtio
 * structure lives: cfg_type, the BAR, and the range inside the BAR. */
#define PCI_CAP_ID_VENDOR 0x09u
#define VIRTIO_PCI_CAP_COMMON 1u
#define VIRTIO_PCI_CAP_NOTIFY 2u
#define VIRTIO_PCI_CAP_ISR 3u
#define VIRTIO_PCI_CAP_DEVICE 4u
#define VIRTIO_PCI_CAP_PCI_CFG 5u

struct virtio_pci_cap {
	uint8_t cap_vndr;
	uint8_t cap_next;
	uint8_t cap_len;
	uint8_t cfg_type;
	uint8_t bar;
	uint8_t id;
	uint8_t padding[2];
	uint32_t offset;
	uint32_t length;
};
_Static_assert(sizeof(struct virtio_pci_cap) == 16, "virtio_pci_cap layout");
/* The notify capability adds notify_off_multiplier after the common part. */
#define VIRTIO_PCI_NOTIFY_CAP_LEN 20u

/* Offsets in the common configuration structure. */
#define VIRTIO_COMMON_DFSELECT 0x00
#define VIRTIO_COMMON_DF 0x04
#define VIRTIO_COMMON_GFSELECT 0x08
#define VIRTIO_COMMON_GF 0x0c
#define VIRTIO_COMMON_MSIX 0x10
#define VIRTIO_COMMON_NUMQ 0x12
#define VIRTIO_COMMON_STATUS 0x14
#define VIRTIO_COMMON_CFGGENERATION 0x15
#define VIRTIO_COMMON_Q_SELECT 0x16
#define VIRTIO_COMMON_Q_SIZE 0x18
#define VIRTIO_COMMON_Q_MSIX 0x1a
#define VIRTIO_COMMON_Q_ENABLE 0x1c
#define VIRTIO_COMMON_Q_NOFF 0x1e
#define VIRTIO_COMMON_Q_DESCLO 0x20
#define VIRTIO_COMMON_Q_DESCHI 0x24
#define VIRTIO_COMMON_Q_AVAILLO 0x28
#define VIRTIO_COMMON_Q_AVAILHI 0x2c
#define VIRTIO_COMMON_Q_USEDLO 0x30
#define VIRTIO_COMMON_Q_USEDHI 0x34
#define VIRTIO_COMMON_LEN 0x38 /* the structure as of virtio 1.0 */
#define VIRTIO_MSI_NO_VECTOR 0xffffu

#endif
