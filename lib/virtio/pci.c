/* SPDX-License-Identifier: MIT */
/*
 * The virtio modern PCI transport (virtio 1.x, 4.1): register access
 * through the BARs the device server granted, the initialisation sequence
 * of 3.1.1 and queue setup. Registers are device memory mapped uncached by
 * phys_map; every access goes through a volatile pointer of the register's
 * width, as the specification requires for the common configuration.
 */
#include <string.h>
#include <ulib.h>
#include <virtio/pci.h>

#define RESET_DEADLINE_NS (1000ull * 1000 * 1000)

static uint8_t rd8(volatile uint8_t *base, uint32_t off)
{
	return *(volatile uint8_t *)(base + off);
}
static uint16_t rd16(volatile uint8_t *base, uint32_t off)
{
	return *(volatile uint16_t *)(void *)(base + off);
}
static uint32_t rd32(volatile uint8_t *base, uint32_t off)
{
	return *(volatile uint32_t *)(void *)(base + off);
}
static void wr8(volatile uint8_t *base, uint32_t off, uint8_t v)
{
	*(volatile uint8_t *)(base + off) = v;
}
static void wr16(volatile uint8_t *base, uint32_t off, uint16_t v)
{
	*(volatile uint16_t *)(void *)(base + off) = v;
}
static void wr32(volatile uint8_t *base, uint32_t off, uint32_t v)
{
	*(volatile uint32_t *)(void *)(base + off) = v;
}
/* 64-bit fields are written as two 32-bit halves, low first (4.1.3.1). */
static void wr64(volatile uint8_t *base, uint32_t off, uint64_t v)
{
	wr32(base, off, (uint32_t)v);
	wr32(base, off + 4, (uint32_t)(v >> 32));
}

static const char *cfg_name(const struct virtio_pci_region *r,
			    const struct virtio_pci_layout *l)
{
	return r == &l->common	 ? "common"
	       : r == &l->notify ? "notify"
	       : r == &l->isr	 ? "isr"
				 : "device";
}

/* Map the page range of one BAR that covers every region in it; regions
 * then point into that mapping. */
static int map_bar(struct virtio_pci *vp, unsigned bar)
{
	const struct virtio_pci_region *const regions[] = {
	    &vp->layout.common, &vp->layout.notify, &vp->layout.isr,
	    &vp->layout.device};
	volatile uint8_t **ptrs[] = {&vp->common, &vp->notify, &vp->isr,
				     &vp->device};
	uint64_t lo = UINT64_MAX, hi = 0;

	for (unsigned i = 0; i < 4; i++) {
		const struct virtio_pci_region *r = regions[i];
		if (!r->present || r->bar != bar)
			continue;
		if (r->offset < lo)
			lo = r->offset;
		if ((uint64_t)r->offset + r->length > hi)
			hi = (uint64_t)r->offset + r->length;
	}
	if (hi == 0)
		return 0;
	/* The device server's memory capabilities cover whole pages, from
	 * the page the BAR starts in. */
	uint64_t in_page = vp->info.res[bar].base & (UK_PAGE_SIZE - 1);
	lo += in_page;
	hi += in_page;
	lo &= ~(uint64_t)(UK_PAGE_SIZE - 1);
	hi = (hi + UK_PAGE_SIZE - 1) & ~(uint64_t)(UK_PAGE_SIZE - 1);
	if (!vp->bar_cap[bar]) {
		printf("%s: BAR %u holds virtio registers but came without a "
		       "capability\n",
		       vp->name, bar);
		return -ERR_NOT_FOUND;
	}
	long addr = uk_phys_map(vp->bar_cap[bar], lo, hi - lo,
				UK_VM_READ | UK_VM_WRITE);
	if (addr < 0) {
		printf("%s: cannot map BAR %u [0x%lx, 0x%lx): %s\n", vp->name,
		       bar, (unsigned long)lo, (unsigned long)hi,
		       err_str(addr));
		return (int)addr;
	}
	for (unsigned i = 0; i < 4; i++) {
		const struct virtio_pci_region *r = regions[i];
		if (r->present && r->bar == bar)
			*ptrs[i] = (volatile uint8_t *)addr +
				   (in_page + r->offset - lo);
	}
	return 0;
}

