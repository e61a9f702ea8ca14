/* SPDX-License-Identifier: MIT */
/*
 * dev: the device (bus) server (include/uk/proto/dev.h). It alone holds
 * hardware capabilities covering everything (rights[1..3] from init: this
 * instance's children of init's roots, revoked by init when it ends). At
 * start it walks PCI configuration space through ports 0xcf8/0xcfc (pci.c),
 * sizes every BAR, and derives one capability per BAR and one for the
 * interrupt line; the fixed legacy devices of a PC (COM1) join the table.
 * Then it quiesces every device that is not a bridge (bus mastering,
 * decoding off, INTx disabled, virtio devices reset): nothing a previous
 * dev or a driver of it started may keep running. A driver claims a device
 * and gets a fresh child of each of those capabilities; nothing else of the
 * machine; the claim turns decoding and bus mastering on. When the claim
 * ends (DEV_RELEASE, the owner port dies, the claim port loses its last
 * sender) cap_revoke on the device's capabilities kills the children and
 * everything the driver made with them or gave away: its ports close, its
 * device memory is unmapped, its interrupts unbound; then the device is
 * quiesced again, so DMA the driver started stops too.
 *
 * Authority comes from the port a request arrives on (uk/proto/dev.h): the
 * public port "dev" answers DEV_INFO only; the admin port (private name
 * "dev.admin", seen only by init) makes claim ports; a claim port claims
 * the devices init's configuration gave its driver, never a bridge, and
 * reaches the configuration space of those claims only: the enable bits of
 * the command register and the body of vendor-specific capabilities. So a
 * driver can neither move a BAR over RAM nor point MSI at it. Notices (an
 * owner port died, a claim port lost its last sender) arrive on a private
 * port.
 */
#include <string.h>
#include <ulib.h>
#include <uk/proto/dev.h>

#include "pci.h"

#define MAX_DEVICES 64
#define MAX_DRIVERS 24
#define PCI_CLASS_BRIDGE 0x06

/* A claim port, made for one driver by init. */
struct driver {
	uk_name_t port; /* receive right */
	struct uk_dev_spec specs[UK_DEV_SPECS_MAX];
	unsigned n_specs;
	bool used;
};

struct device {
	struct uk_dev_info info;
	uk_name_t caps[UK_DEV_RES_MAX + 1]; /* derived at start, kept */
	uk_name_t claim_caps[UK_DEV_RES_MAX + 1]; /* the claim's, caps' children */
	unsigned n_caps;
	uk_name_t owner; /* dead-name watched send right of the claimant */
	struct driver *driver; /* the claim port it was claimed through */
};

static struct device devices[MAX_DEVICES];
static struct driver drivers[MAX_DRIVERS];
static unsigned n_devices;
static uk_name_t root_io, root_mem, root_irq, service, admin, notify, port_set;
static uint64_t bad_requests;

union msgbuf {
	struct uk_msg_header h;
	uint8_t bytes[UK_MSG_SIZE_MAX];
	uint64_t align_;
};
static union msgbuf in, out;

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

