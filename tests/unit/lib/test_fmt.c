/* SPDX-License-Identifier: MIT */
/*
 * Formatted output (lib/c/fmt.c). The build renames our vsnprintf and
 * snprintf to uk_vsnprintf and uk_snprintf in this file and in fmt.c, so
 * these tests call our implementation and never glibc's.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <fmt.h>

#if !defined(snprintf) || !defined(vsnprintf)
#error "build test_fmt.c with -Dvsnprintf=uk_vsnprintf -Dsnprintf=uk_snprintf"
#endif

/* No format attribute here: some tests use formats -Wformat would flag. */
static void assert_fmt(const char *want, const char *format, ...)
{
	char buf[256];
	va_list ap;
	int n;

	memset(buf, 'X', sizeof(buf));
	va_start(ap, format);
	n = uk_vsnprintf(buf, sizeof(buf), format, ap);
	va_end(ap);
	assert_string_equal(buf, want);
	assert_int_equal(n, strlen(want));
}

static int format_into(char *buf, size_t size, const char *format, ...)
{
	va_list ap;
	int n;

	va_start(ap, format);
	n = uk_vsnprintf(buf, size, format, ap);
	va_end(ap);
	return n;
}

static void fmt_copies_plain_text_and_returns_its_length(void **state)
{
	assert_fmt("", "");
	assert_fmt("hello, world\n", "hello, world\n");
}

static void fmt_formats_signed_decimal(void **state)
{
	assert_fmt("0", "%d", 0);
	assert_fmt("42", "%d", 42);
	assert_fmt("-42", "%d", -42);
	assert_fmt("2147483647", "%d", INT_MAX);
	assert_fmt("-2147483648", "%d", INT_MIN);
	assert_fmt("-7", "%i", -7);
}

static void fmt_formats_unsigned_decimal(void **state)
{
	assert_fmt("0", "%u", 0u);
	assert_fmt("4294967295", "%u", UINT_MAX);
}

static void fmt_formats_hex_in_lower_and_upper_case(void **state)
{
	assert_fmt("deadbeef", "%x", 0xdeadbeefu);
	assert_fmt("DEADBEEF", "%X", 0xdeadbeefu);
	assert_fmt("0", "%x", 0u);
}

static void fmt_reads_int_sized_argument_without_length_modifier(void **state)
{
	assert_fmt("4294967295", "%u", -1);
	assert_fmt("ffffffff", "%x", -1);
	/* Only the low 32 bits are an int's worth: the next argument is intact.
	 */
	assert_fmt("1 2", "%d %d", 1, 2);
}

static void fmt_formats_64_bit_values_with_l_ll_and_z(void **state)
{
	assert_fmt("9223372036854775807", "%ld", (long)INT64_MAX);
	assert_fmt("-9223372036854775807", "%lld", (long long)-INT64_MAX);
	assert_fmt("18446744073709551615", "%llu",
		   (unsigned long long)UINT64_MAX);
	assert_fmt("ffffffffffffffff", "%lx", (unsigned long)UINT64_MAX);
	assert_fmt("FFFF800000000000", "%llX", 0xffff800000000000ull);
	assert_fmt("18446744073709551615", "%zu", SIZE_MAX);
	assert_fmt("1000", "%zx", (size_t)0x1000);
	assert_fmt("-3", "%zd", (ptrdiff_t)-3);
}

static void fmt_formats_int64_min(void **state)
{
	assert_fmt("-9223372036854775808", "%lld", (long long)INT64_MIN);
	assert_fmt("-9223372036854775808", "%ld", (long)INT64_MIN);
	assert_fmt("  -9223372036854775808", "%22lld", (long long)INT64_MIN);
	assert_fmt("-009223372036854775808", "%022lld", (long long)INT64_MIN);
	assert_fmt("-9223372036854775808  |", "%-22lld|", (long long)INT64_MIN);
}

