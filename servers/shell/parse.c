/* SPDX-License-Identifier: MIT */
/* Splitting command lines into commands and words (parse.h). */
#include "parse.h"

#include <string.h>

static bool blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int sh_parse(const char **line, struct sh_cmd *cmd, char *storage, size_t storage_len,
	     const char **error)
{
	const char *p = *line;
	char *out = storage, *end = storage + storage_len;
	bool want_redirect = false;

	memset(cmd, 0, sizeof(*cmd));
	while (blank(*p))
		p++;
	if (!*p)
		return 0;
	for (;;) {
		while (blank(*p))
			p++;
		if (!*p || *p == ';' || *p == '#') {
			if (*p == ';')
				p++;
			else
				p += strlen(p); /* end, or a comment to the end */
			break;
		}
		if (*p == '>') {
			if (want_redirect || cmd->redirect) {
				*error = "more than one redirection";
				return -1;
			}
			cmd->append = p[1] == '>';
			p += cmd->append ? 2 : 1;
			want_redirect = true;
			continue;
		}
		/* One word: runs of plain, quoted and escaped bytes. */
		char *word = out;
		while (*p && !blank(*p) && *p != ';' && *p != '>') {
			char q = *p;
			if (out + 2 > end) {
				*error = "line too long";
				return -1;
			}
			if (q == '\'' || q == '"') {
				p++;
				while (*p && *p != q) {
					if (q == '"' && *p == '\\' && (p[1] == '"' || p[1] == '\\'))
						p++;
					if (out + 2 > end) {
						*error = "line too long";
						return -1;
					}
					*out++ = *p++;
				}
				if (*p != q) {
					*error = "unterminated quote";
					return -1;
				}
				p++;
			} else if (q == '\\' && p[1]) {
				*out++ = p[1];
				p += 2;
			} else {
				*out++ = *p++;
			}
		}
		*out++ = '\0';
		if (want_redirect) {
			cmd->redirect = word;
			want_redirect = false;
		} else if (cmd->argc == SH_ARGS_MAX) {
			*error = "too many arguments";
			return -1;
		} else {
			cmd->argv[cmd->argc++] = word;
		}
	}
	if (want_redirect) {
		*error = "a file name must follow > or >>";
		return -1;
	}
	cmd->argv[cmd->argc] = NULL;
	*line = p;
	return 1;
}
