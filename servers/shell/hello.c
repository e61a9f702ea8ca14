/* SPDX-License-Identifier: MIT */
/*
 * hello: a tiny program to run from the shell. It prints its arguments on
 * one line ("hello: a b c"); a few words do more, for tests:
 *   exit=N   exit with status N (after printing)
 *   read     read a line (to CR or LF) from standard input, print it
 *   crash    touch address 0 (the shell reports the crash)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int code = 0;

	printf("hello:");
	for (int i = 1; i < argc; i++)
		printf(" %s", argv[i]);
	printf("\n");
	for (int i = 1; i < argc; i++) {
		if (!strncmp(argv[i], "exit=", 5)) {
			code = atoi(argv[i] + 5);
		} else if (!strcmp(argv[i], "read")) {
			/* Raw console input: a line ends at CR or LF. */
			char line[128];
			size_t n = 0;
			char c;
			fflush(stdout);
			while (n + 1 < sizeof(line) && read(0, &c, 1) == 1 && c != '\r' &&
			       c != '\n')
				line[n++] = c;
			line[n] = '\0';
			printf("hello: read: %s\n", line);
		} else if (!strcmp(argv[i], "crash")) {
			fflush(stdout);
			/* On purpose: the shell's crash report is tested. */
			// cppcheck-suppress nullPointer
			*(volatile int *)0 = 1;
		}
	}
	fflush(stdout);
	return code;
}
