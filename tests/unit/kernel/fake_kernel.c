/* SPDX-License-Identifier: MIT */
/* Host fakes of the kernel services the IPC core calls (see fake_kernel.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uk/errors.h>
#include <uk/types.h>

#include "arch.h"
#include "hwcap.h"
#include "kernel.h"
#include "quota.h"
#include "sched.h"
#include "slab.h"
#include "timer.h"
#include "usercopy.h"
#include "vm.h"

#include "fake_kernel.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#else
#define ASAN_POISON_MEMORY_REGION(addr, size) ((void)(addr), (void)(size))
#define ASAN_UNPOISON_MEMORY_REGION(addr, size) ((void)(addr), (void)(size))
#endif

/* ---- log and panic ---- */

int log_level = LOG_WARN;

void kprintf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

void klog(int level, const char *fmt, ...)
{
	va_list ap;

	if (level > log_level)
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void panic(const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fail_msg("kernel panic: %s", buf);
	abort();
}

/* ---- slab caches over malloc ---- */

#define SLAB_MAGIC 0x51ab0b1ec7ull
#define MAX_CACHES 16

struct slab_object {
	struct list_node link; /* every live object */
	struct slab_cache *cache;
	uint64_t magic;
};
_Static_assert(sizeof(struct slab_object) % 16 == 0, "object alignment");

static struct list_node live_objects = LIST_INIT(live_objects);
static struct slab_cache *caches[MAX_CACHES];
static unsigned n_caches;
static const char *fail_next_cache;

void slab_cache_init(struct slab_cache *c, const char *name, size_t size)
{
	memset(c, 0, sizeof(*c));
	c->name = name;
	c->object_size = (size + 15) & ~(size_t)15;
	list_init(&c->partial);
	list_init(&c->full);
	list_init(&c->all);
	for (unsigned i = 0; i < n_caches; i++) {
		if (strcmp(caches[i]->name, name) == 0) {
			caches[i] = c;
			return;
		}
	}
	assert_true(n_caches < MAX_CACHES);
	caches[n_caches++] = c;
}

void *slab_alloc(struct slab_cache *c)
{
	if (fail_next_cache && strcmp(fail_next_cache, c->name) == 0) {
		fail_next_cache = NULL;
		return NULL;
	}
	struct slab_object *o = malloc(sizeof(*o) + c->object_size);
	assert_non_null(o);
	o->cache = c;
	o->magic = SLAB_MAGIC;
	list_push_back(&live_objects, &o->link);
	c->in_use++;
	/* Garbage, as a reused slab object would hold. */
	memset(o + 1, 0xcd, c->object_size);
	return o + 1;
}

void slab_free(struct slab_cache *c, void *obj)
{
	if (!obj)
		fail_msg("slab_free(%s, NULL)", c->name);
	struct slab_object *o = (struct slab_object *)obj - 1;
	if (o->magic != SLAB_MAGIC)
		fail_msg("slab_free(%s): not a live slab object", c->name);
	if (o->cache != c)
		fail_msg("slab_free into cache %s of an object from %s",
			 c->name, o->cache->name);
	if (c->in_use == 0)
		fail_msg("slab_free(%s): cache has no object in use", c->name);
	c->in_use--;
	list_remove(&o->link);
	o->magic = 0;
	free(o);
}

uint64_t fake_slab_in_use(const char *name)
{
	for (unsigned i = 0; i < n_caches; i++)
		if (strcmp(caches[i]->name, name) == 0)
			return caches[i]->in_use;
	return 0;
}

uint64_t fake_slab_total_in_use(void)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < n_caches; i++)
		n += caches[i]->in_use;
	return n;
}

void fake_slab_fail_next(const char *name)
{
	fail_next_cache = name;
}

/* ---- physical frames ---- */

static uint8_t *pool;
static bool frame_used[FAKE_FRAMES];
static uint64_t frames_used;

static void pool_reset(void)
{
	if (!pool) {
		pool = aligned_alloc(PAGE_SIZE, FAKE_FRAMES * PAGE_SIZE);
		assert_non_null(pool);
	}
	memset(frame_used, 0, sizeof(frame_used));
	frames_used = 0;
	ASAN_POISON_MEMORY_REGION(pool, FAKE_FRAMES * PAGE_SIZE);
}

