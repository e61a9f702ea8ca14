/* SPDX-License-Identifier: MIT */
/*
 * ELF64 validation: elf_validate, and elf_validate_head for a loader that
 * holds only an image's first bytes. Every malformed image is derived from
 * one valid static executable built in memory, changing one thing, so each
 * test pins one check. Images are handed over in a heap copy of exactly the
 * claimed length, so AddressSanitizer catches any read past the end.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <uk/errors.h>

#include "elf.h"

/* The ELF64 layouts, written out from the specification independently of
 * the ones in elf.c. */
struct ehdr {
	unsigned char ident[16];
	uint16_t type, machine;
	uint32_t version;
	uint64_t entry, phoff, shoff;
	uint32_t flags;
	uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};
_Static_assert(sizeof(struct ehdr) == 64, "Elf64_Ehdr");

struct phdr {
	uint32_t type, flags;
	uint64_t offset, vaddr, paddr, filesz, memsz, align;
};
_Static_assert(sizeof(struct phdr) == 56, "Elf64_Phdr");

#define PT_LOAD 1
#define PT_DYNAMIC 2
#define PT_INTERP 3
#define PT_NOTE 4
#define PT_TLS 7
#define PT_GNU_STACK 0x6474e551u
#define ET_EXEC 2
#define ET_DYN 3
#define EM_386 3
#define EM_X86_64 62

#define R ELF_SEG_R
#define W ELF_SEG_W
#define X ELF_SEG_X

#define USER_LO 0x1000ull
#define USER_HI 0x800000000000ull
#define KERNEL_BASE 0xffff800000000000ull

#define IMAGE_SIZE 0x3000
#define NPHDRS (ELF_MAX_SEGMENTS + 2)

/* Headers, program headers, then the bytes the segments point at. */
struct image {
	struct ehdr eh;
	struct phdr ph[NPHDRS];
	unsigned char rest[IMAGE_SIZE - sizeof(struct ehdr) -
			   NPHDRS * sizeof(struct phdr)];
};
_Static_assert(sizeof(struct image) == IMAGE_SIZE, "image layout");

/* Where the last segment's file data ends: shorter images are truncated. */
#define DATA_END 0x2100

static void set_load(struct phdr *ph, uint32_t flags, uint64_t offset,
		     uint64_t vaddr, uint64_t filesz, uint64_t memsz)
{
	*ph = (struct phdr){.type = PT_LOAD,
			    .flags = flags,
			    .offset = offset,
			    .vaddr = vaddr,
			    .paddr = vaddr,
			    .filesz = filesz,
			    .memsz = memsz,
			    .align = 0x1000};
}

/*
 * A static executable as a linker lays it out: text (with the headers) at
 * 0x400000, read-only data, then data with bss, plus a PT_GNU_STACK that a
 * loader ignores.
 */
static void make_valid(struct image *im)
{
	memset(im, 0, sizeof(*im));
	memcpy(im->eh.ident, "\177ELF", 4);
	im->eh.ident[4] = 2; /* ELFCLASS64 */
	im->eh.ident[5] = 1; /* ELFDATA2LSB */
	im->eh.ident[6] = 1; /* EV_CURRENT */
	im->eh.type = ET_EXEC;
	im->eh.machine = EM_X86_64;
	im->eh.version = 1;
	im->eh.entry = 0x400200;
	im->eh.phoff = offsetof(struct image, ph);
	im->eh.ehsize = sizeof(struct ehdr);
	im->eh.phentsize = sizeof(struct phdr);
	im->eh.phnum = 4;
	set_load(&im->ph[0], R | X, 0, 0x400000, 0x1000, 0x1000);
	set_load(&im->ph[1], R, 0x1000, 0x401000, 0x800, 0x800);
	set_load(&im->ph[2], R | W, 0x2000, 0x402000, 0x100, 0x3000);
	im->ph[3] = (struct phdr){.type = PT_GNU_STACK, .flags = R | W};
	for (size_t i = 0; i < sizeof(im->rest); i++)
		im->rest[i] = (unsigned char)(i * 31 + 7);
}

