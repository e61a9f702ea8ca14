/* SPDX-License-Identifier: MIT */
/*
 * cpio newc reader. Archives are written here by a small newc writer (and,
 * when the build found the cpio tool, one comes from `cpio -o -H newc`).
 * The reader always gets a heap copy of exactly the archive's length, so
 * AddressSanitizer reports any read past the end.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cpio.h>

#define MODE_FILE 0100644u
#define MODE_DIR 0040755u
#define MODE_SYMLINK 0120777u
#define HEADER_SIZE 110

struct archive {
	unsigned char bytes[16384];
	size_t len;
	uint32_t next_ino;
	unsigned char *copy; /* exact-size copy handed to the reader */
};

static int setup(void **state)
{
	struct archive *a = calloc(1, sizeof(*a));

	assert_non_null(a);
	a->next_ino = 1;
	*state = a;
	return 0;
}

static int teardown(void **state)
{
	struct archive *a = *state;

	free(a->copy);
	free(a);
	return 0;
}

static void emit(struct archive *a, const void *p, size_t n)
{
	assert_true(a->len + n <= sizeof(a->bytes));
	if (n)
		memcpy(a->bytes + a->len, p, n);
	a->len += n;
}

/* newc pads to 4 bytes counted from the start of the archive. */
static void pad4(struct archive *a)
{
	while (a->len % 4)
		emit(a, "", 1);
}

static void emit_header(struct archive *a, uint32_t mode, uint32_t filesize,
			uint32_t namesize)
{
	char h[HEADER_SIZE + 1];

	/* magic, then ino mode uid gid nlink mtime filesize devmajor devminor
	 * rdevmajor rdevminor namesize check */
	snprintf(h, sizeof(h),
		 "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
		 a->next_ino++, mode, 0u, 0u, 1u, 0x5f000000u, filesize, 0u, 1u,
		 0u, 0u, namesize, 0u);
	emit(a, h, HEADER_SIZE);
}

/* An entry with an explicit name byte string and namesize, for bad names. */
static void emit_raw_entry(struct archive *a, uint32_t mode, const void *name,
			   size_t name_bytes, uint32_t namesize,
			   const void *data, size_t size)
{
	emit_header(a, mode, (uint32_t)size, namesize);
	emit(a, name, name_bytes);
	pad4(a);
	emit(a, data, size);
	pad4(a);
}

static void emit_entry(struct archive *a, uint32_t mode, const char *name,
		       const void *data, size_t size)
{
	emit_raw_entry(a, mode, name, strlen(name) + 1,
		       (uint32_t)strlen(name) + 1, data, size);
}

static void emit_file(struct archive *a, const char *name, const char *data)
{
	emit_entry(a, MODE_FILE, name, data, strlen(data));
}

static void emit_dir(struct archive *a, const char *name)
{
	emit_entry(a, MODE_DIR, name, NULL, 0);
}

static void emit_trailer(struct archive *a)
{
	emit_entry(a, 0, "TRAILER!!!", NULL, 0);
}

/* The bytes the reader sees: a fresh exact-size heap copy of len bytes. */
static const void *reader_view(struct archive *a, size_t len)
{
	free(a->copy);
	a->copy = malloc(len ? len : 1);
	assert_non_null(a->copy);
	memcpy(a->copy, a->bytes, len);
	return a->copy;
}

/* Overwrite header field i (0 = ino .. 12 = check) of the entry at at. */
static void patch_field(struct archive *a, size_t at, int field,
			const char *hex8)
{
	assert_int_equal(strlen(hex8), 8);
	memcpy(a->bytes + at + 6 + 8 * field, hex8, 8);
}

#define FIELD_MODE 1
#define FIELD_FILESIZE 6
#define FIELD_NAMESIZE 11

static void assert_entry(const struct cpio_entry *e, const char *name,
			 uint32_t mode, const char *data)
{
	assert_string_equal(e->name, name);
	assert_int_equal(e->mode, mode);
	assert_int_equal(e->size, strlen(data));
	assert_memory_equal(e->data, data, strlen(data));
}