bool kframe_alloc_contiguous(uint64_t count, uint64_t *phys)
{
	if (count == 0 || count > FAKE_FRAMES)
		return false;
	for (uint64_t first = 0; first + count <= FAKE_FRAMES; first++) {
		uint64_t n = 0;
		while (n < count && !frame_used[first + n])
			n++;
		if (n < count) {
			first += n;
			continue;
		}
		for (n = 0; n < count; n++)
			frame_used[first + n] = true;
		frames_used += count;
		uint8_t *va = pool + first * PAGE_SIZE;
		ASAN_UNPOISON_MEMORY_REGION(va, count * PAGE_SIZE);
		memset(va, 0xdb, count * PAGE_SIZE);
		*phys = FAKE_PHYS_BASE + first * PAGE_SIZE;
		return true;
	}
	return false;
}

bool kframe_alloc(uint64_t *phys)
{
	return kframe_alloc_contiguous(1, phys);
}

void kframe_free(uint64_t phys)
{
	uint64_t i = (phys - FAKE_PHYS_BASE) / PAGE_SIZE;

	if (phys < FAKE_PHYS_BASE || phys % PAGE_SIZE || i >= FAKE_FRAMES)
		fail_msg("kframe_free(%#llx): not a frame",
			 (unsigned long long)phys);
	if (!frame_used[i])
		fail_msg("kframe_free(%#llx): frame is free",
			 (unsigned long long)phys);
	frame_used[i] = false;
	frames_used--;
	ASAN_POISON_MEMORY_REGION(pool + i * PAGE_SIZE, PAGE_SIZE);
}

uint64_t kframe_free_count(void)
{
	return FAKE_FRAMES - frames_used;
}

uint64_t kframe_total_count(void)
{
	return FAKE_FRAMES;
}

uint64_t fake_frames_in_use(void)
{
	return frames_used;
}

void *arch_phys_to_virt(uint64_t phys)
{
	if (phys < FAKE_PHYS_BASE ||
	    phys >= FAKE_PHYS_BASE + FAKE_FRAMES * PAGE_SIZE)
		fail_msg(
		    "arch_phys_to_virt(%#llx): outside the fake physical pool",
		    (unsigned long long)phys);
	return pool + (phys - FAKE_PHYS_BASE);
}

uint64_t arch_virt_to_phys(const void *virt)
{
	const uint8_t *v = virt;

	if (v < pool || v >= pool + FAKE_FRAMES * PAGE_SIZE)
		fail_msg(
		    "arch_virt_to_phys(%p): outside the fake physical pool",
		    virt);
	return FAKE_PHYS_BASE + (uint64_t)(v - pool);
}

/* ---- user memory ---- */

static struct fake_aspace *aspace_of_root(uint64_t root)
{
	return (struct fake_aspace *)(uintptr_t)root;
}

static void *user_to_host(const struct fake_aspace *as, uint64_t uaddr,
			  uint64_t len)
{
	if (!as || uaddr < as->base || len > as->size ||
	    uaddr - as->base > as->size - len)
		return NULL;
	return as->mem + (uaddr - as->base);
}

void *fake_user_ptr(struct task *t, uint64_t uaddr, uint64_t len)
{
	void *p = user_to_host(aspace_of_root(t->aspace_root), uaddr, len);

	assert_non_null(p);
	return p;
}

int user_range_ok(uaddr_t addr, uint64_t len)
{
	if (addr < USER_BASE || addr >= USER_TOP)
		return len == 0 && addr == 0 ? 0 : -ERR_FAULT;
	if (len > USER_TOP - addr)
		return -ERR_FAULT;
	return 0;
}

int copy_from_user(struct task *t, void *dst, uaddr_t src, size_t len)
{
	if (len == 0)
		return 0;
	if (user_range_ok(src, len) < 0)
		return -ERR_FAULT;
	void *p = user_to_host(aspace_of_root(t->aspace_root), src, len);
	if (!p)
		return -ERR_FAULT;
	memcpy(dst, p, len);
	return 0;
}

int copy_to_user(struct task *t, uaddr_t dst, const void *src, size_t len)
{
	if (len == 0)
		return 0;
	if (user_range_ok(dst, len) < 0)
		return -ERR_FAULT;
	void *p = user_to_host(aspace_of_root(t->aspace_root), dst, len);
	if (!p)
		return -ERR_FAULT;
	memcpy(p, src, len);
	return 0;
}