int virtio_pci_attach(struct virtio_pci *vp, const char *name,
		      const struct uk_dev_claim_reply *claim,
		      const uk_name_t *caps, unsigned n_caps)
{
	unsigned next = 0;
	int rc;

	memset(vp, 0, sizeof(*vp));
	vp->name = name;
	vp->info = claim->info;
	/* Capabilities come in res[] order, one per nonzero resource, then
	 * the interrupt line. */
	for (unsigned bar = 0; bar < VIRTIO_PCI_BARS; bar++) {
		if (vp->info.res[bar].kind == UK_DEV_RES_NONE)
			continue;
		if (next >= n_caps) {
			printf("%s: the claim returned %u capabilities, fewer "
			       "than its resources\n",
			       name, n_caps);
			return -ERR_INVALID;
		}
		vp->bar_cap[bar] = caps[next++];
	}
	if (vp->info.irq != UK_DEV_NO_IRQ && next < n_caps)
		vp->irq = caps[next++];

	rc = virtio_pci_parse_caps(claim->config, &vp->layout);
	if (rc == -ERR_UNSUPPORTED) {
		printf("%s: device %04x:%04x has no virtio 1.x (modern) PCI "
		       "capabilities; legacy-only devices are not supported\n",
		       name, vp->info.vendor, vp->info.device);
		return rc;
	}
	if (rc < 0) {
		printf("%s: malformed virtio capability list: %s\n", name,
		       err_str(rc));
		return rc;
	}
	if (!vp->layout.device.present) {
		printf("%s: no device-specific configuration capability\n",
		       name);
		return -ERR_UNSUPPORTED;
	}
	rc = virtio_pci_check_layout(&vp->layout, vp->info.res);
	if (rc < 0) {
		const struct virtio_pci_region *rs[] = {
		    &vp->layout.common, &vp->layout.notify, &vp->layout.isr,
		    &vp->layout.device};
		for (unsigned i = 0; i < 4; i++) {
			const struct uk_dev_res *b = &vp->info.res[rs[i]->bar];
			if (rs[i]->present &&
			    (b->kind != UK_DEV_RES_MEMORY ||
			     (uint64_t)rs[i]->offset + rs[i]->length > b->size))
				printf(
				    "%s: %s configuration at BAR %u + 0x%x "
				    "(%u bytes) is not inside a memory BAR\n",
				    name, cfg_name(rs[i], &vp->layout),
				    rs[i]->bar, rs[i]->offset, rs[i]->length);
		}
		return rc;
	}
	for (unsigned bar = 0; bar < VIRTIO_PCI_BARS; bar++)
		if ((rc = map_bar(vp, bar)) < 0)
			return rc;
	return 0;
}

uint8_t virtio_pci_status(const struct virtio_pci *vp)
{
	return rd8(vp->common, VIRTIO_COMMON_STATUS);
}

static void set_status(struct virtio_pci *vp, uint8_t bits)
{
	wr8(vp->common, VIRTIO_COMMON_STATUS,
	    (uint8_t)(virtio_pci_status(vp) | bits));
}

void virtio_pci_fail(struct virtio_pci *vp)
{
	set_status(vp, VIRTIO_STATUS_FAILED);
}

static const char *feature_name(unsigned bit)
{
	switch (bit) {
	case VIRTIO_F_VERSION_1:
		return "VIRTIO_F_VERSION_1";
	case VIRTIO_F_ACCESS_PLATFORM:
		return "VIRTIO_F_ACCESS_PLATFORM";
	default:
		return "a device feature";
	}
}

