/* SPDX-License-Identifier: MIT */
/*
 * Parsing of the virtio PCI capabilities (virtio 1.x, 4.1.4) from a copy
 * of configuration space. Pure code: the configuration bytes come from the
 * device server and are checked like any other input.
 */
#include <string.h>
#include <uk/errors.h>
#include <virtio/pci.h>

#define PCI_STATUS 0x06
#define PCI_STATUS_CAP_LIST 0x10
#define PCI_CAP_PTR 0x34
#define PCI_CAP_FIRST 0x40 /* capabilities live after the standard header */
#define PCI_CAPS_MAX ((256 - PCI_CAP_FIRST) / 4)

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static int take(struct virtio_pci_region *r, const uint8_t *cap)
{
	uint8_t bar = cap[4];
	uint32_t offset = le32(cap + 8), length = le32(cap + 12);

	if (r->present)
		return 0; /* the first one of a type wins (4.1.4.1) */
	if (bar >= VIRTIO_PCI_BARS || length == 0 ||
	    (uint64_t)offset + length > UINT32_MAX)
		return -ERR_CORRUPT;
	*r = (struct virtio_pci_region){true, bar, offset, length};
	return 0;
}

int virtio_pci_parse_caps(const uint8_t config[256],
			  struct virtio_pci_layout *out)
{
	uint8_t seen[256 / 4 / 8] = {0};
	bool any = false;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (!(config[PCI_STATUS] & PCI_STATUS_CAP_LIST))
		return -ERR_UNSUPPORTED;
	unsigned ptr = config[PCI_CAP_PTR] & 0xfcu;
	for (unsigned n = 0; ptr && rc == 0; n++) {
		if (ptr < PCI_CAP_FIRST || ptr > 256 - 2 || n >= PCI_CAPS_MAX ||
		    (seen[ptr / 32] & (1u << (ptr / 4 % 8)))) {
			rc = -ERR_CORRUPT;
			break;
		}
		seen[ptr / 32] |= (uint8_t)(1u << (ptr / 4 % 8));
		const uint8_t *cap = config + ptr;
		unsigned next = cap[1] & 0xfcu;
		if (cap[0] == PCI_CAP_ID_VENDOR) {
			unsigned len = cap[2];
			if (len < sizeof(struct virtio_pci_cap) ||
			    ptr + len > 256) {
				rc = -ERR_CORRUPT;
				break;
			}
			switch (cap[3]) {
			case VIRTIO_PCI_CAP_COMMON:
				any = true;
				rc = take(&out->common, cap);
				break;
			case VIRTIO_PCI_CAP_NOTIFY:
				any = true;
				if (len < VIRTIO_PCI_NOTIFY_CAP_LEN) {
					rc = -ERR_CORRUPT;
					break;
				}
				if (!out->notify.present)
					out->notify_multiplier = le32(cap + 16);
				rc = take(&out->notify, cap);
				break;
			case VIRTIO_PCI_CAP_ISR:
				any = true;
				rc = take(&out->isr, cap);
				break;
			case VIRTIO_PCI_CAP_DEVICE:
				any = true;
				rc = take(&out->device, cap);
				break;
			default:
				break; /* PCI_CFG, shared memory, vendor's own
					*/
			}
		}
		ptr = next;
	}
	bool complete =
	    out->common.present && out->notify.present && out->isr.present;
	if (complete) {
		/* A broken tail of the list does not matter once everything
		 * needed was found ahead of it. */
		if (out->common.length < VIRTIO_COMMON_LEN)
			return -ERR_CORRUPT;
		return 0;
	}
	if (rc < 0)
		return rc;
	return any ? -ERR_CORRUPT : -ERR_UNSUPPORTED;
}

static int check_region(const struct virtio_pci_region *r,
			const struct uk_dev_res res[VIRTIO_PCI_BARS])
{
	if (!r->present)
		return 0;
	const struct uk_dev_res *b = &res[r->bar];
	if (b->kind == UK_DEV_RES_IO)
		return -ERR_UNSUPPORTED;
	if (b->kind != UK_DEV_RES_MEMORY || b->size == 0 ||
	    (uint64_t)r->offset + r->length > b->size)
		return -ERR_CORRUPT;
	return 0;
}

int virtio_pci_check_layout(const struct virtio_pci_layout *l,
			    const struct uk_dev_res res[VIRTIO_PCI_BARS])
{
	int rc;

	if ((rc = check_region(&l->common, res)) < 0 ||
	    (rc = check_region(&l->notify, res)) < 0 ||
	    (rc = check_region(&l->isr, res)) < 0 ||
	    (rc = check_region(&l->device, res)) < 0)
		return rc;
	return 0;
}
