/* SPDX-License-Identifier: MIT */
/*
 * The shell's parts: output (out.c), built-in commands (cmd_files.c,
 * cmd_system.c), running programs (run.c) and the command loop (main.c).
 */
#ifndef SHELL_H
#define SHELL_H

#include <stdbool.h>
#include <stddef.h>

/* Output of the command being run: standard output, or the file of a
 * > / >> redirection. On a terminal '\n' goes out as "\r\n". */
void out_set_file(int fd); /* -1: back to standard output */
void out_terminal(bool on);
void out_write(const char *s, size_t n);
/* Bytes for the terminal as they are (the line editor's echo). */
void out_raw(const char *s, size_t n);
void out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Error messages: standard error, never redirected. */
void err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Send what is buffered (before waiting for input or a program). */
void out_flush(void);
/* The file a redirection wrote failed (errno kept), or 0. */
int out_error(void);

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *usage;
	const char *help;
};
/* Built-in commands, NULL-name terminated; NULL if name is none. */
extern const struct command commands[];
const struct command *command_find(const char *name);

/* cmd_files.c and cmd_system.c */
int cmd_ls(int argc, char **argv);
int cmd_cat(int argc, char **argv);
int cmd_echo(int argc, char **argv);
int cmd_cp(int argc, char **argv);
int cmd_mv(int argc, char **argv);
int cmd_rm(int argc, char **argv);
int cmd_mkdir(int argc, char **argv);
int cmd_rmdir(int argc, char **argv);
int cmd_cd(int argc, char **argv);
int cmd_pwd(int argc, char **argv);
int cmd_stat(int argc, char **argv);
int cmd_sync(int argc, char **argv);
int cmd_ps(int argc, char **argv);
int cmd_kill(int argc, char **argv);
int cmd_lsdev(int argc, char **argv);
int cmd_services(int argc, char **argv);
int cmd_mem(int argc, char **argv);
int cmd_help(int argc, char **argv);

/* Run the program argv[0] (a path, or a name looked up in /bin) and wait
 * for it; returns its exit status (127: not found, 126: cannot start). */
int run_program(int argc, char **argv);

/* Set by `exit`: the shell ends after the current command. */
extern bool shell_exit_requested;
extern int shell_exit_status;

#endif
