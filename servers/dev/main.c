/* SPDX-License-Identifier: MIT */
/*
 * dev: the device (bus) server (include/uk/proto/dev.h). It alone holds
 * the hardware roots (rights[1..3] from init). At start it walks PCI
 * configuration space through ports 0xcf8/0xcfc, sizes every BAR, and
 * derives one capability per BAR and one for the interrupt line; the fixed
 * legacy devices of a PC (COM1) join the table. A driver claims a device
 * and gets exactly those capabilities; nothing else of the machine.
 *
 * Configuration writes by a driver are limited to the command register and
 * offsets 0x40 and up: a driver may not move a BAR over RAM.
 */
#include <string.h>
#include <ulib.h>
#include <uk/proto/dev.h>

#define MAX_DEVICES 64
#define PCI_ADDR 0xcf8
#define PCI_DATA 0xcfc

struct device {
	struct uk_dev_info info;
	uk_name_t caps[UK_DEV_RES_MAX + 1]; /* derived at start, copied out */
	unsigned n_caps;
	uk_name_t owner; /* dead-name watched send right of the claimant */
};

static struct device devices[MAX_DEVICES];
static unsigned n_devices;
static uk_name_t root_io, root_mem, root_irq, service;
static uint64_t bad_requests;

union msgbuf {
	struct uk_msg_header h;
	uint8_t bytes[UK_MSG_SIZE_MAX];
	uint64_t align_;
};
static union msgbuf in, out;

