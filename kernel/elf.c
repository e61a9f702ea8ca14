/* SPDX-License-Identifier: MIT */
/*
 * ELF64 validation (pure). The header layouts are spelled out here rather
 * than taken from <elf.h> so the kernel and its host tests see the same
 * definitions. All arithmetic on image fields is overflow-checked.
 */
#include "elf.h"

#include <string.h>
#include <uk/errors.h>

struct elf64_ehdr {
	unsigned char ident[16];
	uint16_t type;
	uint16_t machine;
	uint32_t version;
	uint64_t entry;
	uint64_t phoff;
	uint64_t shoff;
	uint32_t flags;
	uint16_t ehsize;
	uint16_t phentsize;
	uint16_t phnum;
	uint16_t shentsize;
	uint16_t shnum;
	uint16_t shstrndx;
};
_Static_assert(sizeof(struct elf64_ehdr) == 64, "ELF64 header");

struct elf64_phdr {
	uint32_t type;
	uint32_t flags;
	uint64_t offset;
	uint64_t vaddr;
	uint64_t paddr;
	uint64_t filesz;
	uint64_t memsz;
	uint64_t align;
};
_Static_assert(sizeof(struct elf64_phdr) == 56, "ELF64 program header");

#define PT_NULL 0
#define PT_LOAD 1
#define PT_DYNAMIC 2
#define PT_INTERP 3
#define PT_TLS 7
#define ET_EXEC 2
#define EM_X86_64 62
#define PAGE 4096u
#define MAX_PHNUM 64

static int refuse(const char **reason, const char *why)
{
	*reason = why;
	return -ERR_BAD_IMAGE;
}

static int add_overflows(uint64_t a, uint64_t b, uint64_t *sum)
{
	*sum = a + b;
	return *sum < a;
}

int elf_validate(const void *image, size_t len, uint64_t user_lo,
		 uint64_t user_hi, struct elf_image *out, const char **reason)
{
	return elf_validate_head(image, len, len, user_lo, user_hi, out, reason);
}

int elf_validate_head(const void *image, size_t head_len, uint64_t len,
		      uint64_t user_lo, uint64_t user_hi, struct elf_image *out,
		      const char **reason)
{
	struct elf64_ehdr eh;
	uint64_t end;

	*reason = NULL;
	out->nsegments = 0;
	if (head_len > len)
		head_len = (size_t)len;
	if (!image || head_len < sizeof(eh))
		return refuse(reason, "image shorter than the ELF header");
	memcpy(&eh, image, sizeof(eh));
	if (memcmp(eh.ident, "\177ELF", 4) != 0)
		return refuse(reason, "bad ELF magic");
	if (eh.ident[4] != 2)
		return refuse(reason, "not a 64-bit ELF (class)");
	if (eh.ident[5] != 1)
		return refuse(reason, "not little-endian");
	if (eh.ident[6] != 1 || eh.version != 1)
		return refuse(reason, "unknown ELF version");
	if (eh.type != ET_EXEC)
		return refuse(reason, "not a static executable (ET_EXEC)");
	if (eh.machine != EM_X86_64)
		return refuse(reason, "not an x86_64 executable");
	if (eh.ehsize != sizeof(eh))
		return refuse(reason, "bad ELF header size");
	if (eh.phentsize != sizeof(struct elf64_phdr))
		return refuse(reason, "bad program header entry size");
	if (eh.phnum == 0)
		return refuse(reason, "no program headers");
	if (eh.phnum > MAX_PHNUM)
		return refuse(reason, "too many program headers");
	if (add_overflows(eh.phoff, (uint64_t)eh.phnum * sizeof(struct elf64_phdr),
			  &end) ||
	    end > len)
		return refuse(reason, "program headers run past the image");
	if (end > head_len)
		return refuse(reason, "program headers are not in the image's first page");

	for (unsigned i = 0; i < eh.phnum; i++) {
		struct elf64_phdr ph;
		memcpy(&ph, (const char *)image + eh.phoff + i * sizeof(ph),
		       sizeof(ph));
		if (ph.type == PT_INTERP || ph.type == PT_DYNAMIC)
			return refuse(reason, "dynamic executables are not supported");
		if (ph.type == PT_TLS)
			return refuse(reason, "thread-local storage is not supported");
		if (ph.type != PT_LOAD || ph.memsz == 0)
			continue;
		if (out->nsegments == ELF_MAX_SEGMENTS)
			return refuse(reason, "too many loadable segments");
		if (ph.filesz > ph.memsz)
			return refuse(reason, "segment file size exceeds memory size");
		if (add_overflows(ph.offset, ph.filesz, &end) || end > len)
			return refuse(reason, "segment data runs past the image");
		if (add_overflows(ph.vaddr, ph.memsz, &end))
			return refuse(reason, "segment address range overflows");
		if (ph.vaddr < user_lo || end > user_hi)
			return refuse(reason, "segment outside the user address range");
		if ((ph.vaddr % PAGE) != (ph.offset % PAGE))
			return refuse(reason, "segment offset and address disagree modulo the page size");
		if ((ph.flags & (ELF_SEG_W | ELF_SEG_X)) == (ELF_SEG_W | ELF_SEG_X))
			return refuse(reason, "segment is both writable and executable");
		/* Segments must be in ascending order and must not share a page:
		 * each page gets exactly one set of permissions. Compare page
		 * numbers of the previous segment's last byte, which cannot wrap
		 * (its vaddr + memsz was checked), unlike its rounded-up end. */
		if (out->nsegments) {
			const struct elf_segment *prev =
				&out->segments[out->nsegments - 1];
			uint64_t prev_last_page =
				(prev->vaddr + prev->memsz - 1) / PAGE;
			if (ph.vaddr / PAGE <= prev_last_page)
				return refuse(reason, "segments overlap or are out of order");
		}
		struct elf_segment *s = &out->segments[out->nsegments++];
		s->vaddr = ph.vaddr;
		s->memsz = ph.memsz;
		s->offset = ph.offset;
		s->filesz = ph.filesz;
		s->flags = ph.flags & (ELF_SEG_R | ELF_SEG_W | ELF_SEG_X);
	}
	if (out->nsegments == 0)
		return refuse(reason, "no loadable segments");
	for (unsigned i = 0; i < out->nsegments; i++) {
		const struct elf_segment *s = &out->segments[i];
		if (eh.entry >= s->vaddr && eh.entry < s->vaddr + s->memsz) {
			if (!(s->flags & ELF_SEG_X))
				return refuse(reason, "entry point is not in an executable segment");
			out->entry = eh.entry;
			return 0;
		}
	}
	return refuse(reason, "entry point outside every loadable segment");
}
