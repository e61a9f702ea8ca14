/* SPDX-License-Identifier: MIT */
/*
 * Host fakes of vm.c's side of windows onto memory objects (pager.c), for
 * the tests that link pager.c (see fake_kernel.h): the windows a test
 * maps, each at an address of its own, and the pages supplied to them.
 * A window goes as vm.c's region does: its pages first, then its object.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>
#include <uk/errors.h>

#include "arch.h"
#include "pager.h"
#include "quota.h"
#include "task.h"
#include "vm.h"

#include "fake_kernel.h"

#define FAKE_WINDOW_PAGES 64
static struct {
	struct vm_object *o;
	uint64_t off, pa;
} window_pages[FAKE_WINDOW_PAGES];

static struct vm_object *windows[FAKE_WINDOWS];

void fake_pager_reset(void)
{
	memset(window_pages, 0, sizeof(window_pages));
	memset(windows, 0, sizeof(windows));
}

bool vm_object_page(struct vm_object *o, uint64_t off, uint64_t *pa)
{
	for (unsigned i = 0; i < FAKE_WINDOW_PAGES; i++)
		if (window_pages[i].o == o && window_pages[i].off == off) {
			*pa = window_pages[i].pa;
			return true;
		}
	return false;
}

int vm_object_install(struct vm_object *o, uint64_t off, uint64_t pa)
{
	uint64_t was;

	if (off % PAGE_SIZE || off < o->offset || off - o->offset >= o->size)
		fail_msg("vm_object_install(%#llx): outside the window",
			 (unsigned long long)off);
	if (vm_object_page(o, off, &was))
		fail_msg("vm_object_install(%#llx): the page is there",
			 (unsigned long long)off);
	for (unsigned i = 0; i < FAKE_WINDOW_PAGES; i++)
		if (!window_pages[i].o) {
			window_pages[i].o = o;
			window_pages[i].off = off;
			window_pages[i].pa = pa;
			o->task->frames++;
			return 0;
		}
	return -ERR_NO_MEMORY;
}

unsigned fake_window_pages(const struct vm_object *o)
{
	unsigned n = 0;

	for (unsigned i = 0; i < FAKE_WINDOW_PAGES; i++)
		n += window_pages[i].o == o;
	return n;
}

void fake_window_unmap(struct vm_object *o)
{
	for (unsigned i = 0; i < FAKE_WINDOW_PAGES; i++)
		if (window_pages[i].o == o) {
			account_frames_free(o->task->account,
					    window_pages[i].pa, 1);
			o->task->frames--;
			window_pages[i].o = NULL;
		}
}

/* As vm.c's, for pages that are all clean: they leave the window and
 * nothing is returned. */
int64_t vm_object_flush(struct vm_object *o, uint64_t off, uint64_t size)
{
	int64_t gone = 0;

	for (unsigned i = 0; i < FAKE_WINDOW_PAGES; i++)
		if (window_pages[i].o == o && window_pages[i].off >= off &&
		    window_pages[i].off - off < size) {
			account_frames_free(o->task->account,
					    window_pages[i].pa, 1);
			o->task->frames--;
			window_pages[i].o = NULL;
			gone++;
		}
	return gone;
}

struct vm_object *fake_window_at(const struct task *t, uint64_t va)
{
	for (unsigned i = 0; i < FAKE_WINDOWS; i++)
		if (windows[i] && windows[i]->task == t && windows[i]->va == va)
			return windows[i];
	return NULL;
}

void fake_window_destroy(struct vm_object *o)
{
	for (unsigned i = 0; i < FAKE_WINDOWS; i++)
		if (windows[i] == o) {
			windows[i] = NULL;
			fake_window_unmap(o);
			pager_object_destroy(o);
			return;
		}
	fail_msg("fake_window_destroy: not a window");
}

void fake_windows_release(struct task *t)
{
	for (unsigned i = 0; i < FAKE_WINDOWS; i++)
		if (windows[i] && windows[i]->task == t)
			fake_window_destroy(windows[i]);
}

/* As vm.c's: a size beyond the address space is refused before it is
 * rounded up to whole pages. */
int vm_map_object(struct task *t, struct port *p, uint64_t badge,
		  uint64_t offset, uint64_t size, unsigned flags,
		  uint64_t deadline_ns, uint64_t *out)
{
	unsigned i = 0;

	if (size > FAKE_WINDOW_SPAN)
		return -ERR_NO_MEMORY;
	size = (size + PAGE_SIZE - 1) & PAGE_MASK;
	while (i < FAKE_WINDOWS && windows[i])
		i++;
	if (i == FAKE_WINDOWS)
		return -ERR_NO_MEMORY;
	uint64_t va = FAKE_WINDOW_AREA + i * FAKE_WINDOW_SPAN;
	int rc = pager_object_new(t, p, badge, va, offset, size, flags,
				  deadline_ns, &windows[i]);
	if (rc < 0) {
		windows[i] = NULL;
		return rc;
	}
	*out = va;
	return 0;
}
