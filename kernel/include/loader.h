/* SPDX-License-Identifier: MIT */
/*
 * Creating a task from an ELF64 image: validate (elf_validate_head), then
 * build the address space, stack and startup block, then start the first
 * thread. Nothing of the new task remains if any step fails.
 */
#ifndef KERNEL_LOADER_H
#define KERNEL_LOADER_H

#include <stdbool.h>
#include <stdint.h>
#include <uk/types.h>

struct task;

/* Where the image bytes come from: kernel memory or a task's memory. */
struct image_source {
	int (*read)(const struct image_source *src, uint64_t offset, void *dst,
		    uint64_t len);
	const void *kernel_base; /* kernel source */
	struct task *task;	 /* user source */
	uint64_t user_base;
	uint64_t len;
};

struct loader_request {
	const char *name;
	unsigned priority;
	unsigned mcp; /* the new task's MCP (ignored for init: the top) */
	/* 0: the task shares its parent's account; else an account of this
	 * many bytes carved from it (task_create). */
	uint64_t quota;
	uint32_t argc;
	const char *argv_blob; /* argc NUL-terminated strings, kernel memory */
	uint32_t argv_len;
	struct task *parent;
	/* Rights moved from rights_from's table into the new task. */
	struct task *rights_from;
	uint32_t n_rights;
	const struct uk_task_right *rights;
	/* init only */
	uint64_t boot_archive_phys, boot_archive_len;
	const char *cmdline;
	bool grant_hardware; /* the root hardware capabilities (init) */
};

int image_source_kernel_read(const struct image_source *src, uint64_t offset,
			     void *dst, uint64_t len);
int image_source_user_read(const struct image_source *src, uint64_t offset,
			   void *dst, uint64_t len);

/* Returns 0 and the new task's id, or a negative error; *reason names an
 * image problem for -ERR_BAD_IMAGE. */
int loader_create_task(const struct image_source *src,
		       const struct loader_request *req, uint64_t *task_id,
		       const char **reason);

#endif
