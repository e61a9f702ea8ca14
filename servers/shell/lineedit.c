/* SPDX-License-Identifier: MIT */
/* The shell's line editor (lineedit.h). */
#include "lineedit.h"

#include <fmt.h>
#include <string.h>

#define CTRL(c) ((c) & 0x1f)
#define ESC 0x1b
#define DEL 0x7f

static void emit(struct lineedit *le, const char *s, size_t n)
{
	if (n)
		le->emit(le->ctx, s, n);
}

static void emit_str(struct lineedit *le, const char *s)
{
	emit(le, s, strlen(s));
}

/* Cursor movement within the line; a count of 0 sends nothing, since
 * terminals read ESC [ 0 D as one step. */
static void move(struct lineedit *le, unsigned n, char dir)
{
	if (n) {
		char buf[16];
		int k = snprintf(buf, sizeof(buf), "\x1b[%u%c", n, dir);
		emit(le, buf, (size_t)k);
	}
}

/* Redraw the whole line; the terminal cursor is at column old_cur of it. */
static void refresh(struct lineedit *le, unsigned old_cur)
{
	move(le, old_cur, 'D');
	emit(le, le->line, le->len);
	emit_str(le, "\x1b[K");
	move(le, le->len - le->cur, 'D');
}

static void set_line(struct lineedit *le, const char *s)
{
	unsigned old = le->cur;

	strlcpy(le->line, s, sizeof(le->line));
	le->len = (unsigned)strlen(le->line);
	le->cur = le->len;
	refresh(le, old);
}

void le_init(struct lineedit *le, void (*emit_fn)(void *ctx, const char *s, size_t n),
	     void *ctx)
{
	memset(le, 0, sizeof(*le));
	le->emit = emit_fn;
	le->ctx = ctx;
	le->hist_pos = -1;
}

void le_begin(struct lineedit *le)
{
	le->line[0] = '\0';
	le->len = le->cur = 0;
	le->esc = 0;
	le->hist_pos = -1;
}

const char *le_history(const struct lineedit *le, unsigned n)
{
	if (n < 1 || n > le->hist_count)
		return NULL;
	return le->history[(le->hist_next + LE_HISTORY - n) % LE_HISTORY];
}

static void history_add(struct lineedit *le)
{
	const char *last = le_history(le, 1);

	if (le->len == 0 || (last && !strcmp(last, le->line)))
		return;
	strlcpy(le->history[le->hist_next], le->line, LE_LINE_MAX);
	le->hist_next = (le->hist_next + 1) % LE_HISTORY;
	if (le->hist_count < LE_HISTORY)
		le->hist_count++;
}

static void insert(struct lineedit *le, char c)
{
	if (le->len + 1 >= LE_LINE_MAX) {
		emit_str(le, "\a");
		return;
	}
	memmove(le->line + le->cur + 1, le->line + le->cur, le->len - le->cur + 1);
	le->line[le->cur] = c;
	le->len++;
	le->cur++;
	/* The rest of the line shifts right by one; the cursor goes back. */
	emit(le, le->line + le->cur - 1, le->len - le->cur + 1);
	move(le, le->len - le->cur, 'D');
}

/* Remove n bytes at position at (the cursor moves to at). */
static void erase(struct lineedit *le, unsigned at, unsigned n)
{
	unsigned old = le->cur;

	if (n == 0)
		return;
	memmove(le->line + at, le->line + at + n, le->len - at - n + 1);
	le->len -= n;
	le->cur = at;
	if (old == le->len + n && at + n == old && n == 1) {
		emit_str(le, "\b \b"); /* the common case: at the end */
		return;
	}
	refresh(le, old);
}

static void cursor_to(struct lineedit *le, unsigned pos)
{
	if (pos < le->cur)
		move(le, le->cur - pos, 'D');
	else
		move(le, pos - le->cur, 'C');
	le->cur = pos;
}

