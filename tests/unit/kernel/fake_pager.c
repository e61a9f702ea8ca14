/* SPDX-License-Identifier: MIT */
/*
 * Host fakes of vm.c's side of windows onto memory objects (pager.c), for
 * the tests that link pager.c (see fake_kernel.h).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <uk/errors.h>

#include "pager.h"
#include "quota.h"
#include "task.h"
#include "vm.h"

#include "fake_kernel.h"

/* ---- windows onto memory objects: vm.c's side (pager.c) ---- */

#define FAKE_WINDOW_PAGES 64
static struct {
	struct vm_object *o;
	uint64_t off, pa;
} window_pages[FAKE_WINDOW_PAGES];

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

void fake_window_unmap(struct vm_object *o)
{
	for (unsigned i = 0; i < FAKE_WINDOW_PAGES; i++)
		if (window_pages[i].o == o) {
			account_frames_free(o->task->account, window_pages[i].pa, 1);
			o->task->frames--;
			window_pages[i].o = NULL;
		}
}

int vm_map_object(struct task *t, struct port *p, uint64_t badge,
		  uint64_t offset, uint64_t size, unsigned flags,
		  uint64_t deadline_ns, uint64_t *out)
{
	struct vm_object *o;
	uint64_t va = FAKE_OOL_AREA;
	int rc = pager_object_new(t, p, badge, va, offset, size, flags,
				  deadline_ns, &o);

	if (rc == 0)
		*out = va;
	return rc;
}