bool arch_translate(uint64_t root, uint64_t va, bool want_write, uint64_t *pa)
{
	const struct fake_aspace *as = aspace_of_root(root);

	if (!user_to_host(as, va, 1))
		return false;
	/* Not in the frame pool: arch_phys_to_virt on it fails the test. */
	*pa = 0xfa0000000000ull + (va - as->base);
	return true;
}

bool user_page(struct task *t, uaddr_t uaddr, bool write, uint64_t *pa)
{
	return arch_translate(t->aspace_root, uaddr, write, pa);
}

int arch_copy_user(void *dst, const void *src, uint64_t len)
{
	const struct fake_aspace *as =
	    aspace_of_root(current->task->aspace_root);
	void *p;

	if ((p = user_to_host(as, (uint64_t)(uintptr_t)src, len))) {
		memcpy(dst, p, len);
		return 0;
	}
	if ((p = user_to_host(as, (uint64_t)(uintptr_t)dst, len))) {
		memcpy(p, src, len);
		return 0;
	}
	return 1;
}

/* ---- out-of-line memory: vm.c's side ---- */

void fake_anonymous_region(struct task *t, uint64_t addr, uint64_t size)
{
	struct fake_aspace *as = aspace_of_root(t->aspace_root);

	assert_true(addr % PAGE_SIZE == 0 && size % PAGE_SIZE == 0 && size);
	assert_non_null(user_to_host(as, addr, size));
	as->anon_start = addr;
	as->anon_size = size;
}

bool vm_is_anonymous_region(struct task *t, uint64_t addr, uint64_t size)
{
	const struct fake_aspace *as = aspace_of_root(t->aspace_root);

	size = (size + PAGE_SIZE - 1) & PAGE_MASK;
	return as->anon_size && addr == as->anon_start && size == as->anon_size;
}

/* The region's pages become frames (counted from now on) and leave t,
 * charged to t's account as a task's own frames are. */
bool vm_take_region(struct task *t, uint64_t addr, uint64_t size,
		    uint64_t *frames)
{
	struct fake_aspace *as = aspace_of_root(t->aspace_root);

	if (!as->anon_size || addr != as->anon_start)
		fail_msg("vm_take_region(%#llx): not an anonymous region",
			 (unsigned long long)addr);
	t->vm_version++;
	for (uint64_t i = 0; i < as->anon_size / PAGE_SIZE; i++) {
		uint64_t pa;
		if (account_frame_alloc(t->account, &pa) < 0)
			fail_msg("fake frame pool or t's quota exhausted");
		memcpy(arch_phys_to_virt(pa),
		       as->mem + (addr - as->base) + i * PAGE_SIZE, PAGE_SIZE);
		frames[i] = pa;
	}
	memset(as->mem + (addr - as->base), 0xdd, as->anon_size);
	as->anon_size = 0;
	as->anon_start = 0;
	return false;
}

/* The frames' contents appear in t's memory and the frames are t's (here:
 * copied, then freed, so the frame count drops as ownership moves). t's
 * account must be able to take them; the fake's user memory is not
 * charged, so the charge is given back at once. */
/* The host model has no copy-on-write: COPY always copies. */
bool vm_cow_page(struct task *t, uint64_t va, uint64_t *out)
{
	(void)t;
	(void)va;
	(void)out;
	return false;
}

void cow_release(struct account *a, uint64_t pa)
{
	account_frames_free(a, pa, 1);
}

int vm_give_frames(struct task *t, const uint64_t *frames, uint64_t npages,
		   bool cow, uint64_t *out)
{
	(void)cow;
	struct fake_aspace *as = aspace_of_root(t->aspace_root);
	uint64_t at = as->ool_next ? as->ool_next : FAKE_OOL_AREA;

	if (!npages || as->give_fails ||
	    npages * PAGE_SIZE > as->base + as->size - at)
		return -ERR_NO_MEMORY;
	int rc = account_charge(t->account, npages * PAGE_SIZE);
	if (rc < 0)
		return rc;
	account_uncharge(t->account, npages * PAGE_SIZE);
	for (uint64_t i = 0; i < npages; i++) {
		memcpy(as->mem + (at - as->base) + i * PAGE_SIZE,
		       arch_phys_to_virt(frames[i]), PAGE_SIZE);
		kframe_free(frames[i]);
	}
	as->ool_next = at + npages * PAGE_SIZE;
	*out = at;
	return 0;
}