static void add_pci(uint32_t bdf)
{
	if (n_devices == MAX_DEVICES)
		return;
	struct device *d = &devices[n_devices];
	struct uk_dev_info *di = &d->info;
	uint32_t id = pci_cfg_read(bdf, 0, 4), cls = pci_cfg_read(bdf, 8, 4);
	uint32_t sub = pci_cfg_read(bdf, 0x2c, 4), hdr = pci_cfg_read(bdf, 0x0e, 1) & 0x7f;

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
	uint8_t pin = (uint8_t)pci_cfg_read(bdf, 0x3d, 1), line = (uint8_t)pci_cfg_read(bdf, 0x3c, 1);
	di->irq = pin && line > 0 && line < 16 && line != 2 ? line : UK_DEV_NO_IRQ;
	strlcpy(di->name, pci_name(di->vendor, di->device, di->class_code, di->subclass),
		sizeof(di->name));
	if (hdr == 0) {
		/* BARs are sized with decoding off, then restored (a device
		 * that is not a bridge is quiesced right after, in main). */
		uint32_t cmd = pci_cfg_read(bdf, 4, 2);
		pci_cfg_write(bdf, 4, 2, cmd & ~3u);
		for (unsigned i = 0; i < 6;)
			i += pci_size_bar(bdf, i, &di->res[i]);
		pci_cfg_write(bdf, 4, 2, cmd);
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
			if ((pci_cfg_read(bdf, 0, 4) & 0xffff) == 0xffff)
				continue;
			unsigned fns = (pci_cfg_read(bdf, 0x0e, 1) & 0x80) ? 8 : 1;
			for (uint32_t fn = 0; fn < fns; fn++)
				if ((pci_cfg_read(bdf | fn, 0, 4) & 0xffff) != 0xffff)
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

/* Revoke everything derived from d's capabilities: the claim's children,
 * the copies the driver holds and all it derived from them. */
static void revoke_claim(struct device *d)
{
	for (unsigned i = 0; i < d->n_caps; i++) {
		if (!d->caps[i])
			continue;
		long rc = uk_cap_revoke(d->caps[i]);
		if (rc < 0)
			printf("dev: cannot revoke %s's capability %u: %s\n",
			       d->info.name, i, err_str(rc));
		if (d->claim_caps[i])
			uk_port_deallocate(d->claim_caps[i]);
		d->claim_caps[i] = 0;
	}
}

/* A fresh child of each of d's capabilities for one claim. */
static int derive_claim(struct device *d)
{
	for (unsigned i = 0; i < d->n_caps; i++) {
		struct uk_hw_info hw;
		d->claim_caps[i] = 0;
		if (!d->caps[i])
			continue; /* its derivation failed at start */
		long rc = uk_cap_info(d->caps[i], &hw);
		if (rc >= 0)
			rc = uk_cap_derive(d->caps[i], hw.base, hw.size);
		if (rc < 0) {
			revoke_claim(d);
			return (int)rc;
		}
		d->claim_caps[i] = (uk_name_t)rc;
	}
	return 0;
}

/* d's description with the command register as the device has it now. */
static void info_now(const struct device *d, struct uk_dev_info *to)
{
	*to = d->info;
	to->command = d->info.bus == UK_DEV_BUS_PCI
			       ? (uint16_t)pci_cfg_read(d->info.address, 4, 2)
			       : 0;
}

/* Nobody's device does nothing: no DMA, no decoding, no interrupt, and a
 * virtio device forgets its queues (pci_quiesce). Bridges are left alone:
 * their decoding is the machine's address map. */
static void quiesce(const struct device *d)
{
	if (d->info.bus != UK_DEV_BUS_PCI || d->info.class_code == PCI_CLASS_BRIDGE)
		return;
	if (!pci_quiesce(&d->info, root_io))
		printf("dev: %s (device %u) did not confirm its reset\n", d->info.name,
		       d->info.index);
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

static bool spec_allows(const struct uk_dev_spec *sp, const struct device *d)
{
	return (sp->vendor == UK_DEV_ANY || sp->vendor == d->info.vendor) &&
	       (sp->device == UK_DEV_ANY || sp->device == d->info.device) &&
	       (sp->class_code == UK_DEV_ANY || sp->class_code == d->info.class_code) &&
	       (sp->subclass == UK_DEV_ANY || sp->subclass == d->info.subclass) &&
	       (!sp->name[0] || !strncmp(sp->name, d->info.name, sizeof(sp->name)));
}

/* May drv claim d? Never a bridge, whatever the configuration says: its
 * windows and bus numbers are the machine's address map. A legacy device
 * has no ids, so only a spec that names it allows it (class:00 does not
 * reach COM1). */
static bool allowed(const struct driver *drv, const struct device *d)
{
	if (d->info.bus == UK_DEV_BUS_PCI && d->info.class_code == PCI_CLASS_BRIDGE)
		return false;
	for (unsigned i = 0; i < drv->n_specs; i++)
		if (spec_allows(&drv->specs[i], d) &&
		    (d->info.bus != UK_DEV_BUS_LEGACY || drv->specs[i].name[0]))
			return true;
	return false;
}

static int claim(const struct uk_msg_header *h, struct driver *drv,
		 const struct uk_dev_claim_req *rq)
{
	struct device *d = NULL;
	bool busy = false, refused = false;

	if (h->n_ports != 1 || !(uk_msg_ports(h)[0].disposition & UK_RIGHT_SEND))
		return -ERR_INVALID;
	/* Legacy devices have no ids: only an exact index claims them. */
	for (unsigned i = 0; i < n_devices && !d; i++) {
		if (!matches(&devices[i], rq) ||
		    (devices[i].info.bus == UK_DEV_BUS_LEGACY && rq->index == UK_DEV_ANY))
			continue;
		if (!allowed(drv, &devices[i]))
			refused = true;
		else if (devices[i].owner)
			busy = true;
		else
			d = &devices[i];
	}
	if (!d)
		return busy ? -ERR_BUSY : refused ? -ERR_PERMISSION : -ERR_NOT_FOUND;
	uk_name_t owner = uk_msg_ports(h)[0].name;
	long rc = derive_claim(d);
	if (rc < 0)
		return (int)rc;
	rc = uk_port_request_notification(owner, UK_NOTIFY_DEAD_NAME, notify);
	if (rc < 0) {
		revoke_claim(d);
		return (int)rc;
	}
	d->owner = owner;
	d->driver = drv;
	d->info.owner_task = h->sender; /* for display only */
	if (d->info.bus == UK_DEV_BUS_PCI)
		pci_enable_for_claim(&d->info);
	struct uk_dev_claim_reply *r = uk_rpc_reply_start(&out.h, DEV_CLAIM, 0, d->n_caps, 0);
	for (unsigned i = 0; i < d->n_caps; i++)
		uk_msg_ports(&out.h)[i] = (struct uk_msg_port){ d->claim_caps[i],
								UK_DISP_COPY_HARDWARE };
	info_now(d, &r->info);
	for (unsigned off = 0; off < 256; off += 4) {
		uint32_t v = d->info.bus == UK_DEV_BUS_PCI ? pci_cfg_read(d->info.address, off, 4)
							   : 0;
		memcpy(&r->config[off], &v, 4);
	}
	out.h.size = (uint32_t)((uint8_t *)(r + 1) - out.bytes);
	printf("dev: %s (device %u) claimed by task %u\n", d->info.name,
	       d->info.index, UK_ID_INDEX(h->sender));
	return 1;
}

static void release(struct device *d)
{
	printf("dev: %s (device %u) released\n", d->info.name, d->info.index);
	revoke_claim(d);
	/* The driver can no longer reach the device; stop what it left
	 * running (DMA included) before anyone else may claim it. */
	quiesce(d);
	uk_port_deallocate(d->owner);
	d->owner = 0;
	d->driver = NULL;
	d->info.owner_task = 0;
}

static int config_access(const struct uk_msg_header *h, const struct driver *drv,
			 const struct uk_dev_config_req *rq)
{
	if (rq->index >= n_devices)
		return -ERR_NOT_FOUND;
	struct device *d = &devices[rq->index];
	if (!d->owner || d->driver != drv)
		return -ERR_PERMISSION;
	if (d->info.bus != UK_DEV_BUS_PCI)
		return -ERR_UNSUPPORTED;
	if ((rq->width != 1 && rq->width != 2 && rq->width != 4) ||
	    rq->offset >= 256 || rq->offset % rq->width)
		return -ERR_INVALID;
	if (h->id == DEV_CONFIG_READ) {
		struct uk_dev_config_reply *r = reply_start(h->id, 0);
		r->value = pci_cfg_read(d->info.address, rq->offset, rq->width);
		r->reserved = 0;
		out.h.size += sizeof(*r);
		return 1;
	}
	uint32_t a = d->info.address;
	if (rq->offset == 4 && rq->width == 2) {
		uint32_t cmd = pci_cfg_read(a, 4, 2);
		if ((rq->value ^ cmd) & ~UK_DEV_COMMAND_WRITABLE & 0xffffu)
			return -ERR_PERMISSION;
	} else if (!pci_in_vendor_capability(a, rq->offset, rq->width)) {
		return -ERR_PERMISSION;
	}
	pci_cfg_write(a, rq->offset, rq->width, rq->value);
	return 0;
}

static struct driver *driver_by_port(uk_name_t port)
{
	for (unsigned i = 0; i < MAX_DRIVERS; i++)
		if (drivers[i].used && drivers[i].port == port)
			return &drivers[i];
	return NULL;
}

/* Admin: a claim port for one driver, allowing the specs in body. */
static int add_driver(const struct uk_msg_header *h, const void *body, uint32_t len)
{
	struct driver *drv = NULL;
	unsigned n = len / sizeof(struct uk_dev_spec);

	if (h->n_ports != 1 || !(uk_msg_ports(h)[0].disposition & UK_RIGHT_RECEIVE) ||
	    n == 0 || n > UK_DEV_SPECS_MAX || len % sizeof(struct uk_dev_spec))
		return -ERR_INVALID;
	for (unsigned i = 0; i < MAX_DRIVERS && !drv; i++)
		if (!drivers[i].used)
			drv = &drivers[i];
	if (!drv)
		return -ERR_LIMIT;
	uk_name_t port = uk_msg_ports(h)[0].name;
	long rc = uk_port_set_add(port_set, port);
	if (rc >= 0)
		rc = uk_port_request_notification(port, UK_NOTIFY_NO_SENDERS, notify);
	if (rc < 0)
		return (int)rc;
	memset(drv, 0, sizeof(*drv));
	memcpy(drv->specs, body, n * sizeof(struct uk_dev_spec));
	for (unsigned i = 0; i < n; i++)
		drv->specs[i].name[sizeof(drv->specs[i].name) - 1] = '\0';
	drv->n_specs = n;
	drv->port = port;
	drv->used = true;
	return 0;
}

/* The claim port has no senders left: its driver is gone. */
static void driver_ended(uk_name_t port)
{
	struct driver *drv = driver_by_port(port);

	if (!drv)
		return;
	for (unsigned i = 0; i < n_devices; i++)
		if (devices[i].owner && devices[i].driver == drv)
			release(&devices[i]);
	uk_port_destroy(drv->port);
	drv->used = false;
}

static void notice(const struct uk_msg_header *h)
{
	const struct uk_notification *n = (const void *)h;

	if (!(h->flags & UK_MSG_KERNEL) || h->size < sizeof(*n))
		return;
	if (h->id == UK_MSG_ID_DEAD_NAME) {
		/* Each claim holds one reference; release drops it. */
		for (unsigned i = 0; i < n_devices; i++)
			if (devices[i].owner == n->name)
				release(&devices[i]);
	} else if (h->id == UK_MSG_ID_NO_SENDERS) {
		driver_ended(n->name);
	}
}

/* Returns true if out holds the reply. */
static bool handle(void)
{
	const struct uk_msg_header *h = &in.h;
	const void *body = uk_msg_body(h);
	uint32_t len = uk_msg_body_len(h);
	int status;

	if (h->dest == notify) {
		notice(h);
		return false;
	}
	struct driver *drv = driver_by_port(h->dest);
	if (!h->reply || (h->flags & UK_MSG_KERNEL)) {
		bad_requests++;
		for (unsigned i = 0; i < h->n_ports; i++)
			if (uk_msg_ports(h)[i].name)
				uk_port_deallocate(uk_msg_ports(h)[i].name);
		return false;
	}
	/* A reply right that is not send-once is answered once, moved back,
	 * and forgotten: we never wait on a client or keep its right. */
	struct uk_port_info info;
	if (uk_port_info(h->reply, &info) < 0 || !(info.rights & UK_RIGHT_SEND_ONCE)) {
		bad_requests++;
		for (unsigned i = 0; i < h->n_ports; i++)
			if (uk_msg_ports(h)[i].name)
				uk_port_deallocate(uk_msg_ports(h)[i].name);
		reply_start(h->id, -ERR_RIGHTS);
		out.h.dest = h->reply;
		out.h.dest_disposition = UK_DISP_MOVE_SEND;
		if (uk_ipc_send(&out.h, out.h.size, 0) < 0)
			uk_port_deallocate(h->reply);
		return false;
	}
	/* Claims and configuration access need a claim port; the admin port
	 * does nothing else than make them. */
	if ((h->dest == admin) != (h->id == DEV_ADMIN_DRIVER) ||
	    (!drv && (h->id == DEV_CLAIM || h->id == DEV_RELEASE ||
		      h->id == DEV_CONFIG_READ || h->id == DEV_CONFIG_WRITE))) {
		status = -ERR_PERMISSION;
		goto done;
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
		info_now(&devices[rq.index], r);
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
		status = claim(h, drv, &rq);
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
		if (!d->owner || d->driver != drv) {
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
		status = config_access(h, drv, &rq);
		if (status > 0)
			return true;
		break;
	}
	case DEV_ADMIN_DRIVER:
		status = add_driver(h, body, len);
		break;
	default:
		status = -ERR_UNSUPPORTED;
		break;
	}
done:
	if (status == -ERR_INVALID || status == -ERR_UNSUPPORTED)
		bad_requests++;
	for (unsigned i = 0; status < 0 && i < h->n_ports; i++)
		if (uk_msg_ports(h)[i].name)
			uk_port_deallocate(uk_msg_ports(h)[i].name);
	reply_start(h->id, status);
	return true;
}

static int setup_ports(void)
{
	long rc = uk_port_allocate(UK_RIGHT_PORT_SET);

	if (rc < 0)
		return (int)rc;
	port_set = (uk_name_t)rc;
	if ((rc = port_in_set(port_set)) < 0)
		return (int)rc;
	notify = (uk_name_t)rc;
	if ((rc = uk_port_insert_right(notify, UK_DISP_MAKE_SEND)) < 0)
		return (int)rc;
	uk_port_set_limit(notify, 256);
	/* The admin port first: init looks for it before starting drivers. */
	if ((rc = service_create("dev.admin")) < 0)
		return (int)rc;
	admin = (uk_name_t)rc;
	if ((rc = service_create("dev")) < 0)
		return (int)rc;
	service = (uk_name_t)rc;
	if ((rc = uk_port_set_add(port_set, admin)) < 0 ||
	    (rc = uk_port_set_add(port_set, service)) < 0)
		return (int)rc;
	return 0;
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
	/* A previous instance of dev, or a driver of it, may have left a
	 * device running: no claim is alive now, so none may run. */
	for (unsigned i = 0; i < n_devices; i++)
		quiesce(&devices[i]);
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
	int err = setup_ports();
	if (err < 0) {
		printf("dev: cannot register \"dev\" and \"dev.admin\": %s\n",
		       err_str(err));
		return 1;
	}
	bool have_reply = false;
	for (;;) {
		long r = server_next(port_set, &in.h, sizeof(in),
				     have_reply ? &out.h : NULL, UK_TIMEOUT_INFINITE);
		have_reply = r >= 0 && handle();
		if (r < 0 && r != -ERR_TOO_BIG)
			printf("dev: receive failed: %s\n", err_str(r));
	}
}
