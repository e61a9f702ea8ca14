/* SPDX-License-Identifier: MIT */
/* Startup: turn the startup block into main(argc, argv), exit with its value. */
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

void exit(int code)
{
	uk_task_exit(code);
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
	const char *s = cmdline();
	size_t klen = strlen(key);

	/* Last key=value wins, as in the kernel's parser. */
	int found = 0;
	while (*s) {
		while (*s == ' ')
			s++;
		const char *w = s;
		while (*s && *s != ' ')
			s++;
		if ((size_t)(s - w) > klen && strncmp(w, key, klen) == 0 &&
		    w[klen] == '=') {
			size_t n = (size_t)(s - w) - klen - 1;
			if (n >= out_len)
				n = out_len - 1;
			memcpy(out, w + klen + 1, n);
			out[n] = '\0';
			found = 1;
		} else if ((size_t)(s - w) == klen && strncmp(w, key, klen) == 0) {
			out[0] = '\0';
			found = 1;
		}
	}
	return found;
}
