/* SPDX-License-Identifier: MIT */
/* Offsets into struct trap_frame for assembly; checked in trap.c. */
#ifndef ARCH_TRAP_FRAME_OFFSETS_H
#define ARCH_TRAP_FRAME_OFFSETS_H

#define TF_RAX (14 * 8)
#define TF_VECTOR (15 * 8)
#define TF_RIP (17 * 8)
#define TF_CS (18 * 8)
#define TF_RFLAGS (19 * 8)
#define TF_RSP (20 * 8)

#endif
