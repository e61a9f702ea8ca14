/* SPDX-License-Identifier: MIT */
/*
 * Error codes shared by kernel, servers, adapter and host tools; generated
 * from errors.def so number and text cannot disagree.
 */
#ifndef UK_ERRORS_H
#define UK_ERRORS_H

enum uk_error {
#define ERROR(name, value, text) name = value,
#include <uk/errors.def>
#undef ERROR
	ERR_COUNT_
};

/* Human-readable text for an error code; accepts e or -e. */
static inline const char *err_str(long e)
{
	if (e < 0)
		e = -e;
	switch (e) {
#define ERROR(name, value, text) \
	case value:              \
		return text;
#include <uk/errors.def>
#undef ERROR
	default:
		return "unknown error";
	}
}

/* Symbolic name ("ERR_FAULT") of an error code; accepts e or -e. */
static inline const char *err_name(long e)
{
	if (e < 0)
		e = -e;
	switch (e) {
#define ERROR(name, value, text) \
	case value:              \
		return #name;
#include <uk/errors.def>
#undef ERROR
	default:
		return "ERR_UNKNOWN";
	}
}

#endif