static void assert_next(const void *ar, size_t len, size_t *offset, int want)
{
	struct cpio_entry e;

	assert_int_equal(cpio_next(ar, len, offset, &e), want);
}

static void
cpio_next_iterates_entries_in_archive_order_then_reports_end(void **state)
{
	struct archive *a = *state;
	struct cpio_entry e;
	size_t offset = 0;

	emit_dir(a, "bin");
	emit_file(a, "bin/init", "init");
	emit_file(a, "etc/motd", "welcome\n");
	emit_trailer(a);
	const void *ar = reader_view(a, a->len);

	assert_int_equal(cpio_next(ar, a->len, &offset, &e), CPIO_ENTRY);
	assert_entry(&e, "bin", MODE_DIR, "");
	assert_int_equal(cpio_next(ar, a->len, &offset, &e), CPIO_ENTRY);
	assert_entry(&e, "bin/init", MODE_FILE, "init");
	assert_int_equal(cpio_next(ar, a->len, &offset, &e), CPIO_ENTRY);
	assert_entry(&e, "etc/motd", MODE_FILE, "welcome\n");
	assert_int_equal(cpio_next(ar, a->len, &offset, &e), CPIO_END);
}

static void cpio_next_points_name_and_data_into_the_archive(void **state)
{
	struct archive *a = *state;
	struct cpio_entry e;
	size_t offset = 0;

	emit_file(a, "abc", "0123456789");
	emit_trailer(a);
	const unsigned char *ar = reader_view(a, a->len);

	assert_int_equal(cpio_next(ar, a->len, &offset, &e), CPIO_ENTRY);
	assert_ptr_equal(e.name, (const char *)ar + HEADER_SIZE);
	/* 110 + 4 name bytes = 114, rounded up to 116. */
	assert_ptr_equal(e.data, ar + 116);
	assert_int_equal(offset, 128);
}

static void cpio_next_aligns_data_for_every_name_and_data_length(void **state)
{
	struct archive *a = *state;
	char name[16], data[16];
	size_t offset = 0;
	struct cpio_entry e;

	for (int n = 1; n <= 8; n++) {
		for (int d = 0; d <= 5; d++) {
			snprintf(name, sizeof(name), "%.*s", n, "nnnnnnnnn");
			snprintf(data, sizeof(data), "%.*s", d, "ddddddd");
			emit_file(a, name, data);
		}
	}
	emit_trailer(a);
	const unsigned char *ar = reader_view(a, a->len);

	for (int n = 1; n <= 8; n++) {
		for (int d = 0; d <= 5; d++) {
			assert_int_equal(cpio_next(ar, a->len, &offset, &e),
					 CPIO_ENTRY);
			assert_int_equal(
			    ((const unsigned char *)e.data - ar) % 4, 0);
			assert_int_equal(strlen(e.name), n);
			assert_int_equal(e.size, d);
			assert_int_equal(offset % 4, 0);
		}
	}
	assert_next(ar, a->len, &offset, CPIO_END);
}

static void cpio_next_returns_zero_length_file(void **state)
{
	struct archive *a = *state;
	struct cpio_entry e;
	size_t offset = 0;

	emit_file(a, "empty", "");
	emit_file(a, "after", "x");
	emit_trailer(a);
	const void *ar = reader_view(a, a->len);

	assert_int_equal(cpio_next(ar, a->len, &offset, &e), CPIO_ENTRY);
	assert_entry(&e, "empty", MODE_FILE, "");
	assert_int_equal(cpio_next(ar, a->len, &offset, &e), CPIO_ENTRY);
	assert_entry(&e, "after", MODE_FILE, "x");
}

static void
cpio_next_reports_end_at_trailer_despite_padding_after_it(void **state)
{
	struct archive *a = *state;
	size_t offset = 0;

	emit_trailer(a);
	while (a->len % 512) /* the tool pads archives to whole blocks */
		emit(a, "", 1);
	const void *ar = reader_view(a, a->len);

	assert_next(ar, a->len, &offset, CPIO_END);
	assert_int_equal(offset, 124);
}

