/* SPDX-License-Identifier: MIT */
/*
 * PCI configuration space for the device server: access through ports
 * 0xcf8/0xcfc at exactly the width asked for, BAR sizing, the capability
 * list, and the two transitions of a device's command register: quiesced
 * (nobody's, no DMA, no decoding, virtio devices reset) and enabled for a
 * claim. The caller must have opened ports 0xcf8-0xcff (io_enable).
 */
#ifndef DEV_PCI_H
#define DEV_PCI_H

#include <stdbool.h>
#include <stdint.h>
#include <uk/proto/dev.h>

#define PCI_ADDR 0xcf8
#define PCI_DATA 0xcfc

/* Width 1, 2 or 4, off naturally aligned and below 256. Writes touch only
 * those bytes: a 16-bit write to the command register leaves the status
 * register's write-1-to-clear bits alone. */
uint32_t pci_cfg_read(uint32_t bdf, unsigned off, unsigned width);
void pci_cfg_write(uint32_t bdf, unsigned off, unsigned width, uint32_t v);

/* Size BAR i of bdf (decoding must be off); returns how many BAR slots it
 * uses (2 for a 64-bit memory BAR). */
unsigned pci_size_bar(uint32_t bdf, unsigned i, struct uk_dev_res *r);

/* The first capability with this id at or after the one at from (0: the
 * start of the list), or 0. The walk is bounded, so a looping list ends. */
unsigned pci_find_capability(uint32_t bdf, unsigned id, unsigned from);

/* Is [off, off + width) inside the body of a vendor-specific capability
 * (past its id, next and length bytes)? */
bool pci_in_vendor_capability(uint32_t bdf, unsigned off, unsigned width);

/* Stop what a device may do on its own: bus mastering off first (no new
 * DMA), a virtio device reset (device_status 0, through the configuration
 * access window of a modern device or the legacy I/O register of a
 * transitional one; root_io is the I/O capability to derive the latter
 * from), then I/O and memory decoding off and INTx disabled. Returns false
 * if a virtio device did not confirm its reset. */
bool pci_quiesce(const struct uk_dev_info *di, uk_name_t root_io);

/* Turn on what a claimant needs: I/O decoding if the device has an I/O
 * BAR, memory decoding if it has a memory BAR, bus mastering; INTx on. */
void pci_enable_for_claim(const struct uk_dev_info *di);

/* A short name for the device ("virtio-net", "storage", "isa-bridge"). */
const char *pci_name(uint16_t vendor, uint16_t device, uint8_t cls,
		     uint8_t sub);

#endif
