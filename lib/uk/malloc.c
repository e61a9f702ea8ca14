/* SPDX-License-Identifier: MIT */
/*
 * A small first-fit allocator over vm_allocate. Blocks carry a 16-byte
 * header (size, free flag); freed blocks are merged with a free successor.
 * Large requests get their own region.
 */
#include <string.h>
#include <ulib.h>

struct block {
	uint64_t size; /* payload bytes */
	uint64_t free;
	struct block *next;
	uint64_t pad;
};

#define ARENA_SIZE (256 * 1024)
static struct block *blocks;

static struct block *grow(size_t need)
{
	size_t size = need + sizeof(struct block) > ARENA_SIZE
			      ? need + sizeof(struct block)
			      : ARENA_SIZE;
	long addr = uk_vm_allocate(size, UK_VM_READ | UK_VM_WRITE);

	if (addr <= 0)
		return NULL;
	struct block *b = (struct block *)addr;
	b->size = ((size + 4095) & ~(size_t)4095) - sizeof(struct block);
	b->free = 1;
	b->next = blocks;
	blocks = b;
	return b;
}

void *malloc(size_t size)
{
	struct block *b;

	if (size == 0 || size > (1ull << 40))
		return NULL;
	size = (size + 15) & ~(size_t)15;
	for (b = blocks; b; b = b->next)
		if (b->free && b->size >= size)
			break;
	if (!b && !(b = grow(size)))
		return NULL;
	if (b->size >= size + sizeof(struct block) + 16) {
		struct block *rest = (struct block *)((char *)(b + 1) + size);
		rest->size = b->size - size - sizeof(struct block);
		rest->free = 1;
		rest->next = b->next;
		b->next = rest;
		b->size = size;
	}
	b->free = 0;
	return b + 1;
}

void *calloc(size_t n, size_t size)
{
	if (size && n > (size_t)-1 / size)
		return NULL;
	void *p = malloc(n * size);
	if (p)
		memset(p, 0, n * size);
	return p;
}

void free(void *p)
{
	if (!p)
		return;
	struct block *b = (struct block *)p - 1;
	b->free = 1;
	struct block *n = b->next;
	if (n && n->free && (char *)(b + 1) + b->size == (char *)n) {
		b->size += sizeof(struct block) + n->size;
		b->next = n->next;
	}
}

void *realloc(void *p, size_t size)
{
	if (!p)
		return malloc(size);
	if (size == 0) {
		free(p);
		return NULL;
	}
	struct block *b = (struct block *)p - 1;
	if (b->size >= size)
		return p;
	void *n = malloc(size);
	if (n) {
		memcpy(n, p, b->size);
		free(p);
	}
	return n;
}

char *strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = malloc(n);

	if (d)
		memcpy(d, s, n);
	return d;
}