static void cpio_next_accepts_upper_and_lower_case_hex(void **state)
{
	struct archive *a = *state;
	struct cpio_entry e;
	size_t offset = 0;

	emit_file(a, "f", "0123456789ab");
	patch_field(a, 0, FIELD_FILESIZE, "0000000c");
	patch_field(a, 0, FIELD_MODE, "000081a4");
	emit_trailer(a);
	const void *ar = reader_view(a, a->len);

	assert_int_equal(cpio_next(ar, a->len, &offset, &e), CPIO_ENTRY);
	assert_int_equal(e.size, 12);
	assert_int_equal(e.mode, 0100644);
}

static void cpio_next_reports_truncated_header(void **state)
{
	struct archive *a = *state;

	emit_file(a, "f", "data");
	size_t second = a->len;
	emit_trailer(a);

	for (size_t len = 0; len < HEADER_SIZE; len++) {
		size_t offset = 0;
		assert_next(reader_view(a, len), len, &offset,
			    CPIO_ERR_TRUNCATED);
	}
	for (size_t len = second; len < second + HEADER_SIZE; len++) {
		size_t offset = 0;
		const void *ar = reader_view(a, len);
		assert_next(ar, len, &offset, CPIO_ENTRY);
		assert_next(ar, len, &offset, CPIO_ERR_TRUNCATED);
	}
}

static void cpio_next_reports_truncated_name(void **state)
{
	struct archive *a = *state;

	emit_file(a, "a-long-file-name", "data");
	for (size_t len = HEADER_SIZE; len < HEADER_SIZE + 17; len++) {
		size_t offset = 0;
		assert_next(reader_view(a, len), len, &offset,
			    CPIO_ERR_TRUNCATED);
	}
}

static void cpio_next_reports_truncated_data(void **state)
{
	struct archive *a = *state;

	emit_file(a, "f", "0123456789");
	/* Data starts at 112 and is 10 bytes long. */
	for (size_t len = 112; len < 122; len++) {
		size_t offset = 0;
		assert_next(reader_view(a, len), len, &offset,
			    CPIO_ERR_TRUNCATED);
	}
	size_t offset = 0;
	assert_next(reader_view(a, 122), 122, &offset, CPIO_ENTRY);
}

static void cpio_next_reports_truncated_for_huge_file_size(void **state)
{
	struct archive *a = *state;
	size_t offset = 0;

	emit_file(a, "f", "data");
	patch_field(a, 0, FIELD_FILESIZE, "FFFFFFFF");
	emit_trailer(a);
	assert_next(reader_view(a, a->len), a->len, &offset,
		    CPIO_ERR_TRUNCATED);
}

static void cpio_next_reports_truncated_for_offset_past_end(void **state)
{
	struct archive *a = *state;
	size_t offset;

	emit_trailer(a);
	const void *ar = reader_view(a, a->len);
	offset = a->len;
	assert_next(ar, a->len, &offset, CPIO_ERR_TRUNCATED);
	offset = a->len + 1000;
	assert_next(ar, a->len, &offset, CPIO_ERR_TRUNCATED);
	offset = SIZE_MAX;
	assert_next(ar, a->len, &offset, CPIO_ERR_TRUNCATED);
}

static void cpio_next_reports_truncated_for_empty_archive(void **state)
{
	struct archive *a = *state;
	size_t offset = 0;

	assert_next(reader_view(a, 0), 0, &offset, CPIO_ERR_TRUNCATED);
	assert_next(NULL, 0, &offset, CPIO_ERR_TRUNCATED);
}

static void cpio_next_ends_archive_without_trailer_with_truncated(void **state)
{
	struct archive *a = *state;
	size_t offset = 0;

	emit_file(a, "one", "1");
	emit_file(a, "two", "22");
	const void *ar = reader_view(a, a->len);

	assert_next(ar, a->len, &offset, CPIO_ENTRY);
	assert_next(ar, a->len, &offset, CPIO_ENTRY);
	assert_int_equal(offset, a->len);
	assert_next(ar, a->len, &offset, CPIO_ERR_TRUNCATED);
}

