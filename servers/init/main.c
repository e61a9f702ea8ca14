/* SPDX-License-Identifier: MIT */
/*
 * init: the first task, started by the kernel from the first file of the
 * boot archive, which the kernel maps read-only into init. It starts the
 * other programs from the archive:
 *   - test=PROGRAM[:ARG,ARG...] runs bin/PROGRAM with those arguments,
 *     waits for it (deadline timeout=SECONDS, default 600) and exits with
 *     its status, which powers off the machine in test mode;
 *   - otherwise every "service NAME ..." line of etc/init.conf is started
 *     as bin/NAME, then each NAME of servers=NAME,NAME... (the cluster
 *     configuration chooses these per node), and init collects orphans
 *     forever, restarting services that crash or are killed.
 * The name server (bin/name) always starts first: init makes the bootstrap
 * port, gives it the receive right, and gives every other program a send
 * right to it as uk_startup.rights[0]. Test programs and "+hw" services
 * also get copies of init's hardware roots at rights[1..3]. In test mode
 * only the services of with=NAME,NAME... are started before the test.
 */
#include <cmdline.h>
#include <cpio.h>
#include <string.h>
#include <ulib.h>

#define MAX_ARGS 16
#define MAX_SERVICES 24u
#define RESTART_WINDOW_NS (10ull * 1000000000ull)
#define RESTART_MAX 5u

static const void *archive;
static size_t archive_len;
static uk_name_t name_server; /* our send right to it */

struct service {
	char name[24];
	char args[160];	 /* space-separated */
	bool hw;	 /* gets the hardware roots at rights[1..3] */
	bool restart;	 /* restarted when it crashes or is killed */
	bool wanted;	 /* started in this boot */
	uint64_t task;	 /* running task, 0 if none */
	uint64_t window_start;
	unsigned restarts;
};
static struct service services[MAX_SERVICES];
static unsigned n_services;

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

/* The bootstrap right, and with hw the copies of our hardware roots. */
static unsigned standard_rights(struct uk_task_right *r, bool hw)
{
	unsigned n = 0;

	r[n++] = (struct uk_task_right){ name_server, UK_DISP_COPY_SEND };
	for (unsigned i = UK_STARTUP_HW_IO; hw && i <= UK_STARTUP_HW_IRQ; i++)
		if (i < uk_startup_info->n_rights && uk_startup_info->rights[i])
			r[n++] = (struct uk_task_right){ uk_startup_info->rights[i],
							 UK_DISP_COPY_HARDWARE };
	return n;
}

/* The name server gets the receive right of the bootstrap port; init keeps
 * a send right and hands copies to everything it starts. */
static int start_name_server(const char *node)
{
	static char node_arg[32];
	long port = uk_port_allocate(UK_RIGHT_RECEIVE);

	if (port <= 0) {
		printf("init: cannot make the bootstrap port: %s\n", err_str(port));
		return -1;
	}
	long send = uk_port_insert_right((uk_name_t)port, UK_DISP_MAKE_SEND);
	if (send < 0) {
		printf("init: cannot make the bootstrap right: %s\n", err_str(send));
		return -1;
	}
	snprintf(node_arg, sizeof(node_arg), "node=%s", node);
	const char *argv[] = { "name", node_arg, NULL };
	struct uk_task_right r = { (uk_name_t)port, UK_DISP_MOVE_RECEIVE };
	long id = start_program_rights("bin/name", argv, &r, 1);
	if (id < 0)
		return -1;
	name_server = (uk_name_t)port;
	return 0;
}

static long start_service(struct service *s)
{
	static char buf[160], path[64];
	const char *argv[MAX_ARGS + 1];
	struct uk_task_right r[UK_TASK_RIGHTS_MAX];
	int argc = 0;

	strlcpy(buf, s->args, sizeof(buf));
	argv[argc++] = s->name;
	char *save = NULL;
	for (char *w = strtok_r(buf, " ", &save); w && argc < MAX_ARGS;
	     w = strtok_r(NULL, " ", &save))
		argv[argc++] = w;
	argv[argc] = NULL;
	snprintf(path, sizeof(path), "bin/%s", s->name);
	long id = start_program_rights(path, argv, r, standard_rights(r, s->hw));
	s->task = id > 0 ? (uint64_t)id : 0;
	return id;
}

static struct service *add_service(const char *name)
{
	for (unsigned i = 0; i < n_services; i++)
		if (!strcmp(services[i].name, name))
			return &services[i];
	if (n_services == MAX_SERVICES || strlen(name) >= sizeof(services[0].name))
		return NULL;
	struct service *s = &services[n_services++];
	memset(s, 0, sizeof(*s));
	strlcpy(s->name, name, sizeof(s->name));
	s->restart = true;
	return s;
}

/* etc/init.conf: "service NAME [+hw] [+once] [ARG...]" lines, in start
 * order; '#' starts a comment. */
