/* SPDX-License-Identifier: MIT */
/*
 * The device (bus) server, registered as "dev". It alone holds hardware
 * capabilities covering the machine (children of init's roots, made for
 * this instance of dev). It enumerates PCI configuration space
 * (ports 0xcf8/0xcfc) and knows the fixed legacy devices of a PC (COM1),
 * and hands each device's resources to the one driver that claims it, as
 * capabilities narrowed to exactly that device: one per BAR (I/O ports or
 * device memory) and one for its interrupt line.
 *
 * A claim names an owner port (a send right to a port the driver holds the
 * receive right of, usually its own service port). When that port dies the
 * claim is released, so a restarted driver can claim the device again.
 * A PCI device nobody claims is quiesced: bus mastering, I/O and memory
 * decoding off, INTx disabled, a virtio device reset. That holds from
 * dev's start (whatever an earlier dev or driver left running) and again
 * whenever a claim ends, so DMA a dead driver started stops with it.
 *
 * Authority (docs/ARCHITECTURE.md, "Protection model"): anyone may read
 * DEV_INFO on the public port "dev". Claims, configuration access and
 * releases are accepted only on a claim port, which the device server
 * makes for init (DEV_ADMIN_DRIVER on its admin port, a private name only
 * init sees) with the list of devices one driver may claim; init binds it
 * as "dev.claim" for that driver alone. A bridge (PCI class 06) is never
 * claimable, and a legacy device only through a spec that names it. A
 * driver may write only the enable bits of the command register
 * (UK_DEV_COMMAND_WRITABLE) and the body of a vendor-specific capability
 * (virtio's PCI configuration access window); anything else is
 * ERR_PERMISSION. When the claim port has no senders left (the driver and
 * its children are gone), its claims are released.
 */
#ifndef UK_PROTO_DEV_H
#define UK_PROTO_DEV_H

#include <uk/proto/rpc.h>

enum uk_dev_op {
	/* Reply: struct uk_dev_info of device index, ERR_NOT_FOUND past the
	 * end; command is read from the device at the time of the request. */
	DEV_INFO = UK_PROTO_DEV + 1,
	/* Request: struct uk_dev_claim_req and port[0] = the owner right.
	 * Reply: struct uk_dev_claim_reply; ports: one capability per
	 * resource of uk_dev_info.res[] with a nonzero size, in order, then
	 * the IRQ capability if irq != UK_DEV_NO_IRQ. Claiming a PCI device
	 * enables I/O decoding if it has an I/O BAR, memory decoding if it
	 * has a memory BAR, and bus mastering, and clears INTx disable; when
	 * the claim ends the device is quiesced (UK_DEV_COMMAND_QUIESCED,
	 * virtio devices reset).
	 * ERR_NOT_FOUND: no unclaimed device matches; ERR_BUSY: it is
	 * claimed; ERR_PERMISSION: not on a claim port, or a match that this
	 * claim port does not allow (a bridge is never allowed). */
	DEV_CLAIM = UK_PROTO_DEV + 2,
	/* Configuration space of a device claimed through this claim port
	 * (ERR_PERMISSION otherwise): struct uk_dev_config_req; reply value in
	 * struct uk_dev_config_reply. Width 1, 2 or 4, naturally aligned,
	 * offset < 256. */
	DEV_CONFIG_READ = UK_PROTO_DEV + 3,
	DEV_CONFIG_WRITE = UK_PROTO_DEV + 4,
	/* Give up a claim (struct uk_dev_claim_req with index set). */
	DEV_RELEASE = UK_PROTO_DEV + 5,
	/* The admin port only (init): port[0] = MOVE_RECEIVE of a new claim
	 * port; body: 1 to UK_DEV_SPECS_MAX struct uk_dev_spec, the devices
	 * claims on that port may take. */
	DEV_ADMIN_DRIVER = UK_PROTO_DEV + 16,
};

/* Command register bits a driver may change: I/O, memory and bus-master
 * enable, and INTx disable. */