static void
cpio_next_keeps_offset_inside_archive_when_last_data_is_unpadded(void **state)
{
	struct archive *a = *state;
	struct cpio_entry e;
	size_t offset = 0;

	emit_file(a, "f", "abcde");
	size_t len = 112 + 5; /* cut off the data's padding */
	const void *ar = reader_view(a, len);

	assert_int_equal(cpio_next(ar, len, &offset, &e), CPIO_ENTRY);
	assert_entry(&e, "f", MODE_FILE, "abcde");
	assert_int_equal(offset, len);
	assert_next(ar, len, &offset, CPIO_ERR_TRUNCATED);
}

static void cpio_next_rejects_other_magic(void **state)
{
	static const char *const magics[] = {"070707", "070702", "070700",
					     "170701", "\0\0\0\0\0\0"};
	struct archive *a = *state;

	emit_file(a, "f", "data");
	emit_trailer(a);
	for (size_t i = 0; i < sizeof(magics) / sizeof(magics[0]); i++) {
		size_t offset = 0;
		memcpy(a->bytes, magics[i], 6);
		assert_next(reader_view(a, a->len), a->len, &offset,
			    CPIO_ERR_MAGIC);
	}
}

static void cpio_next_rejects_non_hex_digits_in_fields_it_reads(void **state)
{
	static const int fields[] = {FIELD_MODE, FIELD_FILESIZE,
				     FIELD_NAMESIZE};
	static const char *const bad[] = {"0000000g", "-0000001", " 0000001",
					  "0x000001",
					  "000000\0"
					  "1"};
	struct archive *a = *state;

	emit_file(a, "f", "data");
	emit_trailer(a);
	for (size_t f = 0; f < sizeof(fields) / sizeof(fields[0]); f++) {
		for (size_t b = 0; b < sizeof(bad) / sizeof(bad[0]); b++) {
			size_t offset = 0;
			unsigned char saved[8];
			unsigned char *field = a->bytes + 6 + 8 * fields[f];

			memcpy(saved, field, 8);
			memcpy(field, bad[b], 8);
			assert_next(reader_view(a, a->len), a->len, &offset,
				    CPIO_ERR_FORMAT);
			memcpy(field, saved, 8);
		}
	}
}

static void cpio_next_rejects_zero_name_size(void **state)
{
	struct archive *a = *state;
	size_t offset = 0;

	emit_raw_entry(a, MODE_FILE, "", 0, 0, "data", 4);
	emit_trailer(a);
	assert_next(reader_view(a, a->len), a->len, &offset, CPIO_ERR_FORMAT);
}

static void cpio_next_rejects_name_size_above_limit(void **state)
{
	struct archive *a = *state;
	char name[CPIO_NAME_MAX + 1];
	size_t offset = 0;

	memset(name, 'n', sizeof(name));
	name[CPIO_NAME_MAX] = '\0';
	emit_raw_entry(a, MODE_FILE, name, CPIO_NAME_MAX + 1, CPIO_NAME_MAX + 1,
		       "d", 1);
	emit_trailer(a);
	assert_next(reader_view(a, a->len), a->len, &offset, CPIO_ERR_FORMAT);
	patch_field(a, 0, FIELD_NAMESIZE, "FFFFFFFF");
	offset = 0;
	assert_next(reader_view(a, a->len), a->len, &offset, CPIO_ERR_FORMAT);
}

static void cpio_next_accepts_name_of_maximum_size(void **state)
{
	struct archive *a = *state;
	char name[CPIO_NAME_MAX];
	struct cpio_entry e;
	size_t offset = 0;

	memset(name, 'n', sizeof(name));
	name[CPIO_NAME_MAX - 1] = '\0';
	emit_file(a, name, "d");
	emit_trailer(a);
	const void *ar = reader_view(a, a->len);
	assert_int_equal(cpio_next(ar, a->len, &offset, &e), CPIO_ENTRY);
	assert_int_equal(strlen(e.name), CPIO_NAME_MAX - 1);
}

static void cpio_next_rejects_name_without_terminating_nul(void **state)
{
	struct archive *a = *state;
	size_t offset = 0;

	emit_raw_entry(a, MODE_FILE, "abcd", 4, 4, "data", 4);
	emit_trailer(a);
	assert_next(reader_view(a, a->len), a->len, &offset, CPIO_ERR_FORMAT);
}

