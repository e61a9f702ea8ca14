/* SPDX-License-Identifier: MIT */
/*
 * The in-guest test framework. DEFINE_TEST(ID, name) registers a test with
 * a stable id; `ktest` runs all tests, `ktest ID ...` or `ktest name ...`
 * runs those only. Each check prints the failing expression and location
 * and the test goes on; the run ends with "ktest: N passed, N failed".
 */
#ifndef KTEST_H
#define KTEST_H

#include <ulib.h>

struct ktest {
	const char *id;
	const char *name;
	void (*run)(void);
};

#define DEFINE_TEST(ID, NAME)                                            \
	static void ID##_run(void);                                      \
	__attribute__((used, section("ktests"), aligned(8))) static const \
		struct ktest ID##_desc = { #ID, #NAME, ID##_run };        \
	static void ID##_run(void)

extern int ktest_failures; /* checks failed in the current test */

void ktest_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define EXPECT(cond)                                                   \
	do {                                                           \
		if (!(cond))                                           \
			ktest_fail(__FILE__, __LINE__, "%s", #cond);   \
	} while (0)

#define EXPECT_EQ(a, b)                                                      \
	do {                                                                 \
		long long a_ = (long long)(a), b_ = (long long)(b);          \
		if (a_ != b_)                                                \
			ktest_fail(__FILE__, __LINE__, "%s == %s: %lld != %lld", \
				   #a, #b, a_, b_);                          \
	} while (0)

/* expr must return the negated error code err. */
#define EXPECT_ERR(expr, err)                                                \
	do {                                                                 \
		long r_ = (long)(expr);                                      \
		if (r_ != -(long)(err))                                      \
			ktest_fail(__FILE__, __LINE__, "%s: got %ld (%s), want %s", \
				   #expr, r_, r_ < 0 ? err_name(r_) : "success", \
				   err_name(err));                           \
	} while (0)

/* The hostile program's ELF, embedded by the build. */
extern const char hostile_image[], hostile_image_end[];
#define HOSTILE_SIZE ((size_t)(hostile_image_end - hostile_image))

/* Start hostile with argv (NULL-terminated, argv[0] included), wait for it
 * (deadline 10 s) and return its status; fails the test on a spawn/wait
 * error. */
struct uk_exit_status run_hostile(const char *const argv[]);

#endif