static int setup(void **state)
{
	struct image *im = malloc(sizeof(*im));

	assert_non_null(im);
	make_valid(im);
	*state = im;
	return 0;
}

static int teardown(void **state)
{
	free(*state);
	return 0;
}

/* Validate the first len bytes of bytes from an exact-size heap copy. */
static int validate_window(const void *bytes, size_t len, uint64_t lo,
			   uint64_t hi, struct elf_image *out,
			   const char **reason)
{
	void *copy = malloc(len ? len : 1);
	int rc;

	assert_non_null(copy);
	memcpy(copy, bytes, len);
	rc = elf_validate(copy, len, lo, hi, out, reason);
	free(copy);
	return rc;
}

static int validate(const void *bytes, size_t len, struct elf_image *out,
		    const char **reason)
{
	return validate_window(bytes, len, USER_LO, USER_HI, out, reason);
}

/* elf_validate_head on an exact-size copy of the first head_len bytes. */
static int validate_head(const void *bytes, size_t head_len, uint64_t image_len,
			 struct elf_image *out, const char **reason)
{
	void *copy = malloc(head_len ? head_len : 1);
	int rc;

	assert_non_null(copy);
	memcpy(copy, bytes, head_len);
	rc = elf_validate_head(copy, head_len, image_len, USER_LO, USER_HI, out,
			       reason);
	free(copy);
	return rc;
}

static void assert_refused_window(const struct image *im, size_t len,
				  uint64_t lo, uint64_t hi, const char *word)
{
	struct elf_image out;
	const char *reason = NULL;

	assert_int_equal(validate_window(im, len, lo, hi, &out, &reason),
			 -ERR_BAD_IMAGE);
	assert_non_null(reason);
	if (word && !strstr(reason, word))
		fail_msg("reason \"%s\" does not mention \"%s\"", reason, word);
}

/* The image must be refused, for a reason that mentions word. */
static void assert_refused(const struct image *im, const char *word)
{
	assert_refused_window(im, sizeof(*im), USER_LO, USER_HI, word);
}

static void assert_accepted(const struct image *im, size_t len,
			    struct elf_image *out)
{
	const char *reason = "not reset";
	int rc = validate(im, len, out, &reason);

	if (rc != 0)
		fail_msg("refused: %s", reason ? reason : "(no reason)");
	assert_null(reason);
}

static void elf_validate_accepts_static_executable(void **state)
{
	struct image *im = *state;
	struct elf_image out;

	assert_accepted(im, sizeof(*im), &out);
	assert_int_equal(out.entry, 0x400200);
	assert_int_equal(out.nsegments, 3);
	assert_int_equal(out.segments[0].vaddr, 0x400000);
	assert_int_equal(out.segments[0].memsz, 0x1000);
	assert_int_equal(out.segments[0].offset, 0);
	assert_int_equal(out.segments[0].filesz, 0x1000);
	assert_int_equal(out.segments[0].flags, R | X);
	assert_int_equal(out.segments[1].vaddr, 0x401000);
	assert_int_equal(out.segments[1].flags, R);
	assert_int_equal(out.segments[2].vaddr, 0x402000);
	assert_int_equal(out.segments[2].offset, 0x2000);
	assert_int_equal(out.segments[2].filesz, 0x100);
	assert_int_equal(out.segments[2].memsz, 0x3000);
	assert_int_equal(out.segments[2].flags, R | W);
}

static void elf_validate_reports_segments_sorted_by_address(void **state)
{
	struct image *im = *state;
	struct elf_image out;

	assert_accepted(im, sizeof(*im), &out);
	for (unsigned i = 1; i < out.nsegments; i++)
		assert_true(out.segments[i - 1].vaddr +
				out.segments[i - 1].memsz <=
			    out.segments[i].vaddr);
}