static void cpio_next_rejects_name_with_embedded_nul(void **state)
{
	struct archive *a = *state;
	size_t offset = 0;

	emit_raw_entry(a, MODE_FILE, "ab\0cd", 6, 6, "data", 4);
	emit_trailer(a);
	assert_next(reader_view(a, a->len), a->len, &offset, CPIO_ERR_FORMAT);
}

static void cpio_next_rejects_unterminated_name_at_end_of_archive(void **state)
{
	struct archive *a = *state;
	size_t offset = 0;

	/* The name fills the archive to its last byte, with no NUL. */
	emit_header(a, MODE_FILE, 0, 3);
	emit(a, "abc", 3);
	assert_next(reader_view(a, a->len), a->len, &offset, CPIO_ERR_FORMAT);
}

static void cpio_find_finds_regular_file_by_name(void **state)
{
	struct archive *a = *state;
	struct cpio_entry e;

	emit_dir(a, "bin");
	emit_file(a, "bin/init", "init-data");
	emit_file(a, "bin/sh", "sh-data");
	emit_trailer(a);
	const void *ar = reader_view(a, a->len);

	assert_int_equal(cpio_find(ar, a->len, "bin/sh", &e), CPIO_ENTRY);
	assert_entry(&e, "bin/sh", MODE_FILE, "sh-data");
	assert_int_equal(cpio_find(ar, a->len, "bin/init", &e), CPIO_ENTRY);
	assert_entry(&e, "bin/init", MODE_FILE, "init-data");
}

static void
cpio_find_ignores_dot_slash_and_slash_prefixes_on_both_sides(void **state)
{
	static const char *const stored[] = {"etc/motd", "./etc/motd",
					     "/etc/motd"};
	static const char *const asked[] = {"etc/motd", "./etc/motd",
					    "/etc/motd", "//etc/motd"};
	struct archive *a = *state;
	struct cpio_entry e;

	for (size_t s = 0; s < sizeof(stored) / sizeof(stored[0]); s++) {
		a->len = 0;
		emit_file(a, "etc/other", "no");
		emit_file(a, stored[s], "yes");
		emit_trailer(a);
		const void *ar = reader_view(a, a->len);
		for (size_t q = 0; q < sizeof(asked) / sizeof(asked[0]); q++) {
			assert_int_equal(cpio_find(ar, a->len, asked[q], &e),
					 CPIO_ENTRY);
			assert_entry(&e, stored[s], MODE_FILE, "yes");
		}
	}
}

static void cpio_find_matches_whole_names_only(void **state)
{
	struct archive *a = *state;
	struct cpio_entry e;

	emit_file(a, "bin/init", "x");
	emit_trailer(a);
	const void *ar = reader_view(a, a->len);

	assert_int_equal(cpio_find(ar, a->len, "bin/ini", &e), CPIO_END);
	assert_int_equal(cpio_find(ar, a->len, "bin/init2", &e), CPIO_END);
	assert_int_equal(cpio_find(ar, a->len, "init", &e), CPIO_END);
	assert_int_equal(cpio_find(ar, a->len, "bin", &e), CPIO_END);
}

static void cpio_find_skips_directories_with_the_same_name(void **state)
{
	struct archive *a = *state;
	struct cpio_entry e;

	emit_dir(a, "data");
	emit_entry(a, MODE_SYMLINK, "data", "target", 6);
	emit_file(a, "data", "file");
	emit_trailer(a);
	const void *ar = reader_view(a, a->len);

	assert_int_equal(cpio_find(ar, a->len, "data", &e), CPIO_ENTRY);
	assert_entry(&e, "data", MODE_FILE, "file");
}

static void cpio_find_returns_end_for_missing_file(void **state)
{
	struct archive *a = *state;
	struct cpio_entry e;

	emit_dir(a, "missing");
	emit_file(a, "present", "x");
	emit_trailer(a);
	const void *ar = reader_view(a, a->len);

	assert_int_equal(cpio_find(ar, a->len, "missing", &e), CPIO_END);
	assert_int_equal(cpio_find(ar, a->len, "absent", &e), CPIO_END);
}

