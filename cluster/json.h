/* SPDX-License-Identifier: MIT */
/* Just enough JSON to read QMP replies and events: find an object member,
 * read a string, number or boolean. Values are pointers into the text. */
#ifndef UKCLUSTER_JSON_H
#define UKCLUSTER_JSON_H

#include <stddef.h>

/* The value of member key of the object at obj, or NULL. */
const char *json_member(const char *obj, const char *key);
/* The end of the value at v, or NULL if it is malformed. */
const char *json_skip(const char *v);
int json_string(const char *v, char *buf, size_t len);
int json_number(const char *v, long long *out);
int json_bool(const char *v, int *out);
/* The i-th (0-based) element of the array at v, or NULL. */
const char *json_index(const char *v, int i);
/* Member lookup along a path of keys, e.g. {"data","reason"}. */
const char *json_path(const char *obj, const char *const keys[], int n);

#endif
