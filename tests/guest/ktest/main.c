/* SPDX-License-Identifier: MIT */
/* ktest runner: select tests by id or name, run them, print the summary. */
#include <string.h>

#include "ktest.h"

extern const struct ktest __start_ktests[], __stop_ktests[];

int ktest_failures;

void ktest_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	ktest_failures++;
	printf("ktest:   FAIL %s:%d: ", file, line);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

struct uk_exit_status run_hostile(const char *const argv[])
{
	struct uk_exit_status st;

	memset(&st, 0, sizeof(st));
	long id = spawn_image(hostile_image, HOSTILE_SIZE, "hostile", argv,
			      UK_PRIORITY_DEFAULT);
	if (id < 0) {
		ktest_fail(__FILE__, __LINE__, "spawn hostile %s: %s", argv[1],
			   err_str(id));
		return st;
	}
	long rc = wait_task((uint64_t)id, &st, 10000000000ull);
	if (rc < 0) {
		ktest_fail(__FILE__, __LINE__, "wait hostile %s: %s", argv[1],
			   err_str(rc));
		uk_task_kill((uint64_t)id);
		wait_task((uint64_t)id, &st, 1000000000ull);
	}
	return st;
}

static int selected(const struct ktest *t, int argc, char **argv)
{
	if (argc <= 1)
		return 1;
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], t->id) || !strcmp(argv[i], t->name) ||
		    /* a group: the id's letters, "SVC" for SVC0001... */
		    (strlen(argv[i]) < strlen(t->id) &&
		     !strncmp(argv[i], t->id, strlen(argv[i])) &&
		     t->id[strlen(argv[i])] >= '0' && t->id[strlen(argv[i])] <= '9'))
			return 1;
	return 0;
}

#define MAX_TESTS 256

int main(int argc, char **argv)
{
	static const struct ktest *order[MAX_TESTS];
	int passed = 0, failed = 0, n = 0;

	/* Run in id order, whatever order the linker left them in. */
	for (const struct ktest *t = __start_ktests;
	     t < __stop_ktests && n < MAX_TESTS; t++) {
		int i = n++;
		while (i > 0 && strcmp(order[i - 1]->id, t->id) > 0) {
			order[i] = order[i - 1];
			i--;
		}
		order[i] = t;
	}
	for (int k = 0; k < n; k++) {
		const struct ktest *t = order[k];
		if (!selected(t, argc, argv))
			continue;
		ktest_failures = 0;
		uint64_t start = rdtsc();
		t->run();
		uint64_t cycles = rdtsc() - start;
		if (ktest_failures) {
			failed++;
			printf("ktest: %s %s FAILED\n", t->id, t->name);
		} else {
			passed++;
			printf("ktest: %s %s ok (%lu cycles)\n", t->id, t->name,
			       cycles);
		}
	}
	if (passed + failed == 0)
		printf("ktest: no test matches the arguments\n");
	printf("ktest: %d passed, %d failed\n", passed, failed);
	return failed || passed == 0;
}