static void elf_validate_accepts_two_segments_with_unaligned_start(void **state)
{
	struct image *im = *state;
	struct elf_image out;

	/* Data starting mid-page, its offset congruent modulo the page. */
	im->eh.phnum = 2;
	set_load(&im->ph[1], R | W, 0x2040, 0x402040, 0x80, 0x1000);
	assert_accepted(im, sizeof(*im), &out);
	assert_int_equal(out.nsegments, 2);
	assert_int_equal(out.segments[1].vaddr, 0x402040);
	assert_int_equal(out.segments[1].offset, 0x2040);
}

static void elf_validate_keeps_only_rwx_segment_flags(void **state)
{
	struct image *im = *state;
	struct elf_image out;

	im->ph[1].flags |= 0x0ff00000u; /* PF_MASKOS bits */
	assert_accepted(im, sizeof(*im), &out);
	assert_int_equal(out.segments[1].flags, R);
}

static void elf_validate_skips_non_load_and_empty_load_headers(void **state)
{
	struct image *im = *state;
	struct elf_image out;

	im->eh.phnum = 6;
	im->ph[4] = (struct phdr){
	    .type = PT_NOTE, .offset = 0x1234567, .filesz = 0x1000};
	/* An empty PT_LOAD maps nothing, whatever its other fields say. */
	set_load(&im->ph[5], R | W | X, 0xdead, KERNEL_BASE, 0x5000, 0);
	assert_accepted(im, sizeof(*im), &out);
	assert_int_equal(out.nsegments, 3);
}

static void elf_validate_accepts_segment_ending_exactly_at_user_hi(void **state)
{
	struct image *im = *state;
	struct elf_image out;

	const char *reason;

	/* The window is [lo, hi): the bss ends exactly at 0x405000. */
	assert_int_equal(
	    validate_window(im, sizeof(*im), 0x400000, 0x405000, &out, &reason),
	    0);
	assert_refused_window(im, sizeof(*im), 0x400000, 0x404fff,
			      "user address");
	assert_refused_window(im, sizeof(*im), 0x400001, 0x405000,
			      "user address");
}

static void elf_validate_accepts_image_ending_where_last_data_ends(void **state)
{
	struct image *im = *state;
	struct elf_image out;

	assert_accepted(im, DATA_END, &out);
}

static void elf_validate_refuses_every_truncation_before_data_end(void **state)
{
	struct image *im = *state;

	for (size_t len = 0; len < DATA_END; len++)
		assert_refused_window(im, len, USER_LO, USER_HI, NULL);
}

static void elf_validate_refuses_image_shorter_than_header(void **state)
{
	struct image *im = *state;

	assert_refused_window(im, sizeof(struct ehdr) - 1, USER_LO, USER_HI,
			      "shorter");
	assert_refused_window(im, 0, USER_LO, USER_HI, "shorter");
}

static void elf_validate_refuses_null_image(void **state)
{
	struct elf_image out;
	const char *reason = NULL;

	assert_int_equal(
	    elf_validate(NULL, 4096, USER_LO, USER_HI, &out, &reason),
	    -ERR_BAD_IMAGE);
	assert_non_null(reason);
}

static void elf_validate_refuses_bad_magic(void **state)
{
	struct image *im = *state;

	im->eh.ident[1] = 'e';
	assert_refused(im, "magic");
}

static void elf_validate_refuses_32_bit_class(void **state)
{
	struct image *im = *state;

	im->eh.ident[4] = 1; /* ELFCLASS32 */
	assert_refused(im, "64-bit");
}

static void elf_validate_refuses_big_endian(void **state)
{
	struct image *im = *state;

	im->eh.ident[5] = 2; /* ELFDATA2MSB */
	assert_refused(im, "little-endian");
}

static void elf_validate_refuses_unknown_version(void **state)
{
	struct image *im = *state;

	im->eh.ident[6] = 2;
	assert_refused(im, "version");
	make_valid(im);
	im->eh.version = 0;
	assert_refused(im, "version");
}

static void elf_validate_refuses_wrong_machine(void **state)
{
	struct image *im = *state;

	im->eh.machine = EM_386;
	assert_refused(im, "x86_64");
}

static void elf_validate_refuses_position_independent_executable(void **state)
{
	struct image *im = *state;

	im->eh.type = ET_DYN;
	assert_refused(im, "ET_EXEC");
}