static void cpio_find_reports_damage_before_the_file(void **state)
{
	struct archive *a = *state;
	struct cpio_entry e;

	emit_file(a, "first", "1");
	size_t second = a->len;
	emit_file(a, "wanted", "2");
	emit_trailer(a);
	a->bytes[second] = 'X';
	assert_int_equal(
	    cpio_find(reader_view(a, a->len), a->len, "wanted", &e),
	    CPIO_ERR_MAGIC);
	assert_int_equal(
	    cpio_find(reader_view(a, second), second, "wanted", &e),
	    CPIO_ERR_TRUNCATED);
}

static void cpio_first_file_skips_directories_and_links(void **state)
{
	struct archive *a = *state;
	struct cpio_entry e;

	emit_dir(a, ".");
	emit_dir(a, "bin");
	emit_entry(a, MODE_SYMLINK, "bin/sh", "init", 4);
	emit_file(a, "bin/init", "elf");
	emit_file(a, "bin/other", "elf2");
	emit_trailer(a);

	assert_int_equal(cpio_first_file(reader_view(a, a->len), a->len, &e),
			 CPIO_ENTRY);
	assert_entry(&e, "bin/init", MODE_FILE, "elf");
}

static void cpio_first_file_returns_end_when_archive_has_no_file(void **state)
{
	struct archive *a = *state;
	struct cpio_entry e;

	emit_dir(a, "bin");
	emit_trailer(a);
	assert_int_equal(cpio_first_file(reader_view(a, a->len), a->len, &e),
			 CPIO_END);
}

static void cpio_first_file_reports_truncated_archive_without_file(void **state)
{
	struct archive *a = *state;
	struct cpio_entry e;

	emit_dir(a, "bin");
	assert_int_equal(cpio_first_file(reader_view(a, a->len), a->len, &e),
			 CPIO_ERR_TRUNCATED);
}

#ifdef UK_CPIO_FIXTURE
static void cpio_reads_archive_written_by_the_cpio_tool(void **state)
{
	struct archive *a = *state;
	struct cpio_entry e;
	size_t offset = 0;
	int entries = 0, rc;
	FILE *f = fopen(UK_CPIO_FIXTURE, "rb");

	if (!f)
		fail_msg("cannot open %s", UK_CPIO_FIXTURE);
	a->len = fread(a->bytes, 1, sizeof(a->bytes), f);
	assert_true(feof(f));
	fclose(f);
	const void *ar = reader_view(a, a->len);

	while ((rc = cpio_next(ar, a->len, &offset, &e)) == CPIO_ENTRY)
		entries++;
	assert_int_equal(rc, CPIO_END);
	/* GNU cpio drops the "./" that find printed: ".", "bin",
	 * "bin/init", "empty", "etc", "etc/motd". */
	assert_int_equal(entries, 6);

	assert_int_equal(cpio_first_file(ar, a->len, &e), CPIO_ENTRY);
	assert_entry(&e, "bin/init", e.mode, "init program text\n");
	assert_int_equal(e.mode & CPIO_MODE_TYPE, CPIO_MODE_REGULAR);
	assert_int_equal(cpio_find(ar, a->len, "/etc/motd", &e), CPIO_ENTRY);
	assert_entry(&e, "etc/motd", e.mode,
		     "hello from a real cpio archive\n");
	assert_int_equal(cpio_find(ar, a->len, "empty", &e), CPIO_ENTRY);
	assert_int_equal(e.size, 0);
	assert_int_equal(cpio_find(ar, a->len, "etc", &e), CPIO_END);
}
#else
static void cpio_reads_archive_written_by_the_cpio_tool(void **state)
{
	skip(); /* the build found no cpio tool */
}
#endif

