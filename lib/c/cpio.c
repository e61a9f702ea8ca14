/* SPDX-License-Identifier: MIT */
/*
 * cpio newc reader. Layout of one entry: a 110-byte ASCII header ("070701"
 * then 13 eight-digit hex fields), the name (namesize bytes including its
 * NUL) padded so the data starts on a 4-byte boundary, then filesize bytes of
 * data padded to 4. Offsets are checked before every access.
 */
#include <cpio.h>
#include <string.h>

#define HEADER_SIZE 110
#define FIELD_MODE 1
#define FIELD_FILESIZE 6
#define FIELD_NAMESIZE 11

static int hex_field(const char *p, uint32_t *out)
{
	uint32_t v = 0;

	for (int i = 0; i < 8; i++) {
		char c = p[i];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (uint32_t)(c - 'A' + 10);
		else
			return CPIO_ERR_FORMAT;
	}
	*out = v;
	return 0;
}

static size_t align4(size_t v)
{
	return (v + 3) & ~(size_t)3;
}

int cpio_next(const void *archive, size_t len, size_t *offset,
	      struct cpio_entry *entry)
{
	const char *base = archive;
	size_t at = *offset;
	uint32_t mode, filesize, namesize;

	if (at > len || len - at < HEADER_SIZE)
		return CPIO_ERR_TRUNCATED;
	const char *h = base + at;
	if (memcmp(h, "070701", 6) != 0)
		return CPIO_ERR_MAGIC;
	if (hex_field(h + 6 + 8 * FIELD_MODE, &mode) ||
	    hex_field(h + 6 + 8 * FIELD_FILESIZE, &filesize) ||
	    hex_field(h + 6 + 8 * FIELD_NAMESIZE, &namesize))
		return CPIO_ERR_FORMAT;
	if (namesize == 0 || namesize > CPIO_NAME_MAX)
		return CPIO_ERR_FORMAT;

	size_t name_at = at + HEADER_SIZE;
	if (len - name_at < namesize)
		return CPIO_ERR_TRUNCATED;
	const char *name = base + name_at;
	if (name[namesize - 1] != '\0' || strlen(name) != namesize - 1)
		return CPIO_ERR_FORMAT;

	size_t data_at = align4(name_at + namesize);
	if (data_at > len || len - data_at < filesize)
		return CPIO_ERR_TRUNCATED;

	if (strcmp(name, "TRAILER!!!") == 0) {
		*offset = data_at;
		return CPIO_END;
	}
	entry->name = name;
	entry->data = base + data_at;
	entry->size = filesize;
	entry->mode = mode;
	*offset = align4(data_at + filesize);
	if (*offset > len)
		*offset = len;
	return CPIO_ENTRY;
}

static const char *strip_prefix(const char *name)
{
	if (name[0] == '.' && name[1] == '/')
		name += 2;
	while (*name == '/')
		name++;
	return name;
}

int cpio_find(const void *archive, size_t len, const char *name,
	      struct cpio_entry *entry)
{
	size_t offset = 0;
	int rc;

	name = strip_prefix(name);
	while ((rc = cpio_next(archive, len, &offset, entry)) == CPIO_ENTRY) {
		if ((entry->mode & CPIO_MODE_TYPE) == CPIO_MODE_REGULAR &&
		    strcmp(strip_prefix(entry->name), name) == 0)
			return CPIO_ENTRY;
	}
	return rc;
}

int cpio_first_file(const void *archive, size_t len, struct cpio_entry *entry)
{
	size_t offset = 0;
	int rc;

	while ((rc = cpio_next(archive, len, &offset, entry)) == CPIO_ENTRY)
		if ((entry->mode & CPIO_MODE_TYPE) == CPIO_MODE_REGULAR)
			return CPIO_ENTRY;
	return rc;
}