static void fmt_formats_pointer_with_0x_prefix(void **state)
{
	assert_fmt("0x1234", "%p", (void *)0x1234);
	assert_fmt("0xffff800000000000", "%p", (void *)0xffff800000000000ull);
	assert_fmt("0x0", "%p", NULL);
}

static void fmt_pads_pointer_with_spaces_before_the_prefix(void **state)
{
	assert_fmt("    0x1234", "%10p", (void *)0x1234);
	assert_fmt("0x1234    |", "%-10p|", (void *)0x1234);
	assert_fmt("0x1234", "%4p", (void *)0x1234);
}

static void fmt_pads_pointer_with_zeros_after_the_prefix(void **state)
{
	assert_fmt("0x00001234", "%010p", (void *)0x1234);
	assert_fmt("0x0000000000001234", "%018p", (void *)0x1234);
}

static void fmt_right_justifies_to_width_by_default(void **state)
{
	assert_fmt("   42", "%5d", 42);
	assert_fmt("  -42", "%5d", -42);
	assert_fmt("  ff", "%4x", 0xffu);
	assert_fmt("   7", "%4u", 7u);
}

static void fmt_left_justifies_with_minus_flag(void **state)
{
	assert_fmt("42   |", "%-5d|", 42);
	assert_fmt("-42  |", "%-5d|", -42);
	assert_fmt("ff  |", "%-4x|", 0xffu);
}

static void fmt_zero_pads_after_the_sign(void **state)
{
	assert_fmt("00042", "%05d", 42);
	assert_fmt("-0042", "%05d", -42);
	assert_fmt("0000beef", "%08x", 0xbeefu);
	assert_fmt("00000", "%05u", 0u);
}

static void fmt_minus_flag_overrides_zero_flag(void **state)
{
	assert_fmt("42   |", "%-05d|", 42);
	assert_fmt("-42  |", "%0-5d|", -42);
}

static void fmt_never_truncates_a_number_to_its_width(void **state)
{
	assert_fmt("12345", "%2d", 12345);
	assert_fmt("-12345", "%3d", -12345);
	assert_fmt("-1", "%02d", -1);
}

static void fmt_takes_width_and_precision_from_arguments(void **state)
{
	assert_fmt("   42", "%*d", 5, 42);
	assert_fmt("42   |", "%-*d|", 5, 42);
	assert_fmt("ab", "%.*s", 2, "abcdef");
	assert_fmt("   ab", "%*.*s", 5, 2, "abcdef");
}

static void
fmt_treats_negative_width_argument_as_left_justification(void **state)
{
	/* C99 7.19.6.1: a negative '*' width is a '-' flag and a width. */
	assert_fmt("42   |", "%*d|", -5, 42);
	assert_fmt("ab   |", "%*s|", -5, "ab");
}

static void fmt_ignores_negative_precision_argument(void **state)
{
	assert_fmt("abcdef", "%.*s", -1, "abcdef");
}

static void fmt_formats_strings(void **state)
{
	assert_fmt("hello", "%s", "hello");
	assert_fmt("[]", "[%s]", "");
	assert_fmt("a-b", "%s-%s", "a", "b");
}

static void fmt_prints_null_string_as_placeholder(void **state)
{
	assert_fmt("(null)", "%s", NULL);
}

static void fmt_pads_strings_to_width(void **state)
{
	assert_fmt("      ab|", "%8s|", "ab");
	assert_fmt("ab      |", "%-8s|", "ab");
	assert_fmt("abcdef", "%3s", "abcdef");
}

static void fmt_limits_strings_to_precision(void **state)
{
	assert_fmt("abc", "%.3s", "abcdef");
	assert_fmt("", "%.0s", "abcdef");
	assert_fmt("", "%.s", "abcdef");
	assert_fmt("abc", "%.10s", "abc");
	assert_fmt("    ab|", "%6.2s|", "abcdef");
	assert_fmt("ab    |", "%-6.2s|", "abcdef");
}

