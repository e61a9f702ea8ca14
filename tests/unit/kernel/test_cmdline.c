/* SPDX-License-Identifier: MIT */
/*
 * Kernel command line parsing: words, flags, quoted values, the loader's
 * path as the first word, and number parsing with overflow detection.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "cmdline.h"

/* Fetch key into a generous buffer and check result and value together. */
static void assert_value(const char *line, const char *key, const char *want)
{
	char out[64];

	memset(out, 'X', sizeof(out));
	assert_int_equal(cmdline_get(line, key, out, sizeof(out)),
			 CMDLINE_FOUND);
	assert_string_equal(out, want);
}

static void cmdline_get_returns_value_of_key(void **state)
{
	assert_value("root=/dev/vda console=ttyS0", "root", "/dev/vda");
	assert_value("root=/dev/vda console=ttyS0", "console", "ttyS0");
}

static void cmdline_get_returns_absent_for_missing_key(void **state)
{
	char out[16] = "untouched";

	assert_int_equal(cmdline_get("a=1 b=2", "c", out, sizeof(out)),
			 CMDLINE_ABSENT);
	assert_string_equal(out, "untouched");
}

static void cmdline_get_matches_whole_keys_only(void **state)
{
	char out[16];

	assert_int_equal(cmdline_get("rootfs=x", "root", out, sizeof(out)),
			 CMDLINE_ABSENT);
	assert_int_equal(cmdline_get("ro=x", "root", out, sizeof(out)),
			 CMDLINE_ABSENT);
	assert_value("rootfs=x root=y", "root", "y");
}

static void cmdline_get_returns_last_occurrence_of_repeated_key(void **state)
{
	assert_value("log=1 other=2 log=3", "log", "3");
}

static void cmdline_get_returns_empty_value_for_bare_flag(void **state)
{
	assert_value("quiet debug", "debug", "");
}

static void
cmdline_get_returns_empty_value_for_key_with_empty_value(void **state)
{
	assert_value("init= quiet", "init", "");
}

static void cmdline_get_keeps_equals_signs_inside_the_value(void **state)
{
	assert_value("opt=a=b=c", "opt", "a=b=c");
}

static void cmdline_get_reads_quoted_value_with_spaces(void **state)
{
	const char *line = "a=1 msg=\"hello brave world\" b=2";

	assert_value(line, "msg", "hello brave world");
	assert_value(line, "b", "2");
}

static void cmdline_get_reads_empty_quoted_value(void **state)
{
	assert_value("msg=\"\" x=1", "msg", "");
	assert_value("msg=\"\" x=1", "x", "1");
}

static void
cmdline_get_reads_unterminated_quoted_value_to_end_of_line(void **state)
{
	assert_value("a=1 msg=\"no closing quote x=2", "msg",
		     "no closing quote x=2");
	assert_false(cmdline_has("a=1 msg=\"no closing quote x=2", "x"));
}

static void cmdline_get_reports_too_long_when_value_does_not_fit(void **state)
{
	char out[4];

	assert_int_equal(cmdline_get("k=abcd", "k", out, sizeof(out)),
			 CMDLINE_TOO_LONG);
	assert_int_equal(cmdline_get("k=abc", "k", out, sizeof(out)),
			 CMDLINE_FOUND);
	assert_string_equal(out, "abc");
}

static void cmdline_get_reports_too_long_for_zero_length_buffer(void **state)
{
	char out[1] = {'Z'};

	assert_int_equal(cmdline_get("quiet", "quiet", out, 0),
			 CMDLINE_TOO_LONG);
	assert_int_equal(out[0], 'Z');
}

static void cmdline_get_fits_flag_into_one_byte_buffer(void **state)
{
	char out[1] = {'Z'};

	assert_int_equal(cmdline_get("quiet", "quiet", out, 1), CMDLINE_FOUND);
	assert_int_equal(out[0], '\0');
}

static void cmdline_accepts_tabs_and_newlines_between_words(void **state)
{
	const char *line = "\t a=1\tb=2\n\nc\n";

	assert_value(line, "a", "1");
	assert_value(line, "b", "2");
	assert_true(cmdline_has(line, "c"));
}

static void cmdline_treats_carriage_return_as_a_separator(void **state)
{
	const char *line = "a=1\r\nquiet\r\n";

	assert_value(line, "a", "1");
	assert_true(cmdline_has(line, "quiet"));
}

static void cmdline_ignores_loader_path_as_first_word(void **state)
{
	assert_false(cmdline_has("/boot/kernel quiet", "/boot/kernel"));
	assert_true(cmdline_has("/boot/kernel quiet", "quiet"));
	assert_false(cmdline_has("kernel.elf quiet", "kernel.elf"));
}

