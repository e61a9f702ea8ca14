/* SPDX-License-Identifier: MIT */
/*
 * The shell's line editor (servers/shell/lineedit.c), fed scripted keys.
 * Its output goes into a small model of a terminal (printable bytes,
 * BS, CR, LF, ESC [ n C/D, ESC [ K, BEL), so each test checks both the
 * line the editor returns and what a person would see on the screen,
 * cursor column included.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lineedit.h"

#define COLS 400

struct term {
	char row[COLS + 1];   /* the current screen row */
	char last[COLS + 1];  /* the row before the last line feed */
	int col;
	int bells, lines;
	int esc;	      /* 0, 1 after ESC, 2 in CSI */
	int param;
	bool bad;	      /* a sequence the model does not know */
};

static struct term term;
static struct lineedit le;

static void term_byte(struct term *t, char c)
{
	if (t->esc == 1) {
		t->esc = c == '[' ? 2 : 0;
		t->param = 0;
		if (c != '[')
			t->bad = true;
		return;
	}
	if (t->esc == 2) {
		if (c >= '0' && c <= '9') {
			t->param = t->param * 10 + (c - '0');
			return;
		}
		t->esc = 0;
		int n = t->param ? t->param : 1;
		if (c == 'D')
			t->col -= n;
		else if (c == 'C')
			t->col += n;
		else if (c == 'K')
			memset(t->row + t->col, ' ', (size_t)(COLS - t->col));
		else
			t->bad = true;
		if (t->param == 0 && (c == 'D' || c == 'C'))
			t->bad = true; /* the editor never sends a count of 0 */
		if (t->col < 0 || t->col > COLS)
			t->bad = true;
		return;
	}
	switch (c) {
	case 0x1b: t->esc = 1; break;
	case '\a': t->bells++; break;
	case '\b': t->col--; break;
	case '\r': t->col = 0; break;
	case '\n':
		memcpy(t->last, t->row, sizeof(t->row));
		memset(t->row, ' ', COLS);
		t->lines++;
		break;
	default:
		if (c < 0x20 || c >= 0x7f || t->col >= COLS)
			t->bad = true;
		else
			t->row[t->col++] = c;
	}
	if (t->col < 0)
		t->bad = true;
}

static void emit(void *ctx, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		term_byte(&term, s[i]);
}

/* The screen row without trailing blanks. */
static const char *shown(const char *row)
{
	static char buf[COLS + 1];
	size_t n = COLS;

	memcpy(buf, row, COLS);
	while (n && buf[n - 1] == ' ')
		n--;
	buf[n] = '\0';
	return buf;
}

static int setup(void **state)
{
	memset(&term, 0, sizeof(term));
	memset(term.row, ' ', COLS);
	memset(term.last, ' ', COLS);
	le_init(&le, emit, NULL);
	le_begin(&le);
	return 0;
}

/* Feed keys; returns the result of the last byte. */
static enum le_result keys(const char *s)
{
	enum le_result r = LE_MORE;

	for (; *s; s++)
		r = le_feed(&le, (unsigned char)*s);
	return r;
}

/* The line on screen and the cursor agree with the editor's state. */
static void screen_is(const char *text, unsigned cur)
{
	size_t n = strlen(text);

	assert_false(term.bad);
	/* The row is the text, then blanks only. */
	assert_memory_equal(term.row, text, n);
	assert_true(strspn(term.row + n, " ") == COLS - n);
	assert_string_equal(le.line, text);
	assert_int_equal(le.cur, cur);
	assert_int_equal(term.col, (int)cur);
}

static void typing_echoes_and_enter_returns_the_line(void **state)
{
	assert_int_equal(keys("echo hi"), LE_MORE);
	screen_is("echo hi", 7);
	assert_int_equal(keys("\r"), LE_LINE);
	assert_string_equal(le.line, "echo hi");
	assert_string_equal(shown(term.last), "echo hi");
	assert_int_equal(term.col, 0);
	assert_int_equal(term.lines, 1);
}

static void cr_lf_is_one_enter_and_lf_alone_is_one(void **state)
{
	assert_int_equal(keys("a\r"), LE_LINE);
	le_begin(&le);
	assert_int_equal(keys("\n"), LE_MORE); /* the LF of CR LF */
	assert_int_equal(keys("b\n"), LE_LINE);
	assert_string_equal(le.line, "b");
	le_begin(&le);
	assert_int_equal(keys("\n"), LE_LINE); /* a second LF is an Enter */
	assert_string_equal(le.line, "");
}

static void backspace_and_del_erase_before_the_cursor(void **state)
{
	keys("abcd\x7f\b");
	screen_is("ab", 2);
	keys("\x1b[D\x7f"); /* in the middle */
	screen_is("b", 0);
	keys("\x7f\b"); /* at the start: nothing */
	screen_is("b", 0);
}

static void arrows_move_and_insert_in_the_middle(void **state)
{
	keys("echo fur\x1b[D\x1b[Do");
	screen_is("echo four", 7);
	keys("\x1b[C\x1b[C\x1b[C"); /* past the end: stays at the end */
	screen_is("echo four", 9);
	keys("\x1bOD\x02X\x06"); /* SS3 left, Ctrl-B, X, Ctrl-F */
	screen_is("echo foXur", 9);
}