static uint64_t rng_state = 0xda942042e4dd58b5ull;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void cpio_reader_survives_random_mutations(void **state)
{
	static const char hexish[] = "0123456789abcdefABCDEFg \0\xff";
	struct archive *a = *state;
	struct archive *good = malloc(sizeof(*good));

	assert_non_null(good);
	emit_dir(a, ".");
	emit_file(a, "./bin/init", "init program");
	emit_file(a, "empty", "");
	emit_file(a, "etc/motd", "hello\n");
	emit_trailer(a);
	memcpy(good, a, sizeof(*good));
	good->copy = NULL;

	for (int iter = 0; iter < 5000; iter++) {
		uint64_t r = rng();
		size_t len = good->len;
		int changes = 1 + (int)(r % 3);

		memcpy(a->bytes, good->bytes, good->len);
		for (int c = 0; c < changes; c++) {
			uint64_t m = rng();
			size_t at = (m >> 8) % good->len;
			if (m % 4 == 0)
				len = (m >> 24) % (good->len + 1);
			else if (m % 4 == 1)
				a->bytes[at] = (unsigned char)(m >> 40);
			else
				a->bytes[at] = (unsigned char)
				    hexish[(m >> 40) % (sizeof(hexish) - 1)];
		}
		const unsigned char *ar = reader_view(a, len);
		size_t offset = 0, prev = 0;
		struct cpio_entry e;
		int rc, steps = 0;

		while ((rc = cpio_next(ar, len, &offset, &e)) == CPIO_ENTRY) {
			const unsigned char *name =
			    (const unsigned char *)e.name;
			const unsigned char *data = e.data;
			assert_true(name >= ar && name < ar + len);
			assert_true(strlen(e.name) < CPIO_NAME_MAX);
			assert_true(data >= ar && data <= ar + len);
			assert_true(e.size <= (uint64_t)(ar + len - data));
			assert_true(offset > prev && offset <= len);
			prev = offset;
			assert_true(++steps < 100);
		}
		assert_true(rc == CPIO_END || rc < 0);
		rc = cpio_find(ar, len, "etc/motd", &e);
		assert_true(rc == CPIO_ENTRY || rc == CPIO_END || rc < 0);
		rc = cpio_first_file(ar, len, &e);
		assert_true(rc == CPIO_ENTRY || rc == CPIO_END || rc < 0);
	}
	free(good);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(cpio_next_iterates_entries_in_archive_order_then_reports_end),
	    T(cpio_next_points_name_and_data_into_the_archive),
	    T(cpio_next_aligns_data_for_every_name_and_data_length),
	    T(cpio_next_returns_zero_length_file),
	    T(cpio_next_reports_end_at_trailer_despite_padding_after_it),
	    T(cpio_next_accepts_upper_and_lower_case_hex),
	    T(cpio_next_reports_truncated_header),
	    T(cpio_next_reports_truncated_name),
	    T(cpio_next_reports_truncated_data),
	    T(cpio_next_reports_truncated_for_huge_file_size),
	    T(cpio_next_reports_truncated_for_offset_past_end),
	    T(cpio_next_reports_truncated_for_empty_archive),
	    T(cpio_next_ends_archive_without_trailer_with_truncated),
	    T(cpio_next_keeps_offset_inside_archive_when_last_data_is_unpadded),
	    T(cpio_next_rejects_other_magic),
	    T(cpio_next_rejects_non_hex_digits_in_fields_it_reads),
	    T(cpio_next_rejects_zero_name_size),
	    T(cpio_next_rejects_name_size_above_limit),
	    T(cpio_next_accepts_name_of_maximum_size),
	    T(cpio_next_rejects_name_without_terminating_nul),
	    T(cpio_next_rejects_name_with_embedded_nul),
	    T(cpio_next_rejects_unterminated_name_at_end_of_archive),
	    T(cpio_find_finds_regular_file_by_name),
	    T(cpio_find_ignores_dot_slash_and_slash_prefixes_on_both_sides),
	    T(cpio_find_matches_whole_names_only),
	    T(cpio_find_skips_directories_with_the_same_name),
	    T(cpio_find_returns_end_for_missing_file),
	    T(cpio_find_reports_damage_before_the_file),
	    T(cpio_first_file_skips_directories_and_links),
	    T(cpio_first_file_returns_end_when_archive_has_no_file),
	    T(cpio_first_file_reports_truncated_archive_without_file),
	    T(cpio_reads_archive_written_by_the_cpio_tool),
	    T(cpio_reader_survives_random_mutations),
	};

	return cmocka_run_group_tests_name("cpio", tests, NULL, NULL);
}
