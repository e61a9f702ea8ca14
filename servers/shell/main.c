/* SPDX-License-Identifier: MIT */
/*
 * shell: the interactive command shell on the serial console.
 *
 *   shell              the console's shell (init starts it as a service):
 *                      finds "console", makes it standard input and output
 *                      and reads commands with line editing and history
 *   shell -i           the same on the standard input and output it was
 *                      given (a shell started from a shell; tests); ends
 *                      at end of input
 *   shell -c "CMDS"    runs CMDS (';'-separated) and exits with the status
 *                      of the last one; output to its standard output
 *   shell FILE         runs the lines of FILE the same way
 *
 * Built-in commands are listed in commands[] below; anything else runs a
 * program through the process server (run.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ulib.h>
#include <unistd.h>
#include <uk/fd.h>
#include <uk/proto/fs.h>

#include "lineedit.h"
#include "parse.h"
#include "shell.h"

#define CONSOLE_LOOKUP_NS (30ull * 1000000000ull)

bool shell_exit_requested;
int shell_exit_status;
static int last_status;

static int cmd_exit(int argc, char **argv)
{
	int code = last_status;

	if (argc > 2) {
		err("usage: exit [status]\n");
		return 2;
	}
	if (argc == 2) {
		char *end;
		code = (int)strtol(argv[1], &end, 10);
		if (!*argv[1] || *end) {
			err("exit: %s: not a number\n", argv[1]);
			return 2;
		}
	}
	shell_exit_requested = true;
	shell_exit_status = code;
	return code;
}

const struct command commands[] = {
	{ "help", cmd_help, "help", "this list" },
	{ "ls", cmd_ls, "ls [-la] [path...]", "list directories (-l: details, -a: dot files)" },
	{ "cat", cmd_cat, "cat file...", "print files" },
	{ "echo", cmd_echo, "echo [word...]", "print the words" },
	{ "cp", cmd_cp, "cp from to", "copy a file (to may be a directory)" },
	{ "mv", cmd_mv, "mv from to", "rename or move (to may be a directory)" },
	{ "rm", cmd_rm, "rm file...", "remove files" },
	{ "mkdir", cmd_mkdir, "mkdir dir...", "make directories" },
	{ "rmdir", cmd_rmdir, "rmdir dir...", "remove empty directories" },
	{ "cd", cmd_cd, "cd [dir]", "change the working directory (default /)" },
	{ "pwd", cmd_pwd, "pwd", "print the working directory" },
	{ "stat", cmd_stat, "stat path...", "show what the file system knows of a file" },
	{ "sync", cmd_sync, "sync", "write cached file data to the disk" },
	{ "ps", cmd_ps, "ps", "list tasks" },
	{ "kill", cmd_kill, "kill pid...", "end tasks (pid as ps shows it)" },
	{ "lsdev", cmd_lsdev, "lsdev", "list devices and their drivers" },
	{ "services", cmd_services, "services [node]",
	  "names here (with aliases, resolvers) or on another node" },
	{ "mem", cmd_mem, "mem", "memory in use (kernel, memory server, swap)" },
	{ "exit", cmd_exit, "exit [status]", "leave the shell (the console's starts afresh)" },
	{ NULL, NULL, NULL, NULL },
};

const struct command *command_find(const char *name)
{
	for (const struct command *c = commands; c->name; c++)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

static int run_command(struct sh_cmd *cmd)
{
	const struct command *c = command_find(cmd->argv[0]);

	if (!cmd->redirect)
		return c ? c->run(cmd->argc, cmd->argv) : run_program(cmd->argc, cmd->argv);
	if (!c) {
		err("%s: > and >> work with built-in commands only\n", cmd->argv[0]);
		return 2;
	}
	int fd = open(cmd->redirect, O_WRONLY | O_CREAT | (cmd->append ? O_APPEND : O_TRUNC),
		      0644);
	if (fd < 0) {
		err("%s: %s: %s\n", cmd->argv[0], cmd->redirect, strerror(errno));
		return 1;
	}
	out_set_file(fd);
	int status = c->run(cmd->argc, cmd->argv);
	out_flush();
	int werr = out_error();
	out_set_file(-1);
	if (close(fd) < 0 && !werr)
		werr = errno;
	if (werr) {
		err("%s: %s: %s\n", cmd->argv[0], cmd->redirect, strerror(werr));
		status = status ? status : 1;
	}
	return status;
}

/* Run every command of a line; the status is the last command's. */
static int run_line(const char *line)
{
	static char storage[LE_LINE_MAX * 16 + SH_ARGS_MAX + 2];
	struct sh_cmd cmd;
	const char *error = NULL;
	int rc;

	if (strlen(line) + SH_ARGS_MAX + 2 > sizeof(storage)) {
		err("sh: line too long\n");
		return last_status = 2;
	}
	while (!shell_exit_requested &&
	       (rc = sh_parse(&line, &cmd, storage, sizeof(storage), &error)) != 0) {
		if (rc < 0) {
			err("sh: %s\n", error);
			return last_status = 2;
		}
		if (cmd.argc == 0)
			continue;
		last_status = run_command(&cmd);
		out_flush();
	}
	return last_status;
}