static void history_step(struct lineedit *le, int dir)
{
	if (dir > 0) { /* older */
		if (le->hist_pos + 1 >= (int)le->hist_count)
			return;
		if (le->hist_pos < 0)
			strlcpy(le->saved, le->line, sizeof(le->saved));
		le->hist_pos++;
		set_line(le, le_history(le, (unsigned)le->hist_pos + 1));
	} else { /* newer */
		if (le->hist_pos < 0)
			return;
		le->hist_pos--;
		set_line(le, le->hist_pos < 0 ? le->saved
					      : le_history(le, (unsigned)le->hist_pos + 1));
	}
}

static void key(struct lineedit *le, char k)
{
	switch (k) {
	case 'A': history_step(le, 1); break;
	case 'B': history_step(le, -1); break;
	case 'C': if (le->cur < le->len) cursor_to(le, le->cur + 1); break;
	case 'D': if (le->cur > 0) cursor_to(le, le->cur - 1); break;
	case 'H': cursor_to(le, 0); break;
	case 'F': cursor_to(le, le->len); break;
	case 'X': if (le->cur < le->len) erase(le, le->cur, 1); break; /* Delete */
	default: break;
	}
}

/* The final byte of ESC [ params final. */
static void csi(struct lineedit *le, char final)
{
	le->esc_param[le->esc_len] = '\0';
	if (final != '~') {
		key(le, final);
		return;
	}
	if (!strcmp(le->esc_param, "1") || !strcmp(le->esc_param, "7"))
		key(le, 'H');
	else if (!strcmp(le->esc_param, "4") || !strcmp(le->esc_param, "8"))
		key(le, 'F');
	else if (!strcmp(le->esc_param, "3"))
		key(le, 'X');
}

static enum le_result enter(struct lineedit *le)
{
	emit_str(le, "\r\n");
	history_add(le);
	le->hist_pos = -1;
	return LE_LINE;
}

enum le_result le_feed(struct lineedit *le, unsigned char c)
{
	bool after_cr = le->after_cr;

	le->after_cr = false;
	if (le->esc == 1) {
		if (c == '[') {
			le->esc = 2;
			le->esc_len = 0;
			return LE_MORE;
		}
		if (c == 'O') {
			le->esc = 3;
			return LE_MORE;
		}
		le->esc = 0; /* a lone ESC: dropped, the byte counts */
	} else if (le->esc == 2) {
		if ((c >= '0' && c <= '9') || c == ';') {
			if (le->esc_len + 1 < sizeof(le->esc_param))
				le->esc_param[le->esc_len++] = (char)c;
			return LE_MORE;
		}
		le->esc = 0;
		if (c >= 0x40 && c <= 0x7e)
			csi(le, (char)c);
		return LE_MORE;
	} else if (le->esc == 3) {
		le->esc = 0;
		key(le, (char)c);
		return LE_MORE;
	}
	if (c >= 0x20 && c < DEL) {
		insert(le, (char)c);
		return LE_MORE;
	}
	switch (c) {
	case '\r':
		le->after_cr = true;
		return enter(le);
	case '\n':
		return after_cr ? LE_MORE : enter(le);
	case ESC:
		le->esc = 1;
		return LE_MORE;
	case '\b':
	case DEL:
		if (le->cur > 0)
			erase(le, le->cur - 1, 1);
		return LE_MORE;
	case CTRL('C'):
		emit_str(le, "^C\r\n");
		le->line[0] = '\0';
		le->len = le->cur = 0;
		le->hist_pos = -1;
		return LE_CANCEL;
	case CTRL('D'):
		if (le->len == 0)
			return LE_EOF;
		key(le, 'X');
		return LE_MORE;
	case CTRL('U'):
		erase(le, 0, le->cur);
		return LE_MORE;
	case CTRL('K'):
		erase(le, le->cur, le->len - le->cur);
		return LE_MORE;
	case CTRL('A'): key(le, 'H'); return LE_MORE;
	case CTRL('E'): key(le, 'F'); return LE_MORE;
	case CTRL('B'): key(le, 'D'); return LE_MORE;
	case CTRL('F'): key(le, 'C'); return LE_MORE;
	default:
		return LE_MORE; /* other control bytes mean nothing here */
	}
}
