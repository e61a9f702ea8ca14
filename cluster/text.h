/* SPDX-License-Identifier: MIT */
/*
 * Pure text helpers shared by the configuration and scenario parsers and the
 * tool: bounded copies, number and duration parsing, and the line tokenizer
 * both file formats use: words separated by blanks, '#' starting a comment
 * outside quotes, "double quotes" around words with blanks or '#'. Inside
 * quotes \" \\ \n \r \t are escapes; any other backslash stays as
 * written, so regular expressions need no doubling ("node2\.ipxe").
 */
#ifndef UKCLUSTER_TEXT_H
#define UKCLUSTER_TEXT_H

#include <stddef.h>
#include <stdint.h>

#define TOKENS_MAX 32
#define TOKEN_LEN 512

struct tokens {
	int count;
	char word[TOKENS_MAX][TOKEN_LEN];
	int quoted[TOKENS_MAX]; /* the word was written in quotes */
};

/* Copy with truncation, always NUL-terminated (size > 0); returns
 * strlen(src) so callers can detect truncation (>= size). */
size_t str_copy(char *dst, const char *src, size_t size);
/* Append formatted text; returns 0, or -1 if it did not fit (the buffer
 * then holds a truncated but terminated string). */
int str_append(char *dst, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Decimal integer in [lo, hi] with nothing after it. */
int parse_uint(const char *s, unsigned lo, unsigned hi, unsigned *out);
/* "250ms", "30s", "1.5s", "2m", or a bare number of seconds. */
int parse_duration_ms(const char *s, uint64_t *out);
/* "1.5 s", "250 ms", "2m03s": for messages. */
const char *format_duration(uint64_t ms, char *buf, size_t len);

/* Split one line (no newline) into words. Returns 0, or -1 with a reason in
 * err (unterminated quote, too many or too long words). */
int tokenize(const char *line, struct tokens *out, char *err, size_t errlen);

/* Quote a word for output so that tokenize() reads it back unchanged. */
const char *quote_word(const char *word, char *buf, size_t len);

#endif
