/* SPDX-License-Identifier: MIT */
/*
 * Standard streams of the adapter. stdout and stderr go to the program's
 * standard output: the console stream it was given (uk_startup.rights[1]
 * as a send right, or stdio_attach), else the kernel log. printf and puts
 * come from the runtime (ulib.h) and write there too.
 */
#ifndef UK_POSIX_STDIO_H
#define UK_POSIX_STDIO_H

#include <stdarg.h>
#include <stddef.h>
#include <fmt.h>
#include <sys/types.h>

typedef struct uk_file {
	int fd;
	int eof, error;
} FILE;

extern FILE *stdin, *stdout, *stderr;
#define EOF (-1)

int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vprintf(const char *fmt, va_list ap);
int puts(const char *s);
int putchar(int c);
int fprintf(FILE *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int vfprintf(FILE *f, const char *fmt, va_list ap);
int fputs(const char *s, FILE *f);
int fputc(int c, FILE *f);
int fflush(FILE *f);
int getchar(void);
int fgetc(FILE *f);
char *fgets(char *buf, int n, FILE *f);
void perror(const char *what);
int rename(const char *from, const char *to);

#endif