static void
fmt_reads_no_further_than_precision_in_unterminated_array(void **state)
{
	/* An exact-size heap array: ASan reports a read of a fourth byte. */
	char *abc = malloc(3);
	char buf[8];

	assert_non_null(abc);
	memcpy(abc, "abc", 3);
	assert_int_equal(format_into(buf, sizeof(buf), "%.3s", abc), 3);
	assert_string_equal(buf, "abc");
	assert_int_equal(format_into(buf, sizeof(buf), "%.2s", abc), 2);
	assert_string_equal(buf, "ab");
	free(abc);
}

static void fmt_formats_characters(void **state)
{
	assert_fmt("A", "%c", 'A');
	assert_fmt("  x|", "%3c|", 'x');
	assert_fmt("x  |", "%-3c|", 'x');
	assert_fmt("[\xff]", "[%c]", 0xff);
}

static void fmt_prints_percent_sign(void **state)
{
	assert_fmt("100%", "100%%");
	assert_fmt("%d", "%%d", 5);
}

static void fmt_prints_unknown_conversion_verbatim(void **state)
{
	assert_fmt("%q", "%q");
	assert_fmt("%y5", "%y%d", 5);
}

static void fmt_stops_at_lone_percent_at_end_of_format(void **state)
{
	static const char *const formats[] = {"abc%",  "abc%-", "abc%5",
					      "abc%l", "abc%.", "abc%0"};

	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		/* Exact-size copy: reading past the NUL is an ASan report. */
		size_t n = strlen(formats[i]) + 1;
		char *format = malloc(n);
		char buf[16];

		assert_non_null(format);
		memcpy(format, formats[i], n);
		assert_int_equal(format_into(buf, sizeof(buf), format), 3);
		assert_string_equal(buf, "abc");
		free(format);
	}
}

static void fmt_truncates_output_and_returns_full_length(void **state)
{
	char buf[5];

	assert_int_equal(format_into(buf, sizeof(buf), "hello world"), 11);
	assert_string_equal(buf, "hell");
	assert_int_equal(format_into(buf, sizeof(buf), "%s!", "abcdefgh"), 9);
	assert_string_equal(buf, "abcd");
}

static void fmt_truncates_in_the_middle_of_a_number(void **state)
{
	char buf[4];

	assert_int_equal(format_into(buf, sizeof(buf), "%d", -123456), 7);
	assert_string_equal(buf, "-12");
	assert_int_equal(
	    format_into(buf, sizeof(buf), "%lld", (long long)INT64_MIN), 20);
	assert_string_equal(buf, "-92");
	assert_int_equal(format_into(buf, sizeof(buf), "%08x", 0xbeefu), 8);
	assert_string_equal(buf, "000");
}

static void fmt_fits_output_exactly_with_room_for_the_nul(void **state)
{
	char buf[6];

	assert_int_equal(format_into(buf, 6, "%s", "hello"), 5);
	assert_string_equal(buf, "hello");
	assert_int_equal(format_into(buf, 5, "%s", "hello"), 5);
	assert_string_equal(buf, "hell");
}

static void fmt_writes_only_nul_into_one_byte_buffer(void **state)
{
	char buf[2] = {'X', 'Y'};

	assert_int_equal(format_into(buf, 1, "%d", 12345), 5);
	assert_int_equal(buf[0], '\0');
	assert_int_equal(buf[1], 'Y');
}

static void fmt_with_zero_size_writes_nothing_and_returns_length(void **state)
{
	char buf[1] = {'X'};

	assert_int_equal(format_into(NULL, 0, "%s=%d", "key", 42), 6);
	assert_int_equal(format_into(buf, 0, "%s=%d", "key", 42), 6);
	assert_int_equal(buf[0], 'X');
}