static void elf_validate_refuses_bad_header_size(void **state)
{
	struct image *im = *state;

	im->eh.ehsize = 52;
	assert_refused(im, "header size");
}

static void elf_validate_refuses_bad_program_header_entry_size(void **state)
{
	struct image *im = *state;

	im->eh.phentsize = 32; /* Elf32_Phdr */
	assert_refused(im, "entry size");
	im->eh.phentsize = sizeof(struct phdr) + 8;
	assert_refused(im, "entry size");
}

static void elf_validate_refuses_image_without_program_headers(void **state)
{
	struct image *im = *state;

	im->eh.phnum = 0;
	assert_refused(im, "no program headers");
}

static void elf_validate_refuses_too_many_program_headers(void **state)
{
	struct image *im = *state;

	im->eh.phnum = 0xffff; /* also PN_XNUM, the extended-count marker */
	assert_refused(im, "too many program headers");
	im->eh.phnum = 65;
	assert_refused(im, "too many program headers");
}

static void elf_validate_refuses_program_headers_starting_past_end(void **state)
{
	struct image *im = *state;

	im->eh.phoff = sizeof(*im) + 8;
	assert_refused(im, "program headers");
}

static void elf_validate_refuses_program_headers_running_past_end(void **state)
{
	struct image *im = *state;

	im->eh.phoff = sizeof(*im) - 4 * sizeof(struct phdr) + 1;
	assert_refused(im, "program headers");
}

static void
elf_validate_refuses_program_header_table_whose_end_overflows(void **state)
{
	struct image *im = *state;

	im->eh.phoff = UINT64_MAX - 100;
	assert_refused(im, "program headers");
	im->eh.phoff = UINT64_MAX - 4 * sizeof(struct phdr) + 1;
	assert_refused(im, "program headers");
}

static void elf_validate_refuses_file_size_above_memory_size(void **state)
{
	struct image *im = *state;

	im->ph[1].filesz = im->ph[1].memsz + 1;
	assert_refused(im, "file size");
}

static void elf_validate_refuses_segment_data_past_end(void **state)
{
	struct image *im = *state;

	im->ph[2].filesz = 0x1001;
	assert_refused(im, "past the image");
	make_valid(im);
	im->ph[1].offset = 0x3000;
	im->ph[1].vaddr = 0x403000;
	assert_refused(im, "past the image");
}

static void elf_validate_refuses_segment_offset_plus_size_overflow(void **state)
{
	struct image *im = *state;

	/* Offset near 2^64 wraps back into the image once filesz is added. */
	im->ph[1].offset = 0xfffffffffffff000ull;
	im->ph[1].filesz = im->ph[1].memsz = 0x1800;
	assert_refused(im, "past the image");
	im->ph[1].offset = 0x1000;
	im->ph[1].filesz = UINT64_MAX;
	im->ph[1].memsz = UINT64_MAX;
	assert_refused(im, "past the image");
}

static void elf_validate_refuses_address_range_overflow(void **state)
{
	struct image *im = *state;

	im->ph[2].vaddr = 0xfffffffffffff000ull;
	im->ph[2].memsz = 0x2000;
	assert_refused_window(im, sizeof(*im), USER_LO, UINT64_MAX,
			      "overflows");
	assert_refused(im, "overflows");
}

static void elf_validate_refuses_segment_below_user_window(void **state)
{
	struct image *im = *state;

	im->eh.entry = 0x200;
	im->ph[0].vaddr = 0;
	assert_refused(im, "user address");
}

static void elf_validate_refuses_segment_ending_past_user_window(void **state)
{
	struct image *im = *state;

	im->ph[2].vaddr = USER_HI - 0x1000;
	assert_refused(im, "user address");
}

static void elf_validate_refuses_segment_at_kernel_address(void **state)
{
	struct image *im = *state;

	im->ph[2].vaddr = KERNEL_BASE;
	assert_refused(im, "user address");
	make_valid(im);
	im->ph[0].vaddr = KERNEL_BASE;
	im->eh.entry = KERNEL_BASE + 0x200;
	assert_refused(im, "user address");
}

