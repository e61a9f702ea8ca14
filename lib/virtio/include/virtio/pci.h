/* SPDX-License-Identifier: MIT */
/*
 * The virtio 1.x modern PCI transport for drivers in user space. A driver
 * claims its device from the device server (dev_claim), then:
 *
 *   virtio_pci_attach     find the virtio capabilities in the configuration
 *                         space returned by the claim, map their BARs
 *   virtio_pci_negotiate  reset, ACKNOWLEDGE, DRIVER, features, FEATURES_OK
 *   virtio_pci_queue_setup  one split virtqueue in DMA memory per queue
 *   virtio_pci_driver_ok  DRIVER_OK: the device is live
 *
 * Interrupts arrive as messages on a port (virtio_pci_irq_bind); for each
 * one the driver reads the ISR register (virtio_pci_isr, which also lowers
 * the line), handles the queues, and only then calls virtio_pci_irq_ack:
 * the PIC is edge-triggered, so the line must be low before it is unmasked.
 *
 * The parsing of the capability list is separate (virtio_pci_parse_caps,
 * pci_caps.c) and touches no hardware, so the host unit tests check it.
 */
#ifndef VIRTIO_PCI_H
#define VIRTIO_PCI_H

#include <stdbool.h>
#include <stdint.h>
#include <uk/ipc.h>
#include <uk/proto/dev.h>
#include <virtio/virtio.h>
#include <virtio/virtq.h>

#define VIRTIO_PCI_BARS 6

/* Where one virtio structure lives: a BAR and a range inside it. */
struct virtio_pci_region {
	bool present;
	uint8_t bar;
	uint32_t offset;
	uint32_t length;
};

struct virtio_pci_layout {
	struct virtio_pci_region common, notify, isr, device;
	uint32_t notify_multiplier;
};

/* Find the first COMMON, NOTIFY, ISR and DEVICE capabilities in a device's
 * 256-byte configuration space. 0 if COMMON, NOTIFY and ISR were found;
 * -ERR_UNSUPPORTED if the device has none of them (a legacy-only device);
 * -ERR_CORRUPT if the list or a capability is malformed (pointer out of
 * range, too short, bad BAR, a loop before the needed ones were found). */
int virtio_pci_parse_caps(const uint8_t config[256],
			  struct virtio_pci_layout *out);

/* Check that every present region lies inside a memory BAR of res[]
 * (uk_dev_info.res). 0 or -ERR_UNSUPPORTED (I/O BAR) / -ERR_CORRUPT. */
int virtio_pci_check_layout(const struct virtio_pci_layout *l,
			    const struct uk_dev_res res[VIRTIO_PCI_BARS]);

struct virtio_pci {
	const char *name; /* for messages: "virtio-blk" */
	struct uk_dev_info info;
	struct virtio_pci_layout layout;
	volatile uint8_t *common, *notify, *isr, *device;
	uint64_t device_features, features; /* offered, accepted */
	uk_name_t irq;			    /* interrupt capability or 0 */
	uk_name_t bar_cap[VIRTIO_PCI_BARS];
};

/* Map the device whose claim reply and capabilities (caps[] in dev_claim
 * order: one per nonzero resource, then the IRQ) are given. Prints why and
 * fails if the device is not a modern virtio device. */
int virtio_pci_attach(struct virtio_pci *vp, const char *name,
		      const struct uk_dev_claim_reply *claim,
		      const uk_name_t *caps, unsigned n_caps);

/* Claim the first virtio device of this type (modern id 0x1040 + type,
 * else the transitional legacy_id) from the device server, with owner (a
 * receive right of the driver) as the claim's owner, and attach it.
 * -ERR_NOT_FOUND if there is none (the driver has nothing to do). */
int virtio_pci_claim(struct virtio_pci *vp, const char *name,
		     uint16_t virtio_type, uint16_t legacy_id, uk_name_t owner);

/* The last step of setup: bind the interrupt to a new port, put it and the
 * driver's service port in a new port set (what the driver's loop
 * receives on), and set DRIVER_OK. On failure the device is marked FAILED
 * with a message. */
int virtio_pci_start(struct virtio_pci *vp, const char *name, uk_name_t service,
		     uk_name_t *irq_port, uk_name_t *port_set);

/* Reset the device and negotiate: VIRTIO_F_VERSION_1 and every bit of
 * required must be offered (else the device is marked FAILED with a
 * message and -ERR_UNSUPPORTED); bits of optional are taken if offered.
 * vp->features holds the result. */
int virtio_pci_negotiate(struct virtio_pci *vp, uint64_t required,
			 uint64_t optional);

/* Set up queue index with at most max_size entries (the device's maximum
 * if smaller), in new DMA memory. */
int virtio_pci_queue_setup(struct virtio_pci *vp, uint16_t index,
			   uint16_t max_size, struct virtq *vq);

void virtio_pci_driver_ok(struct virtio_pci *vp);
/* Mark the device FAILED (the driver gives up on it). */
void virtio_pci_fail(struct virtio_pci *vp);
uint8_t virtio_pci_status(const struct virtio_pci *vp);

/* Tell the device a queue has new buffers, if it wants to know. */
void virtio_pci_kick(struct virtio_pci *vp, struct virtq *vq);

/* Read and clear the ISR status (VIRTIO_ISR_QUEUE, VIRTIO_ISR_CONFIG). */
uint8_t virtio_pci_isr(struct virtio_pci *vp);

/* Copy len bytes of the device-specific configuration at offset, retrying
 * until the configuration generation is stable. -ERR_INVALID past its end. */
int virtio_pci_config_read(struct virtio_pci *vp, uint32_t offset, void *buf,
			   uint32_t len);

/* Deliver the device's interrupt to port (a name holding its receive or a
 * send right); -ERR_NOT_FOUND if the device has no interrupt line. */
int virtio_pci_irq_bind(struct virtio_pci *vp, uk_name_t port);
int virtio_pci_irq_ack(struct virtio_pci *vp);

#endif
