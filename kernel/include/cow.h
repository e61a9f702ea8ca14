/* SPDX-License-Identifier: MIT */
/*
 * Copy-on-write frames (docs/MEMORY.md, "Copy-on-write"). A user frame
 * may have several holders: mappings in address spaces (marked
 * copy-on-write, read-only) and out-of-line regions in flight. Each
 * holder has one page charged to its account, as if it had a copy; the
 * frame exists once. The table counts the holders beyond the first, so a
 * frame nobody shares costs nothing here, and a write to a shared frame
 * gives the writer its own copy (paid by the charge it already has).
 */
#ifndef KERNEL_COW_H
#define KERNEL_COW_H

#include <stdbool.h>
#include <stdint.h>

struct account;

/* The table for nframes frames (boot): false if it cannot be had (then
 * cow_share always fails and out-of-line COPY copies). */
bool cow_init(uint64_t nframes);
/* One more holder of pa: false (nothing changed) at the count's limit. */
bool cow_share(uint64_t pa);
/* Does pa have another holder? */
bool cow_shared(uint64_t pa);
/* A holder lets go of pa: the frame is freed when it was the last. */
void cow_drop(uint64_t pa);
/* The same, and the holder's page is uncharged from a. */
void cow_release(struct account *a, uint64_t pa);

#endif
