/* SPDX-License-Identifier: MIT */
/* Startup: turn the startup block into main(argc, argv), exit with its value. */
#include <cmdline.h>
#include <string.h>
#include <ulib.h>

#define ARGV_MAX 64

const struct uk_startup *uk_startup_info;
static char *argv_table[ARGV_MAX + 1];

int main(int argc, char **argv);
void uk_runtime_start(const struct uk_startup *su);

void uk_runtime_start(const struct uk_startup *su)
{
	int argc = 0;

	uk_startup_info = su;
	if (su && su->magic == UK_STARTUP_MAGIC) {
		char *s = (char *)su + su->argv_offset;
		for (uint32_t i = 0; i < su->argc && i < ARGV_MAX; i++) {
			argv_table[argc++] = s;
			s += strlen(s) + 1;
		}
	}
	argv_table[argc] = NULL;
	exit(main(argc, argv_table));
}

struct uk_file;
int fflush(struct uk_file *f);
/* The adapter's mapped files (lib/posix/mman.c), in programs that use
 * files: their written pages go back to the file server. */
void mman_exit(void) __attribute__((weak));

void exit(int code)
{
	fflush(NULL); /* buffered standard output */
	if (mman_exit)
		mman_exit();
	uk_task_exit(code);
	for (;;)
		;
}

void abort(void)
{
	printf("abort\n");
	uk_task_exit(134);
	for (;;)
		;
}

const char *cmdline(void)
{
	const struct uk_startup *su = uk_startup_info;

	if (!su || !su->cmdline_offset)
		return "";
	return (const char *)su + su->cmdline_offset;
}

int cmdline_value(const char *key, char *out, size_t out_len)
{
	/* The kernel's own parser, so init reads the line as the kernel does. */
	return cmdline_get(cmdline(), key, out, out_len) == CMDLINE_FOUND;
}