int virtio_pci_negotiate(struct virtio_pci *vp, uint64_t required,
			 uint64_t optional)
{
	/* Reset, and wait for the device to say it is done (4.1.4.3.2). */
	wr8(vp->common, VIRTIO_COMMON_STATUS, 0);
	uint64_t deadline = (uint64_t)uk_clock() + RESET_DEADLINE_NS;
	while (virtio_pci_status(vp) != 0) {
		if ((uint64_t)uk_clock() > deadline) {
			printf("%s: device does not finish its reset\n",
			       vp->name);
			return -ERR_IO;
		}
		uk_yield();
	}
	set_status(vp, VIRTIO_STATUS_ACKNOWLEDGE);
	set_status(vp, VIRTIO_STATUS_DRIVER);

	wr32(vp->common, VIRTIO_COMMON_DFSELECT, 0);
	uint64_t offered = rd32(vp->common, VIRTIO_COMMON_DF);
	wr32(vp->common, VIRTIO_COMMON_DFSELECT, 1);
	offered |= (uint64_t)rd32(vp->common, VIRTIO_COMMON_DF) << 32;
	vp->device_features = offered;

	/* No IOMMU: physical addresses are what the device sees, so a device
	 * that insists on platform access handling gets it trivially. */
	required |= VIRTIO_BIT(VIRTIO_F_VERSION_1);
	optional |= VIRTIO_BIT(VIRTIO_F_ACCESS_PLATFORM);
	uint64_t missing = required & ~offered;
	if (missing) {
		unsigned bit = (unsigned)__builtin_ctzll(missing);
		printf("%s: device %04x:%04x does not offer %s (bit %u); "
		       "refusing it\n",
		       vp->name, vp->info.vendor, vp->info.device,
		       feature_name(bit), bit);
		virtio_pci_fail(vp);
		return -ERR_UNSUPPORTED;
	}
	vp->features = offered & (required | optional);
	wr32(vp->common, VIRTIO_COMMON_GFSELECT, 0);
	wr32(vp->common, VIRTIO_COMMON_GF, (uint32_t)vp->features);
	wr32(vp->common, VIRTIO_COMMON_GFSELECT, 1);
	wr32(vp->common, VIRTIO_COMMON_GF, (uint32_t)(vp->features >> 32));
	set_status(vp, VIRTIO_STATUS_FEATURES_OK);
	if (!(virtio_pci_status(vp) & VIRTIO_STATUS_FEATURES_OK)) {
		printf("%s: device refused the features 0x%lx (FEATURES_OK not "
		       "kept)\n",
		       vp->name, (unsigned long)vp->features);
		virtio_pci_fail(vp);
		return -ERR_UNSUPPORTED;
	}
	return 0;
}

int virtio_pci_queue_setup(struct virtio_pci *vp, uint16_t index,
			   uint16_t max_size, struct virtq *vq)
{
	volatile uint8_t *c = vp->common;

	if (index >= rd16(c, VIRTIO_COMMON_NUMQ))
		return -ERR_NOT_FOUND;
	wr16(c, VIRTIO_COMMON_Q_SELECT, index);
	uint16_t dev_max = rd16(c, VIRTIO_COMMON_Q_SIZE);
	if (dev_max == 0)
		return -ERR_NOT_FOUND;
	if (rd16(c, VIRTIO_COMMON_Q_ENABLE))
		return -ERR_BUSY; /* not after a reset */
	uint16_t size = dev_max < max_size ? dev_max : max_size;
	while (size & (size - 1))
		size &=
		    (uint16_t)(size - 1); /* split rings need a power of two */

	uint32_t notify_off = (uint32_t)rd16(c, VIRTIO_COMMON_Q_NOFF) *
			      vp->layout.notify_multiplier;
	if ((uint64_t)notify_off + 2 > vp->layout.notify.length) {
		printf("%s: queue %u notifies outside the notify region\n",
		       vp->name, index);
		return -ERR_CORRUPT;
	}

	uint64_t phys = 0;
	size_t ring_bytes = virtq_ring_bytes(size);
	long ring = uk_vm_allocate_dma(ring_bytes, &phys);
	if (ring < 0)
		return (int)ring;
	void *meta = malloc(virtq_meta_bytes(size));
	if (!meta) {
		uk_vm_free((uint64_t)ring, ring_bytes);
		return -ERR_NO_MEMORY;
	}
	int rc = virtq_init(vq, size, (void *)ring, phys, meta);
	if (rc < 0) {
		free(meta);
		uk_vm_free((uint64_t)ring, ring_bytes);
		return rc;
	}
	vq->index = index;
	vq->notify = (volatile uint16_t *)(void *)(vp->notify + notify_off);

	wr16(c, VIRTIO_COMMON_Q_SIZE, size);
	wr16(c, VIRTIO_COMMON_Q_MSIX, VIRTIO_MSI_NO_VECTOR);
	wr64(c, VIRTIO_COMMON_Q_DESCLO, vq->desc_phys);
	wr64(c, VIRTIO_COMMON_Q_AVAILLO, vq->avail_phys);
	wr64(c, VIRTIO_COMMON_Q_USEDLO, vq->used_phys);
	wr16(c, VIRTIO_COMMON_Q_ENABLE, 1);
	return 0;
}