#define UK_DEV_COMMAND_WRITABLE 0x0407u
#define UK_DEV_COMMAND_IO 0x0001u
#define UK_DEV_COMMAND_MEMORY 0x0002u
#define UK_DEV_COMMAND_MASTER 0x0004u
#define UK_DEV_COMMAND_INTX_DISABLE 0x0400u
/* A device nobody has claimed: no decoding, no DMA, no interrupt. */
#define UK_DEV_COMMAND_QUIESCED UK_DEV_COMMAND_INTX_DISABLE

#define UK_DEV_ANY 0xffffu
#define UK_DEV_NO_IRQ 0xffu
#define UK_DEV_RES_MAX 6

enum uk_dev_bus { UK_DEV_BUS_PCI = 1, UK_DEV_BUS_LEGACY = 2 };
enum uk_dev_res_kind { UK_DEV_RES_NONE = 0, UK_DEV_RES_IO = 1, UK_DEV_RES_MEMORY = 2 };

struct uk_dev_res {
	uint64_t base;
	uint64_t size;
	uint32_t kind;	/* enum uk_dev_res_kind */
	uint32_t flags; /* UK_DEV_RES_64BIT, UK_DEV_RES_PREFETCH */
};
_Static_assert(sizeof(struct uk_dev_res) == 24, "uk_dev_res layout");
#define UK_DEV_RES_64BIT 0x1u
#define UK_DEV_RES_PREFETCH 0x2u

struct uk_dev_info {
	uint32_t index;
	uint32_t bus;	 /* enum uk_dev_bus */
	uint32_t address; /* PCI: bus << 8 | device << 3 | function */
	uint16_t vendor, device;
	uint16_t subsystem_vendor, subsystem;
	uint8_t class_code, subclass, prog_if, revision;
	uint8_t irq;	 /* legacy interrupt line or UK_DEV_NO_IRQ */
	uint8_t reserved0;
	uint16_t command; /* PCI: the command register when asked (0 for legacy) */
	uint8_t reserved[4];
	uint64_t owner_task; /* task id of the claimant, 0 if unclaimed */
	char name[16];	 /* "virtio-net", "com1", ... */
	struct uk_dev_res res[UK_DEV_RES_MAX];
};
_Static_assert(sizeof(struct uk_dev_info) == 200 &&
		       __builtin_offsetof(struct uk_dev_info, command) == 26 &&
		       __builtin_offsetof(struct uk_dev_info, owner_task) == 32,
	       "uk_dev_info layout");

struct uk_dev_info_req {
	uint32_t index;
	uint32_t reserved;
};

/* Matches the first unclaimed device whose fields equal every field not
 * UK_DEV_ANY; index != UK_DEV_ANY claims exactly that device. */
struct uk_dev_claim_req {
	uint16_t vendor, device;
	uint16_t class_code, subclass; /* UK_DEV_ANY or a value */
	uint32_t index;		       /* UK_DEV_ANY or a device index */
	uint32_t reserved;
};
_Static_assert(sizeof(struct uk_dev_claim_req) == 16, "uk_dev_claim_req layout");

/* A device a claim port allows: every id field not UK_DEV_ANY must match,
 * and a nonempty name must equal uk_dev_info.name. */
#define UK_DEV_SPECS_MAX 4
struct uk_dev_spec {
	uint16_t vendor, device;
	uint16_t class_code, subclass;
	char name[16];
};
_Static_assert(sizeof(struct uk_dev_spec) == 24, "uk_dev_spec layout");

struct uk_dev_claim_reply {
	struct uk_dev_info info;
	uint8_t config[256]; /* PCI configuration space at claim time */
};

struct uk_dev_config_req {
	uint32_t index;
	uint16_t offset;
	uint16_t width;
	uint32_t value; /* WRITE */
	uint32_t reserved;
};
struct uk_dev_config_reply {
	uint32_t value;
	uint32_t reserved;
};

#endif
