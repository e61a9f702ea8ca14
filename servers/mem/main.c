/* SPDX-License-Identifier: MIT */
/*
 * mem: the memory server (include/uk/proto/mem.h), registered as "mem".
 * It is the pager of the memory objects it hands out: a fault on a page
 * that is not present reaches it as the kernel's pager request on the
 * object's port, and it supplies zeros or the page's copy from swap.
 * Before it supplies a page past a budget it takes others back
 * (pager_flush, chosen by mem_pool's clock); dirty pages come back as
 * returns on their objects' ports, in order ahead of any later request
 * for them, and go to the swap file.
 *
 * Arguments (mem.KEY=VALUE on the kernel command line): budget=MiB (all
 * resident pages; default half the node's free memory at start),
 * task_budget=MiB (each client task's; default: the budget), swap=MiB
 * (swap space; default 256), reserve=MiB (free memory to keep; default a
 * 16th of the node, and the kernel's memory-low notices below it),
 * store=MiB (RAM for the pages of mappers on other nodes; default half
 * the budget, at most a quarter of the node), swapfile=PATH (default
 * /mem.swap, created when first needed, so a node without fs runs mem
 * without swap and without budgets).
 *
 * Ports: the service port, one port per object and a notification port,
 * in one port set. An object goes when its last send right does
 * (no-senders). Kernel messages are told by UK_MSG_KERNEL and their id;
 * anything else on an object port is a bad request, dropped and counted.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <ulib.h>
#include <unistd.h>
#include <uk/proto/mem.h>

#include "mem_pool.h"

#define DEADLINE_NS (10ull * 1000000000ull) /* per fault: a swap-in */
#define BAD_LOG_MAX 10

union msgbuf {
	struct uk_msg_header h;
	uint8_t bytes[UK_MSG_SIZE_MAX];
	uint64_t align_;
};

static struct mem_pool pool;
static uk_name_t port_set, service, notify;
static union msgbuf in, out;
static char swap_path[64] = "/mem.swap";
static uint64_t reserve_pages; /* keep the node's free memory above it */
static int swap_fd = -1;
static bool swap_failed; /* opening it failed: no swap this run */
#define MEM_READAHEAD 16u /* pages read from swap at once, at most */
static uint8_t swap_buf[MEM_READAHEAD * MEM_PAGE]
    __attribute__((aligned(MEM_PAGE)));
static const uint8_t zero_page[MEM_PAGE] __attribute__((aligned(MEM_PAGE)));

static void bad(const struct uk_msg_header *h, const char *why)
{
	if (++pool.stats.bad_requests <= BAD_LOG_MAX)
		printf("mem: refused a message (id %x) from task %x: %s%s\n",
		       h->id, UK_ID_INDEX(h->sender), why,
		       pool.stats.bad_requests == BAD_LOG_MAX ? "; not logging more"
							     : "");
}