static void read_config(void)
{
	struct cpio_entry e;
	static char line[256];

	if (cpio_find(archive, archive_len, "etc/init.conf", &e) != CPIO_ENTRY)
		return;
	const char *p = e.data, *end = p + e.size;
	unsigned lineno = 0;
	while (p < end) {
		size_t n = 0;
		while (p < end && *p != '\n' && n + 1 < sizeof(line))
			line[n++] = *p++;
		while (p < end && *p != '\n')
			p++;
		p++;
		lineno++;
		line[n] = '\0';
		char *hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		char *save = NULL, *w = strtok_r(line, " \t", &save);
		if (!w)
			continue;
		char *name = strcmp(w, "service") ? NULL : strtok_r(NULL, " \t", &save);
		struct service *s = name ? add_service(name) : NULL;
		if (!s) {
			printf("init: etc/init.conf line %u: expected \"service NAME "
			       "[+hw] [+once] [ARG...]\" (at most %u services)\n",
			       lineno, MAX_SERVICES);
			continue;
		}
		while ((w = strtok_r(NULL, " \t", &save))) {
			if (!strcmp(w, "+hw")) {
				s->hw = true;
			} else if (!strcmp(w, "+once")) {
				s->restart = false;
			} else if (strlen(s->args) + strlen(w) + 2 < sizeof(s->args)) {
				if (s->args[0])
					strcat(s->args, " ");
				strcat(s->args, w);
			}
		}
	}
}

/* Mark the services of a comma-separated list; names not in init.conf
 * become plain services. */
static void want_list(const char *list)
{
	static char buf[256];

	strlcpy(buf, list, sizeof(buf));
	char *save = NULL;
	for (char *w = strtok_r(buf, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		struct service *s = add_service(w);
		if (s)
			s->wanted = true;
		else
			printf("init: too many services; %s is not started\n", w);
	}
}

static void start_wanted(void)
{
	for (unsigned i = 0; i < n_services; i++)
		if (services[i].wanted)
			start_service(&services[i]);
}

/* A child ended: restart it if it is a service that crashed or was killed,
 * at most RESTART_MAX times in RESTART_WINDOW_NS. */
static void child_ended(const struct uk_exit_status *st)
{
	for (unsigned i = 0; i < n_services; i++) {
		struct service *s = &services[i];
		if (s->task != st->task)
			continue;
		s->task = 0;
		if (st->reason == UK_EXIT_NORMAL) {
			printf("init: %s exited with code %ld\n", s->name, st->code);
			return;
		}
		printf("init: %s %s (vector %u at %lx)\n", s->name,
		       st->reason == UK_EXIT_FAULT ? "crashed" : "was killed",
		       st->vector, st->fault_ip);
		if (!s->restart)
			return;
		uint64_t now = uk_clock();
		if (now - s->window_start > RESTART_WINDOW_NS) {
			s->window_start = now;
			s->restarts = 0;
		}
		if (++s->restarts > RESTART_MAX) {
			printf("init: %s failed %u times in %lu s; not restarting it\n",
			       s->name, RESTART_MAX,
			       (unsigned long)(RESTART_WINDOW_NS / 1000000000ull));
			return;
		}
		if (start_service(s) > 0)
			printf("init: restarted %s\n", s->name);
		return;
	}
}

static int run_test(const char *spec)
{
	static char buf[256], path[64];
	const char *argv[MAX_ARGS + 1];
	struct uk_task_right r[UK_TASK_RIGHTS_MAX];
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

	/* Test programs get the bootstrap right and the hardware roots. */
	long id = start_program_rights(path, argv, r, standard_rights(r, true));
	if (id < 0)
		return 2;
	uint64_t deadline = uk_clock() + timeout_s * 1000000000ull;
	for (;;) {
		uint64_t now = uk_clock();
		long rc = now < deadline ? wait_task(0, &st, deadline - now)
					 : -ERR_TIMED_OUT;
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
		if (st.task == (uint64_t)id)
			break;
		child_ended(&st);
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

int main(int argc, char **argv)
{
	uint64_t tsc = rdtsc();
	static char node[16] = "0", test[128], list[256];

	cmdline_value("node", node, sizeof(node));
	printf("init: started on node %s (tsc %lu)\n", node, tsc);
	archive = (const void *)uk_startup_info->boot_archive;
	archive_len = uk_startup_info->boot_archive_len;
	if (!archive) {
		printf("init: no boot archive mapped; nothing to start\n");
		return 1;
	}
	if (start_name_server(node) < 0)
		return 1;
	read_config();
	if (cmdline_value("test", test, sizeof(test))) {
		/* Only the services the test asks for (with=a,b). */
		if (cmdline_value("with", list, sizeof(list)))
			want_list(list);
		start_wanted();
		return run_test(test);
	}
	for (unsigned i = 0; i < n_services; i++)
		services[i].wanted = true;
	/* servers=a,b: more services, chosen per node by the cluster. */
	if (cmdline_value("servers", list, sizeof(list)))
		want_list(list);
	start_wanted();
	printf("init: ready\n");
	for (;;) {
		struct uk_exit_status st;
		if (wait_task(0, &st, UK_TIMEOUT_INFINITE) == -ERR_NO_CHILD)
			uk_sleep(1000000000ull);
		else
			child_ended(&st);
	}
}