static void elf_validate_refuses_writable_executable_segment(void **state)
{
	struct image *im = *state;

	im->ph[0].flags = R | W | X;
	assert_refused(im, "writable and executable");
	im->ph[0].flags = W | X;
	assert_refused(im, "writable and executable");
}

static void elf_validate_refuses_overlapping_segments(void **state)
{
	struct image *im = *state;

	im->ph[1].vaddr = 0x400000;
	assert_refused(im, "overlap");
}

static void elf_validate_refuses_segments_sharing_a_page(void **state)
{
	struct image *im = *state;

	/* No byte overlaps, but one page would need two permissions. */
	im->ph[0].filesz = im->ph[0].memsz = 0x800;
	im->ph[1].vaddr = 0x400800;
	im->ph[1].offset = 0x1800;
	assert_refused(im, "overlap");
}

static void elf_validate_refuses_segments_out_of_order(void **state)
{
	struct image *im = *state;
	struct phdr tmp = im->ph[1];

	im->ph[1] = im->ph[2];
	im->ph[2] = tmp;
	assert_refused(im, "order");
}

static void
elf_validate_refuses_out_of_order_segments_at_top_of_window(void **state)
{
	struct image *im = *state;

	/* The first segment ends at the very top of the address space; the
	 * page rounding of its end must not wrap and let a lower one pass. */
	im->eh.phnum = 2;
	im->eh.entry = 0xfffffffffffff100ull;
	set_load(&im->ph[0], R | X, 0, 0xfffffffffffff000ull, 0x200, 0xfff);
	set_load(&im->ph[1], R, 0x1000, 0x401000, 0x800, 0x800);
	assert_refused_window(im, sizeof(*im), USER_LO, UINT64_MAX, "order");
}

static void
elf_validate_refuses_offset_address_mismatch_modulo_page(void **state)
{
	struct image *im = *state;

	im->ph[1].vaddr = 0x401010;
	assert_refused(im, "modulo");
	make_valid(im);
	im->ph[2].offset = 0x2008;
	assert_refused(im, "modulo");
}

static void elf_validate_refuses_entry_outside_every_segment(void **state)
{
	struct image *im = *state;

	im->eh.entry = 0x300000;
	assert_refused(im, "entry point outside");
	im->eh.entry = 0x405000; /* one past the end of the bss */
	assert_refused(im, "entry point outside");
	im->eh.entry = 0;
	assert_refused(im, "entry point outside");
}

static void elf_validate_refuses_entry_in_non_executable_segment(void **state)
{
	struct image *im = *state;

	im->eh.entry = 0x401010;
	assert_refused(im, "executable segment");
	im->eh.entry = 0x404fff; /* in the bss */
	assert_refused(im, "executable segment");
}

static void elf_validate_refuses_interpreter(void **state)
{
	struct image *im = *state;

	im->ph[3] =
	    (struct phdr){.type = PT_INTERP, .offset = 0x1000, .filesz = 28};
	assert_refused(im, "dynamic");
}

static void elf_validate_refuses_dynamic_section(void **state)
{
	struct image *im = *state;

	im->ph[3] = (struct phdr){
	    .type = PT_DYNAMIC, .offset = 0x2000, .filesz = 0x100};
	assert_refused(im, "dynamic");
}

static void elf_validate_refuses_thread_local_storage(void **state)
{
	struct image *im = *state;

	im->ph[3] = (struct phdr){.type = PT_TLS,
				  .flags = R,
				  .offset = 0x2000,
				  .vaddr = 0x402000,
				  .filesz = 0x10,
				  .memsz = 0x20};
	assert_refused(im, "thread-local");
}