static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}
static inline uint32_t inl(uint16_t port)
{
	uint32_t v;
	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static uint32_t cfg_read32(uint32_t bdf, unsigned off)
{
	outl(PCI_ADDR, 0x80000000u | bdf << 8 | (off & 0xfc));
	return inl(PCI_DATA);
}

static void cfg_write32(uint32_t bdf, unsigned off, uint32_t v)
{
	outl(PCI_ADDR, 0x80000000u | bdf << 8 | (off & 0xfc));
	outl(PCI_DATA, v);
}

static uint32_t cfg_read(uint32_t bdf, unsigned off, unsigned width)
{
	uint32_t v = cfg_read32(bdf, off) >> ((off & 3) * 8);

	return width == 4 ? v : v & ((1u << (width * 8)) - 1);
}

static void cfg_write(uint32_t bdf, unsigned off, unsigned width, uint32_t v)
{
	if (width == 4) {
		cfg_write32(bdf, off, v);
		return;
	}
	uint32_t shift = (off & 3) * 8, mask = ((1u << (width * 8)) - 1) << shift;
	uint32_t old = cfg_read32(bdf, off);
	cfg_write32(bdf, off, (old & ~mask) | ((v << shift) & mask));
}

static const char *pci_name(uint16_t vendor, uint16_t device, uint8_t cls,
			    uint8_t sub)
{
	if (vendor == 0x1af4) {
		switch (device) {
		case 0x1000: case 0x1041: return "virtio-net";
		case 0x1001: case 0x1042: return "virtio-blk";
		case 0x1003: case 0x1043: return "virtio-console";
		case 0x1005: case 0x1044: return "virtio-rng";
		default: return "virtio";
		}
	}
	switch (cls) {
	case 0x01: return "storage";
	case 0x02: return "network";
	case 0x03: return "display";
	case 0x06: return sub == 0 ? "host-bridge" : sub == 1 ? "isa-bridge" : "bridge";
	case 0x0c: return "serial-bus";
	default: return "device";
	}
}

static uk_name_t derive(uk_name_t root, uint64_t base, uint64_t size)
{
	long c = uk_cap_derive(root, base, size);

	if (c < 0) {
		printf("dev: cannot derive a capability for %lx+%lx: %s\n",
		       (unsigned long)base, (unsigned long)size, err_str(c));
		return 0;
	}
	return (uk_name_t)c;
}

/* Size BAR i of bdf (decoding is off); returns how many BAR slots it uses. */
static unsigned size_bar(uint32_t bdf, unsigned i, struct uk_dev_res *r)
{
	unsigned off = 0x10 + i * 4;
	uint32_t orig = cfg_read32(bdf, off);

	cfg_write32(bdf, off, 0xffffffffu);
	uint32_t mask = cfg_read32(bdf, off);
	cfg_write32(bdf, off, orig);
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
		uint32_t hi = cfg_read32(bdf, off + 4);
		cfg_write32(bdf, off + 4, 0xffffffffu);
		uint32_t mhi = cfg_read32(bdf, off + 4);
		cfg_write32(bdf, off + 4, hi);
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

static void add_pci(uint32_t bdf)
{
	if (n_devices == MAX_DEVICES)
		return;
	struct device *d = &devices[n_devices];
	struct uk_dev_info *di = &d->info;
	uint32_t id = cfg_read32(bdf, 0), cls = cfg_read32(bdf, 8);
	uint32_t sub = cfg_read32(bdf, 0x2c), hdr = cfg_read(bdf, 0x0e, 1) & 0x7f;

	memset(d, 0, sizeof(*d));
	di->index = n_devices;
	di->bus = UK_DEV_BUS_PCI;
	di->address = bdf;
	di->vendor = (uint16_t)id;
	di->device = (uint16_t)(id >> 16);
	di->revision = (uint8_t)cls;
	di->prog_if = (uint8_t)(cls >> 8);
	di->subclass = (uint8_t)(cls >> 16);
	di->class_code = (uint8_t)(cls >> 24);
	di->subsystem_vendor = (uint16_t)sub;
	di->subsystem = (uint16_t)(sub >> 16);
	uint8_t pin = (uint8_t)cfg_read(bdf, 0x3d, 1), line = (uint8_t)cfg_read(bdf, 0x3c, 1);
	di->irq = pin && line > 0 && line < 16 && line != 2 ? line : UK_DEV_NO_IRQ;
	strlcpy(di->name, pci_name(di->vendor, di->device, di->class_code, di->subclass),
		sizeof(di->name));
	if (hdr == 0) {
		/* BARs are sized with decoding off, then restored. */
		uint32_t cmd = cfg_read(bdf, 4, 2);
		cfg_write(bdf, 4, 2, cmd & ~3u);
		for (unsigned i = 0; i < 6;)
			i += size_bar(bdf, i, &di->res[i]);
		cfg_write(bdf, 4, 2, cmd);
	}
	for (unsigned i = 0; i < UK_DEV_RES_MAX; i++) {
		struct uk_dev_res *r = &di->res[i];
		if (r->kind == UK_DEV_RES_IO) {
			d->caps[d->n_caps++] = derive(root_io, r->base, r->size);
		} else if (r->kind == UK_DEV_RES_MEMORY) {
			/* Memory capabilities cover whole pages. */
			uint64_t b = r->base & ~0xfffull;
			uint64_t e = (r->base + r->size + 0xfff) & ~0xfffull;
			d->caps[d->n_caps++] = derive(root_mem, b, e - b);
		}
	}
	if (di->irq != UK_DEV_NO_IRQ)
		d->caps[d->n_caps++] = derive(root_irq, di->irq, 1);
	n_devices++;
}

static void scan_pci(void)
{
	for (uint32_t bus = 0; bus < 256; bus++)
		for (uint32_t dev = 0; dev < 32; dev++) {
			uint32_t bdf = bus << 8 | dev << 3;
			if ((cfg_read32(bdf, 0) & 0xffff) == 0xffff)
				continue;
			unsigned fns = (cfg_read(bdf, 0x0e, 1) & 0x80) ? 8 : 1;
			for (uint32_t fn = 0; fn < fns; fn++)
				if ((cfg_read32(bdf | fn, 0) & 0xffff) != 0xffff)
					add_pci(bdf | fn);
		}
}

static void add_legacy(const char *name, uint16_t io, uint16_t n, uint8_t irq)
{
	if (n_devices == MAX_DEVICES)
		return;
	struct device *d = &devices[n_devices];
	memset(d, 0, sizeof(*d));
	d->info.index = n_devices;
	d->info.bus = UK_DEV_BUS_LEGACY;
	d->info.vendor = UK_DEV_ANY;
	d->info.device = UK_DEV_ANY;
	d->info.irq = irq;
	strlcpy(d->info.name, name, sizeof(d->info.name));
	d->info.res[0] = (struct uk_dev_res){ io, n, UK_DEV_RES_IO, 0 };
	d->caps[d->n_caps++] = derive(root_io, io, n);
	d->caps[d->n_caps++] = derive(root_irq, irq, 1);
	n_devices++;
}

static void *reply_start(uint32_t id, int32_t status)
{
	return uk_rpc_reply_start(&out.h, id, status, 0, 0);
}

static bool matches(const struct device *d, const struct uk_dev_claim_req *rq)
{
	if (rq->index != UK_DEV_ANY)
		return rq->index == d->info.index;
	return (rq->vendor == UK_DEV_ANY || rq->vendor == d->info.vendor) &&
	       (rq->device == UK_DEV_ANY || rq->device == d->info.device) &&
	       (rq->class_code == UK_DEV_ANY || rq->class_code == d->info.class_code) &&
	       (rq->subclass == UK_DEV_ANY || rq->subclass == d->info.subclass);
}

static int claim(const struct uk_msg_header *h, const struct uk_dev_claim_req *rq)
{
	struct device *d = NULL;
	bool busy = false;

	if (h->n_ports != 1 || !(uk_msg_ports(h)[0].disposition & UK_RIGHT_SEND))
		return -ERR_INVALID;
	/* Legacy devices have no ids: only an exact index claims them. */
	for (unsigned i = 0; i < n_devices && !d; i++) {
		if (!matches(&devices[i], rq) ||
		    (devices[i].info.bus == UK_DEV_BUS_LEGACY && rq->index == UK_DEV_ANY))
			continue;
		if (devices[i].owner)
			busy = true;
		else
			d = &devices[i];
	}
	if (!d)
		return busy ? -ERR_BUSY : -ERR_NOT_FOUND;
	uk_name_t owner = uk_msg_ports(h)[0].name;
	long rc = uk_port_request_notification(owner, UK_NOTIFY_DEAD_NAME, service);
	if (rc < 0)
		return rc == -ERR_DEAD ? -ERR_DEAD : (int)rc;
	d->owner = owner;
	d->info.owner_task = h->sender;
	if (d->info.bus == UK_DEV_BUS_PCI) {
		uint32_t cmd = cfg_read(d->info.address, 4, 2);
		cfg_write(d->info.address, 4, 2, cmd | 0x7);
	}
	struct uk_dev_claim_reply *r = uk_rpc_reply_start(&out.h, DEV_CLAIM, 0, d->n_caps, 0);
	for (unsigned i = 0; i < d->n_caps; i++)
		uk_msg_ports(&out.h)[i] = (struct uk_msg_port){ d->caps[i],
								UK_DISP_COPY_HARDWARE };
	r->info = d->info;
	for (unsigned off = 0; off < 256; off += 4) {
		uint32_t v = d->info.bus == UK_DEV_BUS_PCI ? cfg_read32(d->info.address, off) : 0;
		memcpy(&r->config[off], &v, 4);
	}
	out.h.size = (uint32_t)((uint8_t *)(r + 1) - out.bytes);
	printf("dev: %s (device %u) claimed by task %u\n", d->info.name,
	       d->info.index, h->sender);
	return 1;
}

static void release(struct device *d)
{
	printf("dev: %s (device %u) released\n", d->info.name, d->info.index);
	uk_port_deallocate(d->owner);
	d->owner = 0;
	d->info.owner_task = 0;
}

static int config_access(const struct uk_msg_header *h, const struct uk_dev_config_req *rq)
{
	if (rq->index >= n_devices)
		return -ERR_NOT_FOUND;
	struct device *d = &devices[rq->index];
	if (!d->owner || (uint32_t)d->info.owner_task != h->sender)
		return -ERR_PERMISSION;
	if (d->info.bus != UK_DEV_BUS_PCI)
		return -ERR_UNSUPPORTED;
	if ((rq->width != 1 && rq->width != 2 && rq->width != 4) ||
	    rq->offset >= 256 || rq->offset % rq->width)
		return -ERR_INVALID;
	if (h->id == DEV_CONFIG_READ) {
		struct uk_dev_config_reply *r = reply_start(h->id, 0);
		r->value = cfg_read(d->info.address, rq->offset, rq->width);
		r->reserved = 0;
		out.h.size += sizeof(*r);
		return 1;
	}
	if (!(rq->offset >= 0x40 || (rq->offset == 4 && rq->width == 2)))
		return -ERR_PERMISSION;
	cfg_write(d->info.address, rq->offset, rq->width, rq->value);
	return 0;
}

/* Returns true if out holds the reply. */
static bool handle(void)
{
	const struct uk_msg_header *h = &in.h;
	const void *body = uk_msg_body(h);
	uint32_t len = uk_msg_body_len(h);
	int status;

	if (h->flags & UK_MSG_KERNEL) {
		if (h->id == UK_MSG_ID_DEAD_NAME && h->size >= sizeof(struct uk_notification)) {
			uk_name_t n = ((const struct uk_notification *)h)->name;
			/* Each claim holds one reference; release drops it. */
			for (unsigned i = 0; i < n_devices; i++)
				if (devices[i].owner == n)
					release(&devices[i]);
		}
		return false;
	}
	if (!h->reply) {
		bad_requests++;
		return false;
	}
	switch (h->id) {
	case DEV_INFO: {
		struct uk_dev_info_req rq;
		if (len < sizeof(rq)) {
			status = -ERR_INVALID;
			break;
		}
		memcpy(&rq, body, sizeof(rq));
		if (rq.index >= n_devices) {
			status = -ERR_NOT_FOUND;
			break;
		}
		struct uk_dev_info *r = reply_start(h->id, 0);
		*r = devices[rq.index].info;
		out.h.size += sizeof(*r);
		return true;
	}
	case DEV_CLAIM: {
		struct uk_dev_claim_req rq;
		if (len < sizeof(rq)) {
			status = -ERR_INVALID;
			break;
		}
		memcpy(&rq, body, sizeof(rq));
		status = claim(h, &rq);
		if (status > 0)
			return true;
		break;
	}
	case DEV_RELEASE: {
		struct uk_dev_claim_req rq;
		if (len < sizeof(rq)) {
			status = -ERR_INVALID;
			break;
		}
		memcpy(&rq, body, sizeof(rq));
		if (rq.index >= n_devices) {
			status = -ERR_INVALID;
			break;
		}
		struct device *d = &devices[rq.index];
		if (!d->owner || (uint32_t)d->info.owner_task != h->sender) {
			status = -ERR_PERMISSION;
			break;
		}
		release(d);
		status = 0;
		break;
	}
	case DEV_CONFIG_READ:
	case DEV_CONFIG_WRITE: {
		struct uk_dev_config_req rq;
		if (len < sizeof(rq)) {
			status = -ERR_INVALID;
			break;
		}
		memcpy(&rq, body, sizeof(rq));
		status = config_access(h, &rq);
		if (status > 0)
			return true;
		break;
	}
	default:
		status = -ERR_UNSUPPORTED;
		break;
	}
	if (status == -ERR_INVALID || status == -ERR_UNSUPPORTED)
		bad_requests++;
	for (unsigned i = 0; status < 0 && i < h->n_ports; i++)
		if (uk_msg_ports(h)[i].name)
			uk_port_deallocate(uk_msg_ports(h)[i].name);
	reply_start(h->id, status);
	return true;
}

int main(int argc, char **argv)
{
	const struct uk_startup *su = uk_startup_info;

	if (su->n_rights <= UK_STARTUP_HW_IRQ) {
		printf("dev: started without the hardware roots (rights[1..3]); "
		       "give it +hw in etc/init.conf\n");
		return 1;
	}
	root_io = su->rights[UK_STARTUP_HW_IO];
	root_mem = su->rights[UK_STARTUP_HW_MEMORY];
	root_irq = su->rights[UK_STARTUP_HW_IRQ];
	long io = uk_cap_derive(root_io, PCI_ADDR, 8);
	if (io < 0 || uk_io_enable((uk_name_t)io) < 0) {
		printf("dev: cannot reach PCI configuration ports\n");
		return 1;
	}
	scan_pci();
	add_legacy("com1", 0x3f8, 8, 4);
	for (unsigned i = 0; i < n_devices; i++) {
		const struct uk_dev_info *d = &devices[i].info;
		if (d->bus == UK_DEV_BUS_PCI)
			printf("dev: %u: %02x:%02x.%x %04x:%04x %s irq %d\n", i,
			       d->address >> 8, (d->address >> 3) & 31, d->address & 7,
			       d->vendor, d->device, d->name,
			       d->irq == UK_DEV_NO_IRQ ? -1 : d->irq);
		else
			printf("dev: %u: legacy %s io %lx irq %u\n", i, d->name,
			       (unsigned long)d->res[0].base, d->irq);
	}
	long port = service_create("dev");
	if (port < 0) {
		printf("dev: cannot register \"dev\": %s\n", err_str(port));
		return 1;
	}
	service = (uk_name_t)port;
	bool have_reply = false;
	for (;;) {
		long r = server_next(service, &in.h, sizeof(in),
				     have_reply ? &out.h : NULL, UK_TIMEOUT_INFINITE);
		have_reply = r >= 0 && handle();
		if (r < 0 && r != -ERR_TOO_BIG)
			printf("dev: receive failed: %s\n", err_str(r));
	}
}