static void prompt(void)
{
	char cwd[UK_FS_PATH_MAX];

	if (!getcwd(cwd, sizeof(cwd)))
		strlcpy(cwd, "?", sizeof(cwd));
	out("uk:%s$ ", cwd);
	out_flush();
}

static void emit_echo(void *ctx, const char *s, size_t n)
{
	out_raw(s, n);
}

/* The interactive loop on standard input. Returns 0 at end of input
 * (Ctrl-D ends it only if eof_ends) or when `exit` was run, -1 if reading
 * failed (errno says why). */
static int interact(struct lineedit *le, bool eof_ends)
{
	/* Input read but not yet fed stays for the next call: keys typed
	 * after `exit` belong to the fresh shell. */
	static char in[128];
	static ssize_t have, used;

	le_begin(le);
	prompt();
	for (;;) {
		if (used == have) {
			out_flush();
			have = read(0, in, sizeof(in));
			used = 0;
			if (have <= 0) {
				int rc = have == 0 ? 0 : -1;
				have = 0;
				return rc;
			}
		}
		while (used < have) {
			enum le_result r = le_feed(le, (unsigned char)in[used++]);
			if (r == LE_MORE)
				continue;
			if (r == LE_EOF && eof_ends)
				return 0;
			if (r == LE_EOF)
				out_raw("\r\n", 2);
			if (r == LE_LINE) {
				out_flush();
				run_line(le->line);
				if (shell_exit_requested)
					return 0;
			}
			le_begin(le);
			prompt();
		}
	}
}

static const char banner[] = "uk shell: type help for the commands.\n";

/* The console's own shell: if the console server goes away (it is
 * restarted when it crashes), find its successor and go on. */
static int console_shell(void)
{
	static struct lineedit le;

	le_init(&le, emit_echo, NULL);
	out_terminal(true);
	for (;;) {
		long c = ns_lookup("console", CONSOLE_LOOKUP_NS);
		if (c < 0) {
			printf("shell: no console server (\"console\"): %s\n", err_str(c));
			return 1;
		}
		/* The name server may not have seen the old console die yet. */
		struct uk_port_info info;
		if (uk_port_info((uk_name_t)c, &info) < 0 ||
		    (info.rights & UK_RIGHT_DEAD_NAME)) {
			uk_port_deallocate((uk_name_t)c);
			uk_sleep(50 * 1000000ull);
			continue;
		}
		stdio_attach((uk_name_t)c);
		/* Nobody would start another shell here: like a login on a
		 * terminal, `exit` gives a fresh one. interact returns 0 only
		 * for `exit` (Ctrl-D just prompts again). */
		while (out("%s", banner), interact(&le, false) == 0) {
			out("logout\n\n");
			shell_exit_requested = false;
			last_status = 0;
			chdir("/");
		}
		/* Back to the kernel log while we look for the console. */
		int why = errno;
		stdio_attach(0);
		uk_port_deallocate((uk_name_t)c);
		printf("shell: the console went away (%s); looking for it again\n",
		       strerror(why));
	}
}

static int stdio_shell(void)
{
	static struct lineedit le;

	if (!stdio_port()) {
		printf("shell -i: no console stream was given as standard input\n");
		return 2;
	}
	le_init(&le, emit_echo, NULL);
	out_terminal(true);
	out("%s", banner);
	interact(&le, true);
	out_flush();
	return shell_exit_requested ? shell_exit_status : last_status;
}

/* Run the lines of a file; a line longer than the editor's is refused
 * whole rather than run in pieces. */
static int script(const char *path)
{
	static char buf[4096], line[LE_LINE_MAX * 4];
	size_t len = 0;
	unsigned lineno = 1;
	bool too_long = false;
	ssize_t n = 0;
	int fd = open(path, O_RDONLY);

	if (fd < 0) {
		err("shell: %s: %s\n", path, strerror(errno));
		return 127;
	}
	while (!shell_exit_requested && (n = read(fd, buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < n && !shell_exit_requested; i++) {
			if (buf[i] != '\n') {
				if (len + 1 < sizeof(line))
					line[len++] = buf[i];
				else
					too_long = true;
				continue;
			}
			line[len] = '\0';
			if (too_long) {
				err("shell: %s:%u: line too long; not run\n", path, lineno);
				last_status = 2;
			} else {
				run_line(line);
			}
			len = 0;
			too_long = false;
			lineno++;
		}
	}
	if (n < 0)
		err("shell: %s: %s\n", path, strerror(errno));
	if (len && !too_long && !shell_exit_requested) {
		line[len] = '\0';
		run_line(line);
	}
	close(fd);
	return shell_exit_requested ? shell_exit_status : last_status;
}

int main(int argc, char **argv)
{
	int status;

	if (argc == 1)
		return console_shell();
	if (argc == 2 && !strcmp(argv[1], "-i"))
		return stdio_shell();
	if (argc == 3 && !strcmp(argv[1], "-c")) {
		status = run_line(argv[2]);
		if (shell_exit_requested)
			status = shell_exit_status;
	} else if (argc == 2 && argv[1][0] != '-') {
		status = script(argv[1]);
	} else {
		err("usage: shell [-i | -c \"commands\" | file]\n");
		status = 2;
	}
	out_flush();
	return status;
}