void virtio_pci_driver_ok(struct virtio_pci *vp)
{
	set_status(vp, VIRTIO_STATUS_DRIVER_OK);
}

void virtio_pci_kick(struct virtio_pci *vp, struct virtq *vq)
{
	(void)vp;
	if (virtq_kick_needed(vq))
		*vq->notify = vq->index;
}

uint8_t virtio_pci_isr(struct virtio_pci *vp)
{
	return rd8(vp->isr, 0);
}

int virtio_pci_config_read(struct virtio_pci *vp, uint32_t offset, void *buf,
			   uint32_t len)
{
	uint8_t *out = buf;

	if ((uint64_t)offset + len > vp->layout.device.length)
		return -ERR_INVALID;
	for (unsigned tries = 0; tries < 100; tries++) {
		uint8_t gen = rd8(vp->common, VIRTIO_COMMON_CFGGENERATION);
		for (uint32_t i = 0; i < len;) {
			uint32_t off = offset + i;
			if (!(off & 3) && len - i >= 4) {
				uint32_t v = rd32(vp->device, off);
				memcpy(out + i, &v, 4);
				i += 4;
			} else if (!(off & 1) && len - i >= 2) {
				uint16_t v = rd16(vp->device, off);
				memcpy(out + i, &v, 2);
				i += 2;
			} else {
				out[i] = rd8(vp->device, off);
				i++;
			}
		}
		if (rd8(vp->common, VIRTIO_COMMON_CFGGENERATION) == gen)
			return 0;
	}
	return -ERR_IO;
}

int virtio_pci_irq_bind(struct virtio_pci *vp, uk_name_t port)
{
	if (!vp->irq)
		return -ERR_NOT_FOUND;
	return (int)uk_irq_bind(vp->irq, port);
}

int virtio_pci_irq_ack(struct virtio_pci *vp)
{
	return (int)uk_irq_ack(vp->irq);
}

int virtio_pci_claim(struct virtio_pci *vp, const char *name,
		     uint16_t virtio_type, uint16_t legacy_id, uk_name_t owner)
{
	static struct uk_dev_claim_reply cl;
	const uint16_t ids[] = { VIRTIO_PCI_MODERN_ID(virtio_type), legacy_id };
	uk_name_t caps[UK_DEV_RES_MAX + 1];
	unsigned n_caps = 0;
	long rc = -ERR_NOT_FOUND;

	for (unsigned i = 0; i < 2 && rc == -ERR_NOT_FOUND; i++) {
		struct uk_dev_claim_req rq = { VIRTIO_PCI_VENDOR, ids[i], UK_DEV_ANY,
					       UK_DEV_ANY, UK_DEV_ANY, 0 };
		rc = dev_claim(&rq, owner, &cl, caps, UK_DEV_RES_MAX + 1, &n_caps);
	}
	if (rc == -ERR_NOT_FOUND)
		return (int)rc;
	if (rc < 0) {
		printf("%s: cannot claim the device: %s\n", name, err_str(rc));
		return (int)rc;
	}
	return virtio_pci_attach(vp, name, &cl, caps, n_caps);
}

int virtio_pci_start(struct virtio_pci *vp, const char *name, uk_name_t service,
		     uk_name_t *irq_port, uk_name_t *port_set)
{
	long rc;

	*irq_port = (uk_name_t)uk_port_allocate(UK_RIGHT_RECEIVE);
	*port_set = (uk_name_t)uk_port_allocate(UK_RIGHT_PORT_SET);
	if ((rc = virtio_pci_irq_bind(vp, *irq_port)) < 0) {
		printf("%s: cannot bind the interrupt (line %u): %s\n", name,
		       vp->info.irq, err_str(rc));
		virtio_pci_fail(vp);
		return (int)rc;
	}
	uk_port_set_add(*port_set, service);
	uk_port_set_add(*port_set, *irq_port);
	virtio_pci_driver_ok(vp);
	return 0;
}