static void
elf_validate_refuses_more_loadable_segments_than_supported(void **state)
{
	struct image *im = *state;
	struct elf_image out;

	/* ELF_MAX_SEGMENTS one-page segments are fine, one more is not. */
	im->eh.phnum = ELF_MAX_SEGMENTS;
	for (unsigned i = 1; i < ELF_MAX_SEGMENTS; i++)
		set_load(&im->ph[i], R, 0, 0x400000 + 0x1000 * i, 0, 0x1000);
	assert_accepted(im, sizeof(*im), &out);
	assert_int_equal(out.nsegments, ELF_MAX_SEGMENTS);
	im->eh.phnum = ELF_MAX_SEGMENTS + 1;
	set_load(&im->ph[ELF_MAX_SEGMENTS], R, 0,
		 0x400000 + 0x1000 * ELF_MAX_SEGMENTS, 0, 0x1000);
	assert_refused(im, "too many loadable segments");
}

static void elf_validate_refuses_image_without_loadable_segment(void **state)
{
	struct image *im = *state;

	im->eh.phnum = 1;
	im->ph[0] = (struct phdr){.type = PT_GNU_STACK, .flags = R | W};
	assert_refused(im, "no loadable");
	im->ph[0] =
	    (struct phdr){.type = PT_LOAD, .flags = R | X, .vaddr = 0x400000};
	assert_refused(im, "no loadable");
}

/* Field by field: struct elf_segment has padding memcmp would compare. */
static void assert_same_description(const struct elf_image *a,
				    const struct elf_image *b)
{
	assert_int_equal(a->entry, b->entry);
	assert_int_equal(a->nsegments, b->nsegments);
	for (unsigned i = 0; i < a->nsegments; i++) {
		assert_int_equal(a->segments[i].vaddr, b->segments[i].vaddr);
		assert_int_equal(a->segments[i].memsz, b->segments[i].memsz);
		assert_int_equal(a->segments[i].offset, b->segments[i].offset);
		assert_int_equal(a->segments[i].filesz, b->segments[i].filesz);
		assert_int_equal(a->segments[i].flags, b->segments[i].flags);
	}
}

static void
elf_validate_head_accepts_image_whose_headers_fit_the_head(void **state)
{
	struct image *im = *state;
	struct elf_image whole, head;
	const char *reason = "not reset";

	assert_accepted(im, sizeof(*im), &whole);
	/* Only the first page is at hand; segment data lies beyond it. */
	assert_int_equal(validate_head(im, 0x1000, sizeof(*im), &head, &reason),
			 0);
	assert_null(reason);
	assert_same_description(&head, &whole);
}

static void
elf_validate_head_refuses_program_headers_beyond_the_head(void **state)
{
	struct image *im = *state;
	struct elf_image out;
	const char *reason = NULL;
	size_t table_end = offsetof(struct image, ph) + 4 * sizeof(struct phdr);

	assert_int_equal(
	    validate_head(im, table_end - 1, sizeof(*im), &out, &reason),
	    -ERR_BAD_IMAGE);
	assert_non_null(reason);
	assert_non_null(strstr(reason, "first page"));
	assert_int_equal(
	    validate_head(im, table_end, sizeof(*im), &out, &reason), 0);
}

static void
elf_validate_head_checks_segment_data_against_image_length(void **state)
{
	struct image *im = *state;
	struct elf_image out;
	const char *reason = NULL;

	assert_int_equal(validate_head(im, 0x400, DATA_END, &out, &reason), 0);
	assert_int_equal(validate_head(im, 0x400, DATA_END - 1, &out, &reason),
			 -ERR_BAD_IMAGE);
	assert_non_null(strstr(reason, "past the image"));
}

static void elf_validate_head_never_trusts_head_longer_than_image(void **state)
{
	struct image *im = *state;
	struct elf_image out;
	const char *reason = NULL;

	/* The buffer holds more than the image claims: the image length wins.
	 */
	assert_int_equal(validate_head(im, sizeof(*im), 100, &out, &reason),
			 -ERR_BAD_IMAGE);
	assert_non_null(strstr(reason, "program headers"));
	assert_int_equal(validate_head(im, sizeof(*im), 63, &out, &reason),
			 -ERR_BAD_IMAGE);
	assert_non_null(strstr(reason, "shorter"));
}