static void cmdline_keeps_first_word_without_path_characters(void **state)
{
	assert_true(cmdline_has("quiet debug", "quiet"));
}

static void
cmdline_keeps_first_word_with_value_even_if_it_looks_like_a_path(void **state)
{
	assert_value("./init=/bin/init x", "./init", "/bin/init");
	assert_value("init=/bin/init x", "init", "/bin/init");
}

static void cmdline_ignores_only_the_first_word_as_loader_path(void **state)
{
	assert_true(cmdline_has("quiet ./extra", "./extra"));
	assert_true(cmdline_has("/boot/kernel /second", "/second"));
}

static void cmdline_has_finds_flags_and_keys_with_values(void **state)
{
	assert_true(cmdline_has("quiet mem=64", "quiet"));
	assert_true(cmdline_has("quiet mem=64", "mem"));
	assert_false(cmdline_has("quiet mem=64", "me"));
	assert_false(cmdline_has("quiet mem=64", "64"));
}

static void cmdline_treats_null_and_empty_lines_as_having_no_keys(void **state)
{
	char out[8];
	uint64_t v = 7;

	assert_false(cmdline_has(NULL, "a"));
	assert_false(cmdline_has("", "a"));
	assert_false(cmdline_has("   \t\n", "a"));
	assert_int_equal(cmdline_get(NULL, "a", out, sizeof(out)),
			 CMDLINE_ABSENT);
	assert_int_equal(cmdline_get_u64(NULL, "a", &v), CMDLINE_ABSENT);
	assert_int_equal(v, 7);
}

/* Parse "k=<text>" and return the status, storing the number in *v. */
static int parse_number(const char *text, uint64_t *v)
{
	char line[64];

	assert_true(strlen(text) + 3 <= sizeof(line));
	strcpy(line, "k=");
	strcat(line, text);
	return cmdline_get_u64(line, "k", v);
}

static void cmdline_get_u64_parses_decimal(void **state)
{
	uint64_t v = 1;

	assert_int_equal(parse_number("0", &v), CMDLINE_FOUND);
	assert_int_equal(v, 0);
	assert_int_equal(parse_number("1234567890", &v), CMDLINE_FOUND);
	assert_int_equal(v, 1234567890u);
	assert_int_equal(parse_number("007", &v), CMDLINE_FOUND);
	assert_int_equal(v, 7);
}

static void cmdline_get_u64_parses_hex_in_either_case(void **state)
{
	uint64_t v = 0;

	assert_int_equal(parse_number("0x1f", &v), CMDLINE_FOUND);
	assert_int_equal(v, 0x1f);
	assert_int_equal(parse_number("0XABCdef", &v), CMDLINE_FOUND);
	assert_int_equal(v, 0xabcdef);
	assert_int_equal(parse_number("0x0", &v), CMDLINE_FOUND);
	assert_int_equal(v, 0);
}

static void cmdline_get_u64_parses_quoted_number(void **state)
{
	uint64_t v = 0;

	assert_int_equal(cmdline_get_u64("mem=\"4096\"", "mem", &v),
			 CMDLINE_FOUND);
	assert_int_equal(v, 4096);
}

static void cmdline_get_u64_accepts_uint64_max(void **state)
{
	uint64_t v = 0;

	assert_int_equal(parse_number("18446744073709551615", &v),
			 CMDLINE_FOUND);
	assert_true(v == UINT64_MAX);
	v = 0;
	assert_int_equal(parse_number("0xffffffffffffffff", &v), CMDLINE_FOUND);
	assert_true(v == UINT64_MAX);
}

static void cmdline_get_u64_rejects_overflow(void **state)
{
	uint64_t v = 42;

	assert_int_equal(parse_number("18446744073709551616", &v),
			 CMDLINE_BAD_NUMBER);
	assert_int_equal(parse_number("99999999999999999999", &v),
			 CMDLINE_BAD_NUMBER);
	assert_int_equal(parse_number("0x10000000000000000", &v),
			 CMDLINE_BAD_NUMBER);
	assert_int_equal(v, 42);
}

static void cmdline_get_u64_rejects_values_too_long_for_any_number(void **state)
{
	uint64_t v = 42;

	assert_int_equal(parse_number("000000000000000000000000000001", &v),
			 CMDLINE_BAD_NUMBER);
	assert_int_equal(v, 42);
}

static void cmdline_get_u64_rejects_non_numbers(void **state)
{
	static const char *const bad[] = {
	    "", "0x", "0X", "12a", "ff", "-1", "+1", " 1", "1.5", "0x1g", "x10",
	};
	uint64_t v = 42;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse_number(bad[i], &v) != CMDLINE_BAD_NUMBER)
			fail_msg("\"%s\" parsed as a number", bad[i]);
	}
	assert_int_equal(cmdline_get_u64("quiet", "quiet", &v),
			 CMDLINE_BAD_NUMBER);
	assert_int_equal(v, 42);
}

