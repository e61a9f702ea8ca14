/* SPDX-License-Identifier: MIT */
/*
 * Splitting a command line: commands are separated by ';', words by
 * blanks. '...' keeps everything literally, "..." too except \" and \\,
 * a backslash outside quotes keeps the next byte literally. An unquoted
 * '>' or '>>' (also glued to a word: echo hi>f) redirects the command's
 * output to the file named by the next word; '#' at the start of a word
 * comments out the rest of the line. Pure code, tested on the host.
 */
#ifndef PARSE_H
#define PARSE_H

#include <stdbool.h>
#include <stddef.h>

#define SH_ARGS_MAX 64

struct sh_cmd {
	int argc;
	char *argv[SH_ARGS_MAX + 1]; /* NULL-terminated */
	char *redirect;		     /* file after > or >>, or NULL */
	bool append;		     /* >> */
};

/*
 * Parse the next command of *line into cmd, its strings kept in storage
 * (which must hold at least strlen(line) + SH_ARGS_MAX + 2 bytes), and
 * advance *line past it. Returns 1 for a command (argc may be 0 for an
 * empty one, e.g. between ";;"), 0 at the end of the line, -1 on a
 * syntax error with *error saying what is wrong.
 */
int sh_parse(const char **line, struct sh_cmd *cmd, char *storage, size_t storage_len,
	     const char **error);

#endif
