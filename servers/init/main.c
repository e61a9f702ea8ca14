/* SPDX-License-Identifier: MIT */
/*
 * init: the first task, started by the kernel from the first file of the
 * boot archive, which the kernel maps read-only into init. It starts the
 * other programs from the archive:
 *   - test=PROGRAM[:ARG,ARG...] runs bin/PROGRAM with those arguments,
 *     waits for it (deadline timeout=SECONDS, default 600) and exits with
 *     its status, which powers off the machine in test mode;
 *   - otherwise every line "run PATH ARG..." of etc/init.conf is started,
 *     then each NAME of servers=NAME,NAME... (the cluster configuration
 *     chooses these per node) as bin/NAME, and init collects orphans
 *     forever.
 */
#include <cmdline.h>
#include <cpio.h>
#include <string.h>
#include <ulib.h>

#define MAX_ARGS 16

static const void *archive;
static size_t archive_len;

/* Test programs get init's hardware capabilities (copies), so guest
 * suites can check port I/O, device memory and interrupt delivery. */
static long start_program_rights(const char *path, const char *const argv[],
				 const struct uk_task_right *rights,
				 unsigned n_rights);

static long start_program(const char *path, const char *const argv[])
{
	return start_program_rights(path, argv, NULL, 0);
}

static long start_program_rights(const char *path, const char *const argv[],
				 const struct uk_task_right *rights,
				 unsigned n_rights)
{
	struct cpio_entry e;
	int rc = cpio_find(archive, archive_len, path, &e);

	if (rc != CPIO_ENTRY) {
		printf("init: %s is not in the boot archive (status %d)\n", path, rc);
		return -ERR_NOT_FOUND;
	}
	const char *name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	long id = spawn_image_rights(e.data, e.size, name, argv,
				     UK_PRIORITY_DEFAULT, rights, n_rights);
	if (id < 0)
		printf("init: cannot start %s: %s\n", path, err_str(id));
	return id;
}

static int run_test(const char *spec)
{
	static char buf[256], path[64];
	const char *argv[MAX_ARGS + 1];
	int argc = 0;
	uint64_t timeout_s = 600, v;
	struct uk_exit_status st;

	if (cmdline_get_u64(cmdline(), "timeout", &v) == CMDLINE_FOUND && v)
		timeout_s = v;
	strlcpy(buf, spec, sizeof(buf));
	char *args = strchr(buf, ':');
	if (args)
		*args++ = '\0';
	snprintf(path, sizeof(path), "bin/%s", buf);
	argv[argc++] = buf;
	while (args && *args && argc < MAX_ARGS) {
		argv[argc++] = args;
		char *comma = strchr(args, ',');
		if (comma)
			*comma++ = '\0';
		args = comma;
	}
	argv[argc] = NULL;

	struct uk_task_right hw[3];
	unsigned n = 0;
	for (unsigned i = 0; i < uk_startup_info->n_rights && i < 3; i++)
		if (uk_startup_info->rights[i])
			hw[n++] = (struct uk_task_right){ uk_startup_info->rights[i],
							  UK_DISP_COPY_HARDWARE };
	long id = start_program_rights(path, argv, hw, n);
	if (id < 0)
		return 2;
	long rc = wait_task((uint64_t)id, &st, timeout_s * 1000000000ull);
	if (rc == -ERR_TIMED_OUT) {
		printf("init: test %s did not finish within %lu s; killing it\n",
		       buf, timeout_s);
		uk_task_kill((uint64_t)id);
		return 3;
	}
	if (rc < 0) {
		printf("init: waiting for %s failed: %s\n", buf, err_str(rc));
		return 2;
	}
	if (st.reason != UK_EXIT_NORMAL) {
		printf("init: test %s %s (vector %u at %lx)\n", buf,
		       st.reason == UK_EXIT_FAULT ? "crashed" : "was killed",
		       st.vector, st.fault_ip);
		return 4;
	}
	printf("init: test %s exited with code %ld\n", buf, st.code);
	return st.code == 0 ? 0 : 1;
}

static void run_config(void)
{
	struct cpio_entry e;
	static char line[256];

	if (cpio_find(archive, archive_len, "etc/init.conf", &e) != CPIO_ENTRY)
		return;
	const char *p = e.data, *end = p + e.size;
	while (p < end) {
		size_t n = 0;
		while (p < end && *p != '\n' && n + 1 < sizeof(line))
			line[n++] = *p++;
		while (p < end && *p != '\n')
			p++;
		p++;
		line[n] = '\0';
		if (strncmp(line, "run ", 4) != 0)
			continue;
		const char *argv[MAX_ARGS + 1];
		int argc = 0;
		char *s = line + 4, *path = NULL;
		while (*s && argc < MAX_ARGS) {
			while (*s == ' ')
				*s++ = '\0';
			if (!*s)
				break;
			if (!path)
				path = s;
			else
				argv[argc++] = s;
			while (*s && *s != ' ')
				s++;
		}
		if (!path)
			continue;
		argv[argc] = NULL;
		start_program(path, argv);
	}
}

int main(int argc, char **argv)
{
	uint64_t tsc = rdtsc();
	char node[16] = "?", test[128];

	cmdline_value("node", node, sizeof(node));
	printf("init: started on node %s (tsc %lu)\n", node, tsc);
	archive = (const void *)uk_startup_info->boot_archive;
	archive_len = uk_startup_info->boot_archive_len;
	if (!archive) {
		printf("init: no boot archive mapped; nothing to start\n");
		return 1;
	}
	if (cmdline_value("test", test, sizeof(test)))
		return run_test(test);
	run_config();
	static char servers[256], path[64];
	if (cmdline_value("servers", servers, sizeof(servers))) {
		char *s = servers;
		while (s && *s) {
			char *next = strchr(s, ',');
			if (next)
				*next++ = '\0';
			const char *server_argv[] = { s, NULL };
			snprintf(path, sizeof(path), "bin/%s", s);
			start_program(path, server_argv);
			s = next;
		}
	}
	printf("init: ready\n");
	for (;;) {
		struct uk_exit_status st;
		if (wait_task(0, &st, UK_TIMEOUT_INFINITE) == -ERR_NO_CHILD)
			uk_sleep(1000000000ull);
	}
}