static void cmdline_get_u64_returns_absent_for_missing_key(void **state)
{
	uint64_t v = 42;

	assert_int_equal(cmdline_get_u64("a=1", "b", &v), CMDLINE_ABSENT);
	assert_int_equal(v, 42);
}

static void cmdline_parse_size_reads_bytes_and_binary_suffixes(void **state)
{
	uint64_t v;

	assert_int_equal(cmdline_parse_size("4096", 0, &v), CMDLINE_FOUND);
	assert_int_equal(v, 4096);
	assert_int_equal(cmdline_parse_size("512K", 0, &v), CMDLINE_FOUND);
	assert_int_equal(v, 512 * 1024);
	assert_int_equal(cmdline_parse_size("8M", 0, &v), CMDLINE_FOUND);
	assert_int_equal(v, 8ull << 20);
	assert_int_equal(cmdline_parse_size("2G", 0, &v), CMDLINE_FOUND);
	assert_int_equal(v, 2ull << 30);
	assert_int_equal(cmdline_parse_size("0", 0, &v), CMDLINE_FOUND);
	assert_int_equal(v, 0);
}

static void cmdline_parse_size_reads_a_percentage_of_the_total(void **state)
{
	uint64_t v;

	assert_int_equal(cmdline_parse_size("40%", 1000, &v), CMDLINE_FOUND);
	assert_int_equal(v, 400);
	assert_int_equal(cmdline_parse_size("100%", UINT64_MAX, &v),
			 CMDLINE_FOUND);
	assert_int_equal(v, UINT64_MAX);
	assert_int_equal(cmdline_parse_size("33%", 128ull << 20, &v),
			 CMDLINE_FOUND);
	assert_int_equal(v, (128ull << 20) * 33 / 100);
}

static void cmdline_parse_size_rejects_malformed_sizes(void **state)
{
	const char *bad[] = {"",   "M",   "8m",  "8MB", "8 M", "-1",
			     "1.5M", "101%", "%",  "4%%", "x",   "17179869184G",
			     "18446744073709551616"};
	uint64_t v = 7;

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(cmdline_parse_size(bad[i], 100, &v),
				 CMDLINE_BAD_NUMBER);
		assert_int_equal(v, 7);
	}
}

#define T(f) cmocka_unit_test(f)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(cmdline_get_returns_value_of_key),
	    T(cmdline_get_returns_absent_for_missing_key),
	    T(cmdline_get_matches_whole_keys_only),
	    T(cmdline_get_returns_last_occurrence_of_repeated_key),
	    T(cmdline_get_returns_empty_value_for_bare_flag),
	    T(cmdline_get_returns_empty_value_for_key_with_empty_value),
	    T(cmdline_get_keeps_equals_signs_inside_the_value),
	    T(cmdline_get_reads_quoted_value_with_spaces),
	    T(cmdline_get_reads_empty_quoted_value),
	    T(cmdline_get_reads_unterminated_quoted_value_to_end_of_line),
	    T(cmdline_get_reports_too_long_when_value_does_not_fit),
	    T(cmdline_get_reports_too_long_for_zero_length_buffer),
	    T(cmdline_get_fits_flag_into_one_byte_buffer),
	    T(cmdline_accepts_tabs_and_newlines_between_words),
	    T(cmdline_treats_carriage_return_as_a_separator),
	    T(cmdline_ignores_loader_path_as_first_word),
	    T(cmdline_keeps_first_word_without_path_characters),
	    T(cmdline_keeps_first_word_with_value_even_if_it_looks_like_a_path),
	    T(cmdline_ignores_only_the_first_word_as_loader_path),
	    T(cmdline_has_finds_flags_and_keys_with_values),
	    T(cmdline_treats_null_and_empty_lines_as_having_no_keys),
	    T(cmdline_get_u64_parses_decimal),
	    T(cmdline_get_u64_parses_hex_in_either_case),
	    T(cmdline_get_u64_parses_quoted_number),
	    T(cmdline_get_u64_accepts_uint64_max),
	    T(cmdline_get_u64_rejects_overflow),
	    T(cmdline_get_u64_rejects_values_too_long_for_any_number),
	    T(cmdline_get_u64_rejects_non_numbers),
	    T(cmdline_get_u64_returns_absent_for_missing_key),
	    T(cmdline_parse_size_reads_bytes_and_binary_suffixes),
	    T(cmdline_parse_size_reads_a_percentage_of_the_total),
	    T(cmdline_parse_size_rejects_malformed_sizes),
	};

	return cmocka_run_group_tests_name("cmdline", tests, NULL, NULL);
}