static void fmt_never_writes_past_size(void **state)
{
	enum { GUARD = 8, ROOM = 40 };
	char area[GUARD + ROOM + GUARD];
	char full[ROOM];
	int want = format_into(full, sizeof(full), "%s-%05d-%x-%p-%c", "name",
			       -12, 0xabcu, (void *)0x10, 'z');

	assert_true(want > 0 && want < ROOM);
	for (size_t size = 0; size < ROOM; size++) {
		memset(area, '#', sizeof(area));
		char *buf = area + GUARD;
		int n = format_into(buf, size, "%s-%05d-%x-%p-%c", "name", -12,
				    0xabcu, (void *)0x10, 'z');
		assert_int_equal(n, want);
		for (size_t i = 0; i < GUARD; i++)
			assert_int_equal(area[i], '#');
		for (size_t i = GUARD + size; i < sizeof(area); i++)
			assert_int_equal(area[i], '#');
		if (size > 0) {
			size_t kept =
			    size - 1 < (size_t)want ? size - 1 : (size_t)want;
			assert_memory_equal(buf, full, kept);
			assert_int_equal(buf[kept], '\0');
		}
	}
}

static void fmt_formats_many_conversions_in_one_string(void **state)
{
	assert_fmt("task 7 [init] at 0x400000: -3 (fffffffd) 100% ok",
		   "task %u [%s] at %p: %d (%x) 100%% %c%c", 7u, "init",
		   (void *)0x400000, -3, -3, 'o', 'k');
}

static void snprintf_formats_through_vsnprintf(void **state)
{
	char buf[16];

	assert_int_equal(uk_snprintf(buf, sizeof(buf), "%s=%d", "x", 5), 3);
	assert_string_equal(buf, "x=5");
	assert_int_equal(uk_snprintf(buf, 3, "%s=%d", "abc", 12345), 9);
	assert_string_equal(buf, "ab");
}

#define T(f) cmocka_unit_test(f)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(fmt_copies_plain_text_and_returns_its_length),
	    T(fmt_formats_signed_decimal),
	    T(fmt_formats_unsigned_decimal),
	    T(fmt_formats_hex_in_lower_and_upper_case),
	    T(fmt_reads_int_sized_argument_without_length_modifier),
	    T(fmt_formats_64_bit_values_with_l_ll_and_z),
	    T(fmt_formats_int64_min),
	    T(fmt_formats_pointer_with_0x_prefix),
	    T(fmt_pads_pointer_with_spaces_before_the_prefix),
	    T(fmt_pads_pointer_with_zeros_after_the_prefix),
	    T(fmt_right_justifies_to_width_by_default),
	    T(fmt_left_justifies_with_minus_flag),
	    T(fmt_zero_pads_after_the_sign),
	    T(fmt_minus_flag_overrides_zero_flag),
	    T(fmt_never_truncates_a_number_to_its_width),
	    T(fmt_takes_width_and_precision_from_arguments),
	    T(fmt_treats_negative_width_argument_as_left_justification),
	    T(fmt_ignores_negative_precision_argument),
	    T(fmt_formats_strings),
	    T(fmt_prints_null_string_as_placeholder),
	    T(fmt_pads_strings_to_width),
	    T(fmt_limits_strings_to_precision),
	    T(fmt_reads_no_further_than_precision_in_unterminated_array),
	    T(fmt_formats_characters),
	    T(fmt_prints_percent_sign),
	    T(fmt_prints_unknown_conversion_verbatim),
	    T(fmt_stops_at_lone_percent_at_end_of_format),
	    T(fmt_truncates_output_and_returns_full_length),
	    T(fmt_truncates_in_the_middle_of_a_number),
	    T(fmt_fits_output_exactly_with_room_for_the_nul),
	    T(fmt_writes_only_nul_into_one_byte_buffer),
	    T(fmt_with_zero_size_writes_nothing_and_returns_length),
	    T(fmt_never_writes_past_size),
	    T(fmt_formats_many_conversions_in_one_string),
	    T(snprintf_formats_through_vsnprintf),
	};

	return cmocka_run_group_tests_name("fmt", tests, NULL, NULL);
}
