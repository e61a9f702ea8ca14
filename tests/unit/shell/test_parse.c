/* SPDX-License-Identifier: MIT */
/*
 * The shell's command-line parser (servers/shell/parse.c): words, quotes,
 * escapes, ';', comments, > and >>, and the errors it reports.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "parse.h"

static char storage[4096];

/* Parse the next command of *line; fails the test on a syntax error. */
static int next(const char **line, struct sh_cmd *cmd)
{
	const char *error = NULL;
	int rc = sh_parse(line, cmd, storage, sizeof(storage), &error);

	if (rc < 0)
		fail_msg("unexpected syntax error: %s", error);
	return rc;
}

static const char *parse_error(const char *line)
{
	struct sh_cmd cmd;
	const char *error = NULL;

	if (sh_parse(&line, &cmd, storage, sizeof(storage), &error) != -1)
		return NULL;
	return error;
}

static void words_split_on_blanks(void **state)
{
	const char *line = "  ls\t-l   /bin  ";
	struct sh_cmd c;

	assert_int_equal(next(&line, &c), 1);
	assert_int_equal(c.argc, 3);
	assert_string_equal(c.argv[0], "ls");
	assert_string_equal(c.argv[1], "-l");
	assert_string_equal(c.argv[2], "/bin");
	assert_null(c.argv[3]);
	assert_null(c.redirect);
	assert_int_equal(next(&line, &c), 0);
}

static void quotes_and_escapes_keep_bytes(void **state)
{
	const char *line = "echo 'a  b;c>d' \"x\\\"y\\\\z\" e\\ f g\"h\"i '' \"it's\"";
	struct sh_cmd c;

	assert_int_equal(next(&line, &c), 1);
	assert_int_equal(c.argc, 7);
	assert_string_equal(c.argv[1], "a  b;c>d");
	assert_string_equal(c.argv[2], "x\"y\\z");
	assert_string_equal(c.argv[3], "e f");
	assert_string_equal(c.argv[4], "ghi");
	assert_string_equal(c.argv[5], "");
	assert_string_equal(c.argv[6], "it's");
}

static void semicolons_separate_commands(void **state)
{
	const char *line = "echo a; ;echo b;";
	struct sh_cmd c;

	assert_int_equal(next(&line, &c), 1);
	assert_int_equal(c.argc, 2);
	assert_string_equal(c.argv[1], "a");
	assert_int_equal(next(&line, &c), 1);
	assert_int_equal(c.argc, 0); /* the empty one between ";;" */
	assert_int_equal(next(&line, &c), 1);
	assert_string_equal(c.argv[0], "echo");
	assert_string_equal(c.argv[1], "b");
	assert_int_equal(next(&line, &c), 0);
}

static void comments_end_the_line(void **state)
{
	const char *line = "echo a#b # the rest; echo no";
	struct sh_cmd c;

	assert_int_equal(next(&line, &c), 1);
	assert_int_equal(c.argc, 2);
	assert_string_equal(c.argv[1], "a#b");
	assert_int_equal(next(&line, &c), 0);
	line = "# only a comment";
	assert_int_equal(next(&line, &c), 1);
	assert_int_equal(c.argc, 0);
	assert_int_equal(next(&line, &c), 0);
}

static void redirections_in_every_form(void **state)
{
	const char *line = "echo hi > /f; echo a>>/g b; echo c>'/h i'";
	struct sh_cmd c;

	assert_int_equal(next(&line, &c), 1);
	assert_int_equal(c.argc, 2);
	assert_string_equal(c.redirect, "/f");
	assert_false(c.append);
	assert_int_equal(next(&line, &c), 1);
	assert_int_equal(c.argc, 3);
	assert_string_equal(c.argv[1], "a");
	assert_string_equal(c.argv[2], "b");
	assert_string_equal(c.redirect, "/g");
	assert_true(c.append);
	assert_int_equal(next(&line, &c), 1);
	assert_string_equal(c.redirect, "/h i");
	assert_string_equal(c.argv[1], "c");
}

static void syntax_errors_say_what(void **state)
{
	assert_string_equal(parse_error("echo 'open"), "unterminated quote");
	assert_string_equal(parse_error("echo \"open\\\""), "unterminated quote");
	assert_string_equal(parse_error("echo >"), "a file name must follow > or >>");
	assert_string_equal(parse_error("echo > ; ls"), "a file name must follow > or >>");
	assert_string_equal(parse_error("echo > a > b"), "more than one redirection");
	assert_string_equal(parse_error("echo >> >"), "more than one redirection");
	char many[3 * (SH_ARGS_MAX + 2)];
	size_t n = 0;
	for (int i = 0; i < SH_ARGS_MAX + 1; i++) {
		many[n++] = 'x';
		many[n++] = ' ';
	}
	many[n] = '\0';
	assert_string_equal(parse_error(many), "too many arguments");
}

static void small_storage_is_an_error_not_an_overflow(void **state)
{
	char small[8];
	const char *line = "echo abcdefgh";
	const char *error = NULL;
	struct sh_cmd c;

	assert_int_equal(sh_parse(&line, &c, small, sizeof(small), &error), -1);
	assert_string_equal(error, "line too long");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(words_split_on_blanks),
		cmocka_unit_test(quotes_and_escapes_keep_bytes),
		cmocka_unit_test(semicolons_separate_commands),
		cmocka_unit_test(comments_end_the_line),
		cmocka_unit_test(redirections_in_every_form),
		cmocka_unit_test(syntax_errors_say_what),
		cmocka_unit_test(small_storage_is_an_error_not_an_overflow),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