/* ---- hardware capabilities: counts only ---- */

void hwcap_ref(struct hw_cap *c)
{
	c->refs++;
}

void hwcap_unref(struct hw_cap *c)
{
	if (c->refs == 0)
		fail_msg("hwcap_unref of a capability without references");
	c->refs--;
}

/* ---- scheduler and timer ---- */

struct thread *current;
static uint64_t readied;

void sched_ready(struct thread *th)
{
	th->state = THREAD_READY;
	readied++;
}

uint64_t fake_sched_readied(void)
{
	return readied;
}

static void (*block_hook)(void *);
static void *block_hook_arg;
static uint64_t last_timeout, blocks;
static uint64_t now_ns = FAKE_NOW_START;

void fake_sched_block_runs(void (*while_blocked)(void *arg), void *arg)
{
	block_hook = while_blocked;
	block_hook_arg = arg;
}

uint64_t fake_sched_last_timeout(void)
{
	return last_timeout;
}

uint64_t fake_sched_blocks(void)
{
	return blocks;
}

int64_t sched_block(struct waitq *wq, uint64_t timeout_ns)
{
	void (*hook)(void *) = block_hook;
	struct thread *th = current;

	if (timeout_ns == 0)
		return -ERR_TIMED_OUT;
	last_timeout = timeout_ns;
	if (!hook)
		fail_msg("sched_block(timeout %llu): the test would block",
			 (unsigned long long)timeout_ns);
	block_hook = NULL;
	blocks++;
	th->state = THREAD_BLOCKED;
	th->waiting_on = wq;
	th->wait_result = FAKE_NOT_WOKEN;
	if (wq)
		list_push_back(&wq->threads, &th->run_link);
	hook(block_hook_arg);
	current = th;
	if (th->state == THREAD_BLOCKED) {
		if (timeout_ns == UK_TIMEOUT_INFINITE)
			fail_msg("sched_block: nothing ends an infinite wait");
		/* Nothing woke it: its timeout passed. */
		sched_unblock(th, -ERR_TIMED_OUT);
		now_ns += timeout_ns;
	}
	th->state = THREAD_RUNNING;
	return th->wait_result;
}

static bool switch_armed;
static int64_t switch_result;

void fake_sched_switch_returns(int64_t rc)
{
	switch_armed = true;
	switch_result = rc;
}

int64_t sched_block_switch(struct waitq *wq, uint64_t timeout_ns,
			   struct thread *next)
{
	if (switch_armed) {
		switch_armed = false;
		return switch_result;
	}
	fail_msg("sched_block_switch: the test would block");
	abort();
}

uint64_t timer_now_ns(void)
{
	return now_ns;
}

void fake_timer_advance(uint64_t ns)
{
	now_ns += ns;
}

/* ---- reset ---- */

void fake_kernel_reset(void)
{
	struct list_node *n;

	while ((n = list_pop_front(&live_objects))) {
		struct slab_object *o = list_entry(n, struct slab_object, link);
		o->magic = 0;
		free(o);
	}
	n_caches = 0;
	fail_next_cache = NULL;
	pool_reset();
	readied = 0;
	switch_armed = false;
	block_hook = NULL;
	last_timeout = blocks = 0;
	now_ns = FAKE_NOW_START;
	current = NULL;
}

/* ---- shared memory: not modelled here (ktest OOL00xx covers it) ---- */

bool vm_is_shareable_region(struct task *t, uint64_t addr, uint64_t size)
{
	(void)t;
	(void)addr;
	(void)size;
	return false;
}

int vm_share_region(struct task *t, uint64_t addr, uint64_t size,
		    struct vm_shared **out)
{
	(void)t;
	(void)addr;
	(void)size;
	(void)out;
	return -ERR_INVALID;
}

int vm_map_shared(struct task *t, struct vm_shared *s, uint64_t *out)
{
	(void)t;
	(void)s;
	(void)out;
	fail_msg("vm_map_shared: no shared object can exist in the fake kernel");
	return -ERR_INVALID;
}

void vm_shared_unref(struct vm_shared *s)
{
	(void)s;
	fail_msg("vm_shared_unref: no shared object can exist in the fake kernel");
}

