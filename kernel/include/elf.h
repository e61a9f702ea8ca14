/* SPDX-License-Identifier: MIT */
/*
 * ELF64 executable validation. elf_validate() is the decode half of loading:
 * it checks every header and segment against the image length and the user
 * address window and produces a checked description; the loader that copies
 * segments afterwards cannot be misled by the image.
 */
#ifndef KERNEL_ELF_H
#define KERNEL_ELF_H

#include <stddef.h>
#include <stdint.h>

#define ELF_MAX_SEGMENTS 8

#define ELF_SEG_R 0x4u
#define ELF_SEG_W 0x2u
#define ELF_SEG_X 0x1u

struct elf_segment {
	uint64_t vaddr;	 /* page-aligned start is vaddr & ~0xfff */
	uint64_t memsz;
	uint64_t offset; /* in the image */
	uint64_t filesz; /* <= memsz; the rest is zero-filled */
	uint32_t flags;	 /* ELF_SEG_R/W/X */
};

struct elf_image {
	uint64_t entry;
	unsigned nsegments;
	struct elf_segment segments[ELF_MAX_SEGMENTS]; /* sorted by vaddr */
};

/*
 * Validate a static, non-PIE x86_64 executable whose loadable segments must
 * lie in [user_lo, user_hi). Returns 0 and fills *out, or -ERR_BAD_IMAGE and
 * sets *reason to a static string naming the first problem found.
 */
int elf_validate(const void *image, size_t len, uint64_t user_lo,
		 uint64_t user_hi, struct elf_image *out, const char **reason);

/*
 * The same checks when only the first head_len bytes of an image_len-byte
 * image are at hand (the kernel reads a user-supplied image's headers into a
 * small buffer and copies segments later): the ELF and program headers must
 * lie inside the head, segment data is checked against image_len.
 */
int elf_validate_head(const void *head, size_t head_len, uint64_t image_len,
		      uint64_t user_lo, uint64_t user_hi, struct elf_image *out,
		      const char **reason);

#endif