/* The swap file, opened at first need; false when there is none. */
static bool swap_ready(void)
{
	if (swap_fd >= 0)
		return true;
	if (swap_failed)
		return false;
	swap_fd = open(swap_path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (swap_fd < 0) {
		swap_failed = true;
		printf("mem: no swap file %s (errno %d): budgets are not "
		       "enforced; start fs before mem, or set mem.swapfile\n",
		       swap_path, errno);
		return false;
	}
	printf("mem: swapping to %s\n", swap_path);
	return true;
}

static void *reply_start(uint32_t id, int32_t status, unsigned n_ool)
{
	return uk_rpc_reply_start(&out.h, id, status, 0, n_ool);
}

/* Swap errors are counted always, logged a few times. */
static void swap_error(const char *what, long rc, uint64_t pages)
{
	static unsigned logged;

	if (++logged <= BAD_LOG_MAX)
		printf("mem: swap %s failed (%ld): %lu pages lost%s\n", what, rc,
		       (unsigned long)pages,
		       logged == BAD_LOG_MAX ? "; not logging more" : "");
}

static void lose(struct mem_object *o, uint64_t first, uint64_t n)
{
	for (uint64_t i = first; i < o->pages && i - first < n; i++) {
		o->lost_map[i / 64] |= 1ull << (i % 64);
		pool.stats.swap_errors++;
	}
}

/* Pages the node's free memory is below the reserve (0: not short).
 * Asked of the kernel at each fault: one kinfo call. */
static uint64_t reserve_short(void)
{
	struct uk_kinfo_memory km;

	if (!reserve_pages || uk_kinfo(UK_KINFO_MEMORY, &km, sizeof(km)) != sizeof(km))
		return 0;
	return km.frames_free < reserve_pages ? reserve_pages - km.frames_free : 0;
}

/* Take back n pages of o from first (see mem_pool's mem_victim). */
static void evict(struct mem_object *o, uint64_t first, uint64_t n)
{
	long rc = uk_pager_flush(o->port, o->window, first * MEM_PAGE,
				 n * MEM_PAGE);

	if (rc < 0) {
		/* The window went (unmapped, its task ended): nothing of o
		 * is resident any more. */
		mem_pages_gone(&pool, o, 0, o->pages);
		return;
	}
	pool.stats.evictions += (uint64_t)rc;
	mem_pages_gone(&pool, o, first, n);
}

/* Take pages back before a page of o is supplied (o NULL: the kernel
 * said the node is short): past a budget of o's, and as many as the
 * node's free memory is below the reserve. */
static void make_room(const struct mem_object *o)
{
	struct mem_object *v;
	uint64_t vfirst, vn, short_by = reserve_short();

	while (((o && mem_over_budget(&pool, o)) || short_by) && swap_ready() &&
	       mem_victim(&pool, o, &v, &vfirst, &vn)) {
		evict(v, vfirst, vn);
		if (short_by)
			pool.stats.pressure_evictions += vn;
		short_by = short_by > vn ? short_by - vn : 0;
	}
}

/* ---- the page store: RAM for the pages of mappers on other nodes ----
 * store_slots slots of a page in one demand-zero region (a slot's frame
 * is paid for when first used); each used slot knows its object and
 * page. Full: the clock hand's next used slot goes on to swap. */
static uint8_t *store_arena;
static struct store_owner {
	uint16_t obj; /* object index + 1; 0: free */
	uint32_t page;
} *store_owner;
static uint64_t store_slots, store_hand;

static int store_init(uint64_t slots)
{
	if (!slots)
		return 0;
	long a = uk_vm_allocate(slots * MEM_PAGE,
				UK_VM_READ | UK_VM_WRITE | UK_VM_LAZY);
	store_owner = calloc(slots, sizeof(*store_owner));
	if (a <= 0 || !store_owner)
		return -ERR_NO_MEMORY;
	store_arena = (uint8_t *)a;
	store_slots = slots;
	pool.stats.store_max = slots;
	return 0;
}

static uint8_t *slot_page(uint64_t slot)
{
	return store_arena + slot * MEM_PAGE;
}

static void store_free_slot(uint64_t slot)
{
	struct mem_object *o = &pool.objects[store_owner[slot].obj - 1];

	o->store_slot[store_owner[slot].page] = 0;
	store_owner[slot].obj = 0;
	pool.stats.store_pages--;
}

/* The oldest-by-the-clock stored page to swap; false if it cannot go. */
static bool store_spill(void)
{
	for (uint64_t k = 0; k < store_slots; k++) {
		uint64_t slot = (store_hand + k) % store_slots;
		if (!store_owner[slot].obj)
			continue;
		struct mem_object *o = &pool.objects[store_owner[slot].obj - 1];
		uint64_t i = store_owner[slot].page;
		store_hand = slot + 1;
		if (!swap_ready() ||
		    pwrite(swap_fd, slot_page(slot), MEM_PAGE,
			   (off_t)(o->swap_base + i * MEM_PAGE)) != MEM_PAGE)
			return false;
		o->swapped_map[i / 64] |= 1ull << (i % 64);
		pool.stats.swap_outs++;
		pool.stats.store_spills++;
		store_free_slot(slot);
		return true;
	}
	return false;
}

/* Page i of o (4 KiB at data) into the store: true, or false when it
 * cannot be had (the caller writes it to swap). */
static bool store_put(struct mem_object *o, uint64_t i, const uint8_t *data)
{
	if (!store_slots)
		return false;
	if (!o->store_slot && !(o->store_slot = calloc(o->pages, sizeof(uint32_t))))
		return false;
	uint64_t slot = o->store_slot[i];
	if (!slot) {
		if (pool.stats.store_pages == store_slots && !store_spill())
			return false;
		for (uint64_t k = 0; k < store_slots; k++) {
			uint64_t s = (store_hand + k) % store_slots;
			if (!store_owner[s].obj) {
				slot = s + 1;
				break;
			}
		}
		if (!slot)
			return false;
		store_owner[slot - 1] = (struct store_owner){
		    (uint16_t)(o - pool.objects + 1), (uint32_t)i};
		o->store_slot[i] = (uint32_t)slot;
		pool.stats.store_pages++;
	}
	memcpy(slot_page(slot - 1), data, MEM_PAGE);
	o->lost_map[i / 64] &= ~(1ull << (i % 64));
	return true;
}

static const uint8_t *store_get(const struct mem_object *o, uint64_t i)
{
	return o->store_slot && o->store_slot[i] ? slot_page(o->store_slot[i] - 1)
						 : NULL;
}

/* An object goes: its stored pages with it. */
static void store_release(struct mem_object *o)
{
	if (!o->store_slot)
		return;
	for (uint64_t i = 0; i < o->pages; i++)
		if (o->store_slot[i])
			store_free_slot(o->store_slot[i] - 1);
	free(o->store_slot);
	o->store_slot = NULL;
}

/* Page i of o from swap into swap_buf, with the pages after it up to end
 * (a window's end) that are in swap too, not lost and (local) not
 * resident and within the budgets: at most MEM_READAHEAD. 0 and *n the
 * pages read, or ERR_IO: page i is lost. */
static int swap_in(struct mem_object *o, uint64_t i, uint64_t end, bool local,
		   uint64_t *n)
{
	uint64_t k = 1;

	if (end > o->pages)
		end = o->pages;
	while (k < MEM_READAHEAD && i + k < end &&
	       mem_bit(o->swapped_map, i + k) && !mem_bit(o->lost_map, i + k) &&
	       (!local ||
		(!mem_bit(o->resident_map, i + k) &&
		 pool.resident + k < pool.stats.budget_pages &&
		 pool.clients[o->client].resident + k < pool.stats.task_budget_pages)))
		k++;
	long got = pread(swap_fd, swap_buf, k * MEM_PAGE,
			 (off_t)(o->swap_base + i * MEM_PAGE));
	if (got < MEM_PAGE) {
		lose(o, i, 1);
		swap_error("read", got, 1);
		return -ERR_IO;
	}
	*n = (uint64_t)got / MEM_PAGE;
	pool.stats.swap_ins += *n;
	return 0;
}

/* The kernel's request for a page of o (a fault here): room first, then
 * zeros or the page from swap, supplied. */
static void pager_request(struct mem_object *o, const struct uk_msg_header *h)
{
	const struct uk_pager_request *r = (const void *)h;

	if (h->size != sizeof(*r) || r->offset % MEM_PAGE ||
	    r->window_offset % MEM_PAGE) {
		bad(h, "malformed pager request");
		return;
	}
	uint64_t i = r->offset / MEM_PAGE;
	if (i >= o->pages) {
		/* A window larger than the object: past its end. */
		uk_pager_error(o->port, r->object, r->offset, ERR_INVALID);
		return;
	}
	o->window = r->object;
	o->win_off = r->window_offset / MEM_PAGE;
	o->win_pages = r->window_size / MEM_PAGE;
	if (mem_bit(o->lost_map, i)) {
		uk_pager_error(o->port, r->object, r->offset, ERR_IO);
		return;
	}
	/* Room first: take back pages past a budget, and enough to keep
	 * the node's free memory above the reserve (other tasks' memory, not
	 * only ours, may have taken it: the budgets alone do not know). */
	make_room(o);
	pool.stats.faults++;
	if (store_get(o, i)) {
		if (uk_pager_supply(o->port, r->object, r->offset,
				    (uint64_t)store_get(o, i), MEM_PAGE) == 1)
			mem_page_resident(&pool, o, i);
		pool.stats.store_hits++;
		return;
	}
	if (!mem_bit(o->swapped_map, i)) {
		pool.stats.zero_fills++;
		if (uk_pager_supply(o->port, r->object, r->offset,
				    (uint64_t)zero_page, MEM_PAGE) == 1)
			mem_page_resident(&pool, o, i);
		return;
	}
	/* Swap-in, read ahead as far as the window and the budgets let. */
	uint64_t n;
	if (swap_in(o, i, o->win_off + o->win_pages, true, &n) < 0) {
		uk_pager_error(o->port, r->object, r->offset, ERR_IO);
		return;
	}
	long rc = uk_pager_supply(o->port, r->object, r->offset,
				  (uint64_t)swap_buf, n * MEM_PAGE);
	if (rc < 0)
		return;
	/* Installed: every page of the run that was not present. */
	for (uint64_t k = 0; k < n; k++)
		mem_page_resident(&pool, o, i + k);
}

/* A request forwarded by the proxy (the mapper is on another node): the
 * answer is a reply (uk/ipc.h, struct uk_pager_answer) with the page and
 * the pages after it that are in swap (read-ahead inside the window).
 * Such pages are resident on the mapper's node, not here: no budget. */
static bool forwarded_request(struct mem_object *o, const struct uk_msg_header *h)
{
	const struct uk_pager_request *r = (const void *)h;
	uint64_t i = r->offset / MEM_PAGE, n = 1;
	int32_t status = 0;
	const uint8_t *src = zero_page;

	if (h->size != sizeof(*r) || h->n_ports || h->n_ool ||
	    r->offset % MEM_PAGE || r->window_offset % MEM_PAGE) {
		bad(h, "malformed forwarded pager request");
		reply_start(h->id, -ERR_INVALID, 0);
		return true;
	}
	pool.stats.faults++;
	if (i >= o->pages) {
		status = -ERR_INVALID;
	} else if (mem_bit(o->lost_map, i)) {
		status = -ERR_IO;
	} else if (store_get(o, i)) {
		/* From the store, with the stored pages after it. */
		uint64_t end = r->window_offset / MEM_PAGE + r->window_size / MEM_PAGE;
		n = 0;
		while (n < MEM_READAHEAD && i + n < end && i + n < o->pages &&
		       store_get(o, i + n)) {
			memcpy(swap_buf + n * MEM_PAGE, store_get(o, i + n), MEM_PAGE);
			n++;
		}
		src = swap_buf;
		pool.stats.store_hits += n;
	} else if (mem_bit(o->swapped_map, i)) {
		if (swap_in(o, i, r->window_offset / MEM_PAGE +
				      r->window_size / MEM_PAGE,
			    false, &n) < 0)
			status = -ERR_IO;
		else
			src = swap_buf;
	} else {
		pool.stats.zero_fills++;
	}
	struct uk_pager_answer *a = (struct uk_pager_answer *)&out.h;
	reply_start(h->id, status, 1);
	a->object = r->object;
	a->offset = r->offset;
	if (status == 0) {
		a->length = (uint32_t)(n * MEM_PAGE);
		a->data = (struct uk_msg_ool){ (uint64_t)src, n * MEM_PAGE,
					       UK_OOL_COPY, 0 };
	}
	out.h.size = sizeof(*a);
	return true;
}

static void pager_return(struct mem_object *o, const struct uk_msg_header *h)
{
	const struct uk_pager_return *r = (const void *)h;

	if (h->size != sizeof(*r) || h->n_ool != 1 || r->offset % MEM_PAGE ||
	    r->length % MEM_PAGE) {
		bad(h, "malformed pager return");
		return;
	}
	uint64_t first = r->offset / MEM_PAGE, n = r->length / MEM_PAGE;
	if (first >= o->pages)
		return;
	if (n > o->pages - first)
		n = o->pages - first;
	/* Only the kernel's own returns say what left a window here; a
	 * forwarded one (or any a holder of the object's right sends) is a
	 * write of the object's pages, nothing more. */
	bool evicted = (r->flags & UK_PAGER_RETURN_EVICTED) &&
		       (h->flags & UK_MSG_KERNEL);
	bool gone = r->flags & UK_PAGER_RETURN_EVICTED; /* the only copy */
	if (r->data.size < n * MEM_PAGE || !r->data.address) {
		/* Our quota could not take the pages: they are gone. */
		if (gone)
			lose(o, first, n);
	} else if (!(h->flags & UK_MSG_KERNEL) && store_slots) {
		/* A mapper on another node: its pages stay in our RAM (what
		 * the store cannot take goes to swap, or is lost). */
		for (uint64_t k = 0; k < n; k++) {
			const uint8_t *d = (const uint8_t *)r->data.address + k * MEM_PAGE;
			if (store_put(o, first + k, d))
				continue;
			if (!swap_ready() ||
			    pwrite(swap_fd, d, MEM_PAGE,
				   (off_t)(o->swap_base + (first + k) * MEM_PAGE)) !=
				MEM_PAGE) {
				swap_error("write", -1, 1);
				if (gone)
					lose(o, first + k, 1);
				continue;
			}
			o->swapped_map[(first + k) / 64] |= 1ull << ((first + k) % 64);
			pool.stats.swap_outs++;
		}
	} else if (!swap_ready()) {
		if (gone)
			lose(o, first, n);
	} else {
		long put = pwrite(swap_fd, (const void *)r->data.address,
				  n * MEM_PAGE,
				  (off_t)(o->swap_base + first * MEM_PAGE));
		if (put != (long)(n * MEM_PAGE)) {
			swap_error("write", put, n);
			if (gone)
				lose(o, first, n);
		} else {
			for (uint64_t i = first; i < first + n; i++) {
				o->swapped_map[i / 64] |= 1ull << (i % 64);
				o->lost_map[i / 64] &= ~(1ull << (i % 64));
				if (o->store_slot && o->store_slot[i])
					store_free_slot(o->store_slot[i] - 1);
			}
			pool.stats.swap_outs += n;
		}
	}
	if (evicted)
		mem_pages_gone(&pool, o, first, n);
}


static void do_allocate(const struct uk_msg_header *h)
{
	struct uk_mem_alloc_req rq;
	struct mem_object *o;
	long port = 0, right = 0;

	if (uk_msg_body_len(h) < sizeof(rq) || h->n_ports || h->n_ool) {
		bad(h, "malformed MEM_ALLOCATE");
		reply_start(h->id, -ERR_INVALID, 0);
		return;
	}
	memcpy(&rq, uk_msg_body(h), sizeof(rq));
	int rc = mem_object_new(&pool, uk_msg_sender(h), rq.size, &o);
	if (rc == 0) {
		/* Our own send right first, so the no-senders request does not
		 * fire at once; the reply moves it to the client. */
		long r = port = port_in_set(port_set);
		/* The client's right carries the object's slot as its badge,
		 * so every message on it (the kernel's requests and returns
		 * too) finds its object at once. */
		if (r > 0)
			r = right = uk_port_mint((uk_name_t)port,
						 (uint64_t)(o - pool.objects) + 1);
		if (r > 0)
			r = uk_port_request_notification(
			    (uk_name_t)port, UK_NOTIFY_NO_SENDERS, notify);
		if (r < 0) {
			if (port > 0)
				uk_port_destroy((uk_name_t)port);
			if (right > 0)
				uk_port_deallocate((uk_name_t)right);
			store_release(o);
			mem_object_free(&pool, o);
			rc = (int)r;
		} else {
			o->port = (uint64_t)port;
		}
	}
	if (rc < 0) {
		reply_start(h->id, rc, 0);
		return;
	}
	struct uk_mem_alloc_reply *rep = uk_rpc_reply_start(&out.h, h->id, 0, 1, 0);
	uk_msg_ports(&out.h)[0] =
	    (struct uk_msg_port){(uk_name_t)right, UK_DISP_MOVE_SEND};
	rep->size = o->pages * MEM_PAGE;
	rep->deadline_ns = DEADLINE_NS;
	out.h.size += sizeof(*rep);
}

static void do_stats(const struct uk_msg_header *h)
{
	struct uk_kinfo_memory km;

	if (uk_kinfo(UK_KINFO_MEMORY, &km, sizeof(km)) == sizeof(km)) {
		pool.stats.frames_free = km.frames_free;
		pool.stats.frames_total = km.frames_total;
	}
	struct uk_kinfo_load load;
	if (uk_kinfo(UK_KINFO_LOAD, &load, sizeof(load)) == sizeof(load))
		pool.stats.node_busy = load.busy;
	struct uk_mem_stats *s = reply_start(h->id, 0, 0);
	*s = pool.stats;
	out.h.size += sizeof(*s);
}

static void notification(const struct uk_msg_header *h)
{
	const struct uk_notification *n = (const void *)h;
	struct uk_port_info info;

	if (h->id == UK_MSG_ID_MEMORY_LOW && h->size >= sizeof(*n)) {
		/* The kernel: the node's free memory is below our reserve,
		 * and nobody may be faulting. Take back what it is short
		 * by, oldest first, whoever's. */
		pool.stats.pressure_notices++;
		make_room(NULL);
		return;
	}
	if (h->id != UK_MSG_ID_NO_SENDERS || h->size < sizeof(*n))
		return;
	struct mem_object *o = mem_object_by_port(&pool, n->name);
	if (!o || uk_port_info(o->port, &info) < 0 || info.senders)
		return;
	uk_port_destroy(o->port);
	store_release(o);
	mem_object_free(&pool, o);
}

/* The object a message on an object port is about: by the badge of the
 * client's right (its slot), checked against the port it came to. */
static struct mem_object *object_of(const struct uk_msg_header *h)
{
	uint64_t i = h->badge - 1;

	if (h->badge && i < MEM_OBJECTS_MAX && pool.objects[i].used &&
	    pool.objects[i].port == h->dest)
		return &pool.objects[i];
	return NULL;
}

/* One message; true when a reply waits in out. */
static bool handle(const struct uk_msg_header *h)
{
	bool kernel = h->flags & UK_MSG_KERNEL, reply = false;

	if (kernel && h->dest == notify) {
		notification(h);
	} else if (h->dest == service) {
		if (kernel || !h->reply) {
			bad(h, "no reply right");
		} else {
			if (h->id == MEM_ALLOCATE)
				do_allocate(h);
			else if (h->id == MEM_STATS && !h->n_ports && !h->n_ool)
				do_stats(h);
			else {
				bad(h, "unknown operation");
				reply_start(h->id, -ERR_UNSUPPORTED, 0);
			}
			out.h.dest = h->reply;
			reply = true;
		}
	} else {
		struct mem_object *o = object_of(h);
		if (o && kernel && h->id == UK_MSG_ID_PAGER_REQUEST) {
			pager_request(o, h);
		} else if (o && !kernel && h->id == UK_MSG_ID_PAGER_REQUEST &&
			   h->reply) {
			reply = forwarded_request(o, h);
			out.h.dest = h->reply;
		} else if (o && h->id == UK_MSG_ID_PAGER_RETURN) {
			pager_return(o, h);
		} else {
			bad(h, o ? "not a pager message" : "no such object");
		}
		if (h->reply && !reply)
			uk_port_deallocate(h->reply);
	}
	uk_msg_release(h);
	return reply;
}

/* The store's size: store=MiB (+ 1, as given), else half the budget and
 * at most a quarter of the node. */
static uint64_t store_default(uint64_t store, uint64_t budget)
{
	struct uk_kinfo_memory km;
	uint64_t bytes = store ? store - 1 : budget / 2;

	if (!store && uk_kinfo(UK_KINFO_MEMORY, &km, sizeof(km)) == sizeof(km) &&
	    bytes > km.frames_total / 4 * MEM_PAGE)
		bytes = km.frames_total / 4 * MEM_PAGE;
	return bytes;
}

static uint64_t mib_arg(const char *v)
{
	return strtoul(v, NULL, 10) << 20;
}

int main(int argc, char **argv)
{
	struct uk_kinfo_memory km;
	uint64_t budget = 0, task_budget = 0, swap = 256ull << 20, reserve = 0;
	uint64_t store = 0; /* + 1 when given, as reserve */

	for (int i = 1; i < argc; i++) {
		if (!strncmp(argv[i], "budget=", 7))
			budget = mib_arg(argv[i] + 7);
		else if (!strncmp(argv[i], "task_budget=", 12))
			task_budget = mib_arg(argv[i] + 12);
		else if (!strncmp(argv[i], "swap=", 5))
			swap = mib_arg(argv[i] + 5);
		else if (!strncmp(argv[i], "store=", 6))
			store = mib_arg(argv[i] + 6) + 1;
		else if (!strncmp(argv[i], "reserve=", 8))
			reserve = mib_arg(argv[i] + 8) + 1;
		else if (!strncmp(argv[i], "swapfile=", 9) &&
			 strlen(argv[i] + 9) < sizeof(swap_path))
			strcpy(swap_path, argv[i] + 9);
		else
			printf("mem: unknown argument %s (ignored)\n", argv[i]);
	}
	if (!budget && uk_kinfo(UK_KINFO_MEMORY, &km, sizeof(km)) == sizeof(km))
		budget = km.frames_free / 2 * MEM_PAGE;
	if (!task_budget)
		task_budget = budget;
	/* reserve=MiB (stored + 1 to tell 0 from unset); by default a 16th
	 * of the node's memory, at least 1 MiB. */
	if (reserve)
		reserve_pages = (reserve - 1) / MEM_PAGE;
	else if (uk_kinfo(UK_KINFO_MEMORY, &km, sizeof(km)) == sizeof(km))
		reserve_pages = km.frames_total / 16 > 256 ? km.frames_total / 16 : 256;
	mem_pool_init(&pool, budget / MEM_PAGE, task_budget / MEM_PAGE, swap);
	long rc = uk_port_allocate(UK_RIGHT_PORT_SET);
	if (rc > 0) {
		port_set = (uk_name_t)rc;
		rc = port_in_set(port_set);
	}
	if (rc > 0) {
		service = (uk_name_t)rc;
		rc = port_in_set(port_set);
	}
	if (rc > 0) {
		notify = (uk_name_t)rc;
		rc = uk_port_insert_right(service, UK_DISP_MAKE_SEND);
	}
	if (rc >= 0)
		rc = uk_port_set_limit(service, 64);
	if (rc >= 0)
		rc = ns_register("mem", service);
	if (rc < 0) {
		printf("mem: cannot start: %s\n", err_str(rc));
		return 1;
	}
	printf("mem: budget %lu MiB, %lu MiB per task, reserve %lu KiB, store "
	       "%lu KiB, swap up to %lu MiB in %s\n",
	       (unsigned long)(budget >> 20), (unsigned long)(task_budget >> 20),
	       (unsigned long)(reserve_pages * MEM_PAGE >> 10),
	       (unsigned long)(store_default(store, budget) >> 10),
	       (unsigned long)(swap >> 20), swap_path);
	pool.stats.reserve_pages = reserve_pages;
	/* The kernel tells us when the node runs short between faults. */
	if (reserve_pages && (rc = uk_vm_pressure_notify(notify, reserve_pages)) < 0)
		printf("mem: no memory-pressure notices (%s): the reserve is "
		       "kept only at faults\n", err_str(rc));
	uint64_t store_bytes = store_default(store, budget);
	if (store_init(store_bytes / MEM_PAGE) < 0)
		printf("mem: no page store (%lu KiB): pages of other nodes' "
		       "mappers go to swap\n",
		       (unsigned long)(store_bytes >> 10));
	bool have_reply = false;
	for (;;) {
		long r = server_next(port_set, &in.h, sizeof(in),
				     have_reply ? &out.h : NULL,
				     UK_TIMEOUT_INFINITE);
		have_reply = false;
		if (r >= 0)
			have_reply = handle(&in.h);
		else if (r != -ERR_TOO_BIG)
			printf("mem: receive failed: %s\n", err_str(r));
	}
}
