/* SPDX-License-Identifier: MIT */
/*
 * Freestanding string routines (lib/c/string.c): memcpy at every alignment,
 * memmove in both overlap directions, and strlcpy truncation. The build renames every function to
 * uk_<name> here and in string.c and makes our <string.h> the one both see,
 * so the calls below reach our code and not glibc's.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#if !defined(memmove) || !defined(strlcpy)
#error "build test_string.c with -Dmemmove=uk_memmove ... (see CMakeLists.txt)"
#endif

static void fill_sequence(unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)i;
}

static void
memmove_copies_forward_when_destination_is_below_source(void **state)
{
	unsigned char buf[32];

	fill_sequence(buf, sizeof(buf));
	assert_ptr_equal(uk_memmove(buf, buf + 3, 20), buf);
	for (size_t i = 0; i < 20; i++)
		assert_int_equal(buf[i], i + 3);
	for (size_t i = 20; i < sizeof(buf); i++)
		assert_int_equal(buf[i], i);
}

static void
memmove_copies_backward_when_destination_is_above_source(void **state)
{
	unsigned char buf[32];

	fill_sequence(buf, sizeof(buf));
	assert_ptr_equal(uk_memmove(buf + 3, buf, 20), buf + 3);
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(buf[i], i);
	for (size_t i = 0; i < 20; i++)
		assert_int_equal(buf[i + 3], i);
	for (size_t i = 23; i < sizeof(buf); i++)
		assert_int_equal(buf[i], i);
}

static void memmove_handles_overlap_by_a_single_byte(void **state)
{
	unsigned char buf[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	static const unsigned char up[8] = {1, 1, 2, 3, 4, 5, 6, 7};
	static const unsigned char down[8] = {1, 2, 3, 4, 5, 6, 7, 7};

	uk_memmove(buf + 1, buf, 7);
	assert_memory_equal(buf, up, sizeof(buf));
	uk_memmove(buf, buf + 1, 7);
	assert_memory_equal(buf, down, sizeof(buf));
}

static void memmove_to_itself_or_of_zero_bytes_changes_nothing(void **state)
{
	unsigned char buf[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	static const unsigned char same[8] = {1, 2, 3, 4, 5, 6, 7, 8};

	assert_ptr_equal(uk_memmove(buf, buf, sizeof(buf)), buf);
	assert_ptr_equal(uk_memmove(buf + 2, buf, 0), buf + 2);
	assert_memory_equal(buf, same, sizeof(buf));
}

static void memmove_copies_disjoint_buffers(void **state)
{
	unsigned char src[16], dst[16] = {0};

	fill_sequence(src, sizeof(src));
	uk_memmove(dst, src, sizeof(src));
	assert_memory_equal(dst, src, sizeof(src));
}

/* Every length 0..100 at every pair of alignments 0..7: exactly the
 * bytes asked for, none before or after (the copy goes a word at a time
 * whatever the alignment). */
static void memcpy_copies_any_length_at_any_alignment(void **state)
{
	static unsigned char src[128], dst[128];

	(void)state;
	for (size_t sa = 0; sa < 8; sa++)
		for (size_t da = 0; da < 8; da++)
			for (size_t n = 0; n <= 100; n++) {
				fill_sequence(src, sizeof(src));
				memset(dst, 0xee, sizeof(dst));
				assert_ptr_equal(uk_memcpy(dst + da, src + sa, n), dst + da);
				for (size_t i = 0; i < sizeof(dst); i++) {
					unsigned char want = i >= da && i < da + n
						? (unsigned char)(i - da + sa) : 0xee;
					if (dst[i] != want)
						fail_msg("memcpy(dst+%zu, src+%zu, %zu): "
							 "byte %zu is %u, not %u", da, sa,
							 n, i, dst[i], want);
				}
			}
}

static void strlcpy_truncates_and_returns_source_length(void **state)
{
	char buf[4] = {'X', 'X', 'X', 'X'};

	assert_int_equal(uk_strlcpy(buf, "abcdef", sizeof(buf)), 6);
	assert_int_equal(uk_strcmp(buf, "abc"), 0);
	assert_int_equal(uk_strlcpy(buf, "ab", sizeof(buf)), 2);
	assert_int_equal(uk_strcmp(buf, "ab"), 0);
}

static void strlcpy_with_zero_size_writes_nothing(void **state)
{
	char buf[1] = {'X'};

	assert_int_equal(uk_strlcpy(buf, "abc", 0), 3);
	assert_int_equal(buf[0], 'X');
}

static void strcmp_orders_bytes_as_unsigned(void **state)
{
	assert_true(uk_strcmp("a\xff", "a\x01") > 0);
	assert_true(uk_strncmp("abc", "abd", 2) == 0);
	assert_true(uk_strncmp("abc", "abd", 3) < 0);
	assert_true(uk_memcmp("\xff", "\x01", 1) > 0);
}

#define T(f) cmocka_unit_test(f)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(memmove_copies_forward_when_destination_is_below_source),
	    T(memmove_copies_backward_when_destination_is_above_source),
	    T(memmove_handles_overlap_by_a_single_byte),
	    T(memmove_to_itself_or_of_zero_bytes_changes_nothing),
	    T(memmove_copies_disjoint_buffers),
	    T(memcpy_copies_any_length_at_any_alignment),
	    T(strlcpy_truncates_and_returns_source_length),
	    T(strlcpy_with_zero_size_writes_nothing),
	    T(strcmp_orders_bytes_as_unsigned),
	};

	return cmocka_run_group_tests_name("string", tests, NULL, NULL);
}