static uint64_t rng_state = 0x853c49e6748fea9bull;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* What an accepted image promises the loader, checked from the outside. */
static void assert_output_is_sound(const struct elf_image *out, size_t len,
				   uint64_t lo, uint64_t hi)
{
	int entry_found = 0;

	assert_in_range(out->nsegments, 1, ELF_MAX_SEGMENTS);
	for (unsigned i = 0; i < out->nsegments; i++) {
		const struct elf_segment *s = &out->segments[i];
		assert_true(s->memsz > 0);
		assert_true(s->filesz <= s->memsz);
		assert_true(s->offset <= len && s->filesz <= len - s->offset);
		assert_true(s->vaddr >= lo && s->vaddr < hi);
		assert_true(s->memsz <= hi - s->vaddr);
		assert_int_equal(s->vaddr % 4096, s->offset % 4096);
		assert_true((s->flags & ~(uint32_t)(R | W | X)) == 0);
		assert_true((s->flags & (W | X)) != (W | X));
		if (i > 0) {
			const struct elf_segment *p = &out->segments[i - 1];
			uint64_t prev_last_page =
			    (p->vaddr + p->memsz - 1) >> 12;
			assert_true(s->vaddr >> 12 > prev_last_page);
		}
		if (out->entry >= s->vaddr &&
		    out->entry - s->vaddr < s->memsz) {
			assert_true(s->flags & X);
			entry_found = 1;
		}
	}
	assert_true(entry_found);
}

/* Interesting values to drop into header fields. */
static uint64_t edge_value(uint64_t r)
{
	static const uint64_t edges[] = {
	    0,
	    1,
	    0xfff,
	    0x1000,
	    0x1001,
	    IMAGE_SIZE,
	    IMAGE_SIZE - 1,
	    IMAGE_SIZE + 1,
	    0x400000,
	    0x7fffffffffffull,
	    USER_HI,
	    KERNEL_BASE,
	    UINT64_MAX,
	    UINT64_MAX - 0xfff,
	    1ull << 63,
	};
	return edges[r % (sizeof(edges) / sizeof(edges[0]))];
}

static void
elf_validate_survives_random_mutations_of_a_valid_image(void **state)
{
	struct image *im = *state;
	unsigned accepted = 0;

	for (int iter = 0; iter < 5000; iter++) {
		struct elf_image out;
		const char *reason;
		uint64_t r = rng();
		size_t len = sizeof(*im);
		int changes = 1 + (int)(r % 4);

		make_valid(im);
		for (int c = 0; c < changes; c++) {
			uint64_t m = rng();
			unsigned char *bytes = (unsigned char *)im;
			/* Mostly the headers: that is where the checks are. */
			size_t at = (m >> 8) % (sizeof(struct ehdr) +
						NPHDRS * sizeof(struct phdr));
			switch (m % 4) {
			case 0:
				bytes[at] = (unsigned char)(m >> 40);
				break;
			case 1:
				bytes[at] ^=
				    (unsigned char)(1u << ((m >> 32) % 8));
				break;
			case 2: {
				uint64_t v = edge_value(m >> 32);
				at &= ~(size_t)7;
				memcpy(bytes + at, &v, sizeof(v));
				break;
			}
			default:
				len = (m >> 16) % (sizeof(*im) + 1);
				break;
			}
		}
		reason = NULL;
		int rc = validate(im, len, &out, &reason);
		if (rc == 0) {
			assert_null(reason);
			assert_output_is_sound(&out, len, USER_LO, USER_HI);
			accepted++;
		} else {
			assert_int_equal(rc, -ERR_BAD_IMAGE);
			assert_non_null(reason);
		}

		/* Seeing only a head may refuse more, never accept more,
		 * and what it accepts it describes the same way. */
		struct elf_image head_out;
		size_t head_len = (size_t)(r >> 20) % (len + 1);
		int head_rc =
		    validate_head(im, head_len, len, &head_out, &reason);
		if (head_rc == 0) {
			assert_int_equal(rc, 0);
			assert_same_description(&head_out, &out);
		} else {
			assert_int_equal(head_rc, -ERR_BAD_IMAGE);
			assert_non_null(reason);
		}
	}
	/* Some mutations are harmless; make sure the loop saw both sides. */
	assert_true(accepted > 0 && accepted < 5000);
}