static void home_and_end_in_every_form(void **state)
{
	static const char *const home[] = { "\x1b[H", "\x1b[1~", "\x1b[7~", "\x1bOH", "\x01" };
	static const char *const end[] = { "\x1b[F", "\x1b[4~", "\x1b[8~", "\x1bOF", "\x05" };

	keys("middle");
	for (unsigned i = 0; i < 5; i++) {
		keys(home[i]);
		screen_is("middle", 0);
		keys(end[i]);
		screen_is("middle", 6);
	}
	keys("\x1b[H>");
	screen_is(">middle", 1);
}

static void delete_key_and_ctrl_d_erase_under_the_cursor(void **state)
{
	keys("abcd\x1b[H\x1b[3~");
	screen_is("bcd", 0);
	keys("\x04");
	screen_is("cd", 0);
	keys("\x1b[F\x1b[3~\x04"); /* at the end: nothing */
	screen_is("cd", 2);
}

static void ctrl_u_and_ctrl_k_kill(void **state)
{
	keys("one two three\x1b[D\x1b[D\x1b[D\x1b[D\x1b[D\x0b");
	screen_is("one two ", 8);
	keys("\x1b[D\x1b[D\x15");
	screen_is("o ", 0);
	keys("\x1b[F\x15");
	screen_is("", 0);
}

static void ctrl_c_drops_the_line(void **state)
{
	assert_int_equal(keys("rm everything\x03"), LE_CANCEL);
	assert_string_equal(le.line, "");
	assert_string_equal(shown(term.last), "rm everything^C");
	assert_null(le_history(&le, 1));
}

static void ctrl_d_on_an_empty_line_is_end_of_input(void **state)
{
	assert_int_equal(keys("\x04"), LE_EOF);
	assert_int_equal(keys("x\x1b[D\x04\x04"), LE_EOF); /* emptied first */
}

static void history_walks_back_and_restores_the_new_line(void **state)
{
	keys("first\r");
	le_begin(&le);
	keys("second\r");
	le_begin(&le);
	keys("second\r"); /* a repeat is kept once */
	le_begin(&le);
	keys("\r"); /* an empty line is not kept */
	le_begin(&le);
	assert_string_equal(le_history(&le, 1), "second");
	assert_string_equal(le_history(&le, 2), "first");
	assert_null(le_history(&le, 3));
	memset(term.row, ' ', COLS);
	term.col = 0;
	keys("typing");
	keys("\x1b[A");
	screen_is("second", 6);
	keys("\x1b[A");
	screen_is("first", 5);
	keys("\x1b[A"); /* nothing older */
	screen_is("first", 5);
	keys("\x1b[B");
	screen_is("second", 6);
	keys("\x1b[B");
	screen_is("typing", 6);
	keys("\x1b[B"); /* nothing newer */
	screen_is("typing", 6);
	keys("\x1b[A!");
	assert_int_equal(keys("\r"), LE_LINE);
	assert_string_equal(le.line, "second!");
	assert_string_equal(le_history(&le, 1), "second!");
}

static void history_keeps_the_latest_lines(void **state)
{
	char line[16];

	for (int i = 0; i < LE_HISTORY + 5; i++) {
		snprintf(line, sizeof(line), "cmd %d\r", i);
		le_begin(&le);
		keys(line);
	}
	assert_string_equal(le_history(&le, 1), "cmd 36");
	assert_string_equal(le_history(&le, LE_HISTORY), "cmd 5");
	assert_null(le_history(&le, LE_HISTORY + 1));
}

static void a_full_line_rings_the_bell(void **state)
{
	for (int i = 0; i < LE_LINE_MAX + 10; i++)
		keys("x");
	assert_int_equal(le.len, LE_LINE_MAX - 1);
	assert_int_equal(term.bells, 11);
	assert_false(term.bad);
}

static void unknown_keys_change_nothing(void **state)
{
	keys("ab");
	keys("\x1b[5~\x1b[24~\x1b[1;5C\x1b[Z\x07\x0e\x80\xff\t\x1bx");
	/* ESC then x: the ESC is dropped, the x is typed */
	screen_is("abx", 3);
	/* A CSI longer than the editor keeps is still consumed whole. */
	keys("\x1b[1234567890123D");
	screen_is("abx", 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(typing_echoes_and_enter_returns_the_line, setup),
		cmocka_unit_test_setup(cr_lf_is_one_enter_and_lf_alone_is_one, setup),
		cmocka_unit_test_setup(backspace_and_del_erase_before_the_cursor, setup),
		cmocka_unit_test_setup(arrows_move_and_insert_in_the_middle, setup),
		cmocka_unit_test_setup(home_and_end_in_every_form, setup),
		cmocka_unit_test_setup(delete_key_and_ctrl_d_erase_under_the_cursor, setup),
		cmocka_unit_test_setup(ctrl_u_and_ctrl_k_kill, setup),
		cmocka_unit_test_setup(ctrl_c_drops_the_line, setup),
		cmocka_unit_test_setup(ctrl_d_on_an_empty_line_is_end_of_input, setup),
		cmocka_unit_test_setup(history_walks_back_and_restores_the_new_line, setup),
		cmocka_unit_test_setup(history_keeps_the_latest_lines, setup),
		cmocka_unit_test_setup(a_full_line_rings_the_bell, setup),
		cmocka_unit_test_setup(unknown_keys_change_nothing, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
