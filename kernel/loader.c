/* SPDX-License-Identifier: MIT */
/*
 * ELF loader (see loader.h). Startup block layout, placed at the top of the
 * initial stack: struct uk_startup, then argv strings, then the command line
 * (init only). The first thread starts at the ELF entry with rdi = block
 * address and rsp 16-byte aligned just below the block, as at ELF process
 * entry (crt0 then `call`s into C).
 */
#include "loader.h"

#include <string.h>
#include <uk/errors.h>
#include <uk/types.h>

#include "arch.h"
#include "elf.h"
#include "hwcap.h"
#include "ipc.h"
#include "kernel.h"
#include "task.h"
#include "usercopy.h"
#include "vm.h"

#define STARTUP_MAX 4096

/* The kernel is not preemptible and loads one image at a time. */
static uint8_t bounce[PAGE_SIZE];
static uint8_t startup_block[STARTUP_MAX];

int image_source_kernel_read(const struct image_source *src, uint64_t offset,
			     void *dst, uint64_t len)
{
	if (offset > src->len || len > src->len - offset)
		return -ERR_BAD_IMAGE;
	memcpy(dst, (const char *)src->kernel_base + offset, len);
	return 0;
}

int image_source_user_read(const struct image_source *src, uint64_t offset,
			   void *dst, uint64_t len)
{
	if (offset > src->len || len > src->len - offset)
		return -ERR_BAD_IMAGE;
	return copy_from_user(src->task, dst, src->user_base + offset, len);
}

static unsigned segment_vm_flags(uint32_t elf_flags)
{
	return UK_VM_READ | ((elf_flags & ELF_SEG_W) ? UK_VM_WRITE : 0) |
	       ((elf_flags & ELF_SEG_X) ? UK_VM_EXEC : 0);
}

static int load_segment(struct task *t, const struct image_source *src,
			const struct elf_segment *s)
{
	uint64_t start = s->vaddr & PAGE_MASK;
	uint64_t end = (s->vaddr + s->memsz + PAGE_SIZE - 1) & PAGE_MASK;
	uint64_t addr;
	int rc;

	rc = vm_map_anonymous(t, start, end - start, segment_vm_flags(s->flags),
			      VM_IMAGE, &addr);
	if (rc < 0)
		return rc;
	for (uint64_t done = 0; done < s->filesz;) {
		uint64_t chunk = s->filesz - done;
		if (chunk > sizeof(bounce))
			chunk = sizeof(bounce);
		rc = src->read(src, s->offset + done, bounce, chunk);
		if (rc < 0)
			return rc;
		rc = copy_into_task(t, s->vaddr + done, bounce, chunk);
		if (rc < 0)
			return rc;
		done += chunk;
	}
	return 0;
}

int loader_create_task(const struct image_source *src,
		       const struct loader_request *req, uint64_t *task_id,
		       const char **reason)
{
	struct elf_image img;
	uint64_t head_len = src->len < sizeof(bounce) ? src->len : sizeof(bounce);
	uint64_t addr;
	int rc, error = 0;

	*reason = NULL;
	rc = src->read(src, 0, bounce, head_len);
	if (rc < 0)
		return rc;
	rc = elf_validate_head(bounce, head_len, src->len, USER_BASE,
			       VM_ALLOC_BASE, &img, reason);
	if (rc < 0)
		return rc;

	/* The startup block: header, argv strings, command line. */
	size_t cmd_len = req->cmdline ? strlen(req->cmdline) + 1 : 0;
	size_t block = sizeof(struct uk_startup) + req->argv_len + cmd_len;
	if (block > STARTUP_MAX)
		return -ERR_TOO_BIG;
	struct uk_startup *su = (struct uk_startup *)startup_block;
	memset(startup_block, 0, block);
	su->magic = UK_STARTUP_MAGIC;
	su->argc = req->argc;
	su->argv_offset = sizeof(*su);
	memcpy(startup_block + sizeof(*su), req->argv_blob, req->argv_len);
	if (cmd_len) {
		su->cmdline_offset = sizeof(*su) + req->argv_len;
		memcpy(startup_block + su->cmdline_offset, req->cmdline, cmd_len);
	}

	struct task *t = task_create(req->name, req->parent, req->quota, &error);
	if (!t)
		return error;
	su->self = t->id;
	/* The first task holds all scheduling authority; the caller checked
	 * any other against its creator's. */
	t->mcp = req->parent ? req->mcp : UK_PRIORITY_MAX;
	for (unsigned i = 0; i < img.nsegments; i++) {
		rc = load_segment(t, src, &img.segments[i]);
		if (rc < 0)
			goto fail;
	}
	rc = vm_map_anonymous(t, VM_STACK_TOP - VM_STACK_SIZE, VM_STACK_SIZE,
			      UK_VM_READ | UK_VM_WRITE, VM_STACK, &addr);
	if (rc < 0)
		goto fail;
	if (req->boot_archive_len) {
		rc = vm_map_physical(t, VM_BOOT_ARCHIVE_BASE,
				     req->boot_archive_phys,
				     req->boot_archive_len, UK_VM_READ, NULL,
				     &addr);
		if (rc < 0)
			goto fail;
		su->boot_archive = addr;
		su->boot_archive_len = req->boot_archive_len;
	}
	/* Rights last: nothing after this can fail but thread creation. */
	for (uint32_t i = 0; i < req->n_rights; i++)
		su->rights[i] = ipc_transfer(req->rights_from, req->rights[i].name,
					     req->rights[i].disposition, t);
	su->n_rights = req->n_rights;
	if (req->grant_hardware) {
		hwcap_grant_roots(t, su->rights);
		su->n_rights = UK_STARTUP_HW_IRQ + 1;
	}
	uint64_t block_addr = (VM_STACK_TOP - block) & ~15ull;
	rc = copy_into_task(t, block_addr, startup_block, block);
	if (rc < 0)
		goto fail;
	if (!thread_create_user(t, img.entry, block_addr, block_addr,
				req->priority, &rc))
		goto fail;
	*task_id = t->id;
	return 0;
fail:
	task_destroy_unstarted(t);
	return rc;
}
