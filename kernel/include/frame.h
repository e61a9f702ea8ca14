/* SPDX-License-Identifier: MIT */
/*
 * Physical frame allocator: one bit per 4 KiB frame (1 = in use), built
 * from the boot memory map. Pure logic over caller-provided storage so host
 * tests drive it directly. Not thread-safe; the kernel is non-preemptible.
 */
#ifndef KERNEL_FRAME_H
#define KERNEL_FRAME_H

#include <stdbool.h>
#include <stdint.h>

#define FRAME_SIZE 4096u
#define FRAME_SHIFT 12

struct frame_allocator {
	uint64_t *bitmap;  /* nframes bits */
	uint64_t nframes;  /* frames covered: physical [0, nframes * 4 KiB) */
	uint64_t total;	   /* frames ever made available */
	uint64_t free;	   /* frames currently free */
	uint64_t hint;	   /* word index where the next search starts */
};

/* Start with every frame in use; then add_range what the memory map offers
 * and reserve_range what the kernel, modules and firmware occupy. */
void frame_init(struct frame_allocator *fa, uint64_t *bitmap, uint64_t nframes);

/* Make the whole frames inside [start, end) available. Ranges past nframes
 * are clipped. */
void frame_add_range(struct frame_allocator *fa, uint64_t start, uint64_t end);

/* Take every frame touching [start, end) out of use. */
void frame_reserve_range(struct frame_allocator *fa, uint64_t start,
			 uint64_t end);

/* Allocate one frame; returns false when none is free. */
bool frame_alloc(struct frame_allocator *fa, uint64_t *phys);

/* Allocate count physically contiguous frames aligned to align_frames
 * (a power of two); returns false when no such run exists. */
bool frame_alloc_contiguous(struct frame_allocator *fa, uint64_t count,
			    uint64_t align_frames, uint64_t *phys);

/* Free a frame. Returns false (and changes nothing) for an unaligned,
 * out-of-range or already free frame: a double free is a kernel bug the
 * caller reports. */
bool frame_free(struct frame_allocator *fa, uint64_t phys);

bool frame_is_free(const struct frame_allocator *fa, uint64_t phys);

#endif
