/* SPDX-License-Identifier: MIT */
/*
 * The shell's line editor: raw bytes from a terminal in, the edited line
 * and the terminal output (echo, cursor movement) out. It does no I/O of
 * its own: bytes go in through le_feed and come out through the emit
 * callback, so the host unit tests drive it with scripted keys.
 *
 * Keys: printable ASCII inserts at the cursor; Backspace (0x08) and DEL
 * (0x7f) erase before the cursor, Delete (ESC [ 3 ~) and Ctrl-D under
 * it; Left/Right (ESC [ D / C, Ctrl-B / Ctrl-F), Home/End (ESC [ H / F,
 * ESC [ 1 ~ / 4 ~, ESC [ 7 ~ / 8 ~, ESC O H / F, Ctrl-A / Ctrl-E); Ctrl-U
 * kills to the start of the line, Ctrl-K to its end; Up/Down walk the
 * history; Enter (CR, LF, or CR LF counted once) ends the line; Ctrl-C
 * cancels it; Ctrl-D on an empty line is end of input. Other control
 * bytes and unknown escape sequences are ignored.
 *
 * The terminal is assumed to be at the cursor column of the line being
 * edited after le_begin; output only moves within the line (ESC [ n D/C,
 * ESC [ K), so the prompt before it is left alone.
 */
#ifndef LINEEDIT_H
#define LINEEDIT_H

#include <stdbool.h>
#include <stddef.h>

#define LE_LINE_MAX 256	 /* bytes of a line, NUL included */
#define LE_HISTORY 32	 /* lines kept */

enum le_result {
	LE_MORE = 0,	/* keep feeding */
	LE_LINE = 1,	/* a line is ready in le->line */
	LE_CANCEL = 2,	/* Ctrl-C: the line was dropped */
	LE_EOF = 3,	/* Ctrl-D on an empty line */
};

struct lineedit {
	char line[LE_LINE_MAX]; /* the line being edited, NUL-terminated */
	unsigned len, cur;	/* length and cursor position */
	/* Escape sequence being read: 0 none, 1 after ESC, 2 in CSI, 3 SS3. */
	int esc;
	char esc_param[8];
	unsigned esc_len;
	bool after_cr; /* a LF right after CR is the same Enter */
	char history[LE_HISTORY][LE_LINE_MAX];
	unsigned hist_count, hist_next; /* entries kept; slot of the next */
	int hist_pos;		/* -1: editing a new line, else steps back */
	char saved[LE_LINE_MAX]; /* the new line while browsing history */
	void (*emit)(void *ctx, const char *s, size_t n);
	void *ctx;
};

void le_init(struct lineedit *le, void (*emit)(void *ctx, const char *s, size_t n),
	     void *ctx);
/* Start a new, empty line (after the prompt was written). */
void le_begin(struct lineedit *le);
/* One byte of input; see enum le_result. */
enum le_result le_feed(struct lineedit *le, unsigned char c);
/* The history entry n steps back (1: the latest), or NULL. */
const char *le_history(const struct lineedit *le, unsigned n);

#endif