static void elf_validate_survives_random_bytes(void **state)
{
	static unsigned char buf[4096];

	for (int iter = 0; iter < 2000; iter++) {
		struct elf_image out;
		const char *reason = NULL;
		size_t len = rng() % sizeof(buf);

		for (size_t i = 0; i < len; i++)
			buf[i] = (unsigned char)rng();
		if (iter % 2 && len >= 64) /* get past the magic check */
			memcpy(buf, "\177ELF\2\1\1", 7);
		int rc = validate(buf, len, &out, &reason);
		if (rc == 0)
			assert_output_is_sound(&out, len, USER_LO, USER_HI);
		else
			assert_non_null(reason);
	}
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(elf_validate_accepts_static_executable),
	    T(elf_validate_reports_segments_sorted_by_address),
	    T(elf_validate_accepts_two_segments_with_unaligned_start),
	    T(elf_validate_keeps_only_rwx_segment_flags),
	    T(elf_validate_skips_non_load_and_empty_load_headers),
	    T(elf_validate_accepts_segment_ending_exactly_at_user_hi),
	    T(elf_validate_accepts_image_ending_where_last_data_ends),
	    T(elf_validate_refuses_every_truncation_before_data_end),
	    T(elf_validate_refuses_image_shorter_than_header),
	    T(elf_validate_refuses_null_image),
	    T(elf_validate_refuses_bad_magic),
	    T(elf_validate_refuses_32_bit_class),
	    T(elf_validate_refuses_big_endian),
	    T(elf_validate_refuses_unknown_version),
	    T(elf_validate_refuses_wrong_machine),
	    T(elf_validate_refuses_position_independent_executable),
	    T(elf_validate_refuses_bad_header_size),
	    T(elf_validate_refuses_bad_program_header_entry_size),
	    T(elf_validate_refuses_image_without_program_headers),
	    T(elf_validate_refuses_too_many_program_headers),
	    T(elf_validate_refuses_program_headers_starting_past_end),
	    T(elf_validate_refuses_program_headers_running_past_end),
	    T(elf_validate_refuses_program_header_table_whose_end_overflows),
	    T(elf_validate_refuses_file_size_above_memory_size),
	    T(elf_validate_refuses_segment_data_past_end),
	    T(elf_validate_refuses_segment_offset_plus_size_overflow),
	    T(elf_validate_refuses_address_range_overflow),
	    T(elf_validate_refuses_segment_below_user_window),
	    T(elf_validate_refuses_segment_ending_past_user_window),
	    T(elf_validate_refuses_segment_at_kernel_address),
	    T(elf_validate_refuses_writable_executable_segment),
	    T(elf_validate_refuses_overlapping_segments),
	    T(elf_validate_refuses_segments_sharing_a_page),
	    T(elf_validate_refuses_segments_out_of_order),
	    T(elf_validate_refuses_out_of_order_segments_at_top_of_window),
	    T(elf_validate_refuses_offset_address_mismatch_modulo_page),
	    T(elf_validate_refuses_entry_outside_every_segment),
	    T(elf_validate_refuses_entry_in_non_executable_segment),
	    T(elf_validate_refuses_interpreter),
	    T(elf_validate_refuses_dynamic_section),
	    T(elf_validate_refuses_thread_local_storage),
	    T(elf_validate_refuses_more_loadable_segments_than_supported),
	    T(elf_validate_refuses_image_without_loadable_segment),
	    T(elf_validate_head_accepts_image_whose_headers_fit_the_head),
	    T(elf_validate_head_refuses_program_headers_beyond_the_head),
	    T(elf_validate_head_checks_segment_data_against_image_length),
	    T(elf_validate_head_never_trusts_head_longer_than_image),
	    T(elf_validate_survives_random_mutations_of_a_valid_image),
	    T(elf_validate_survives_random_bytes),
	};

	return cmocka_run_group_tests_name("elf", tests, NULL, NULL);
}
