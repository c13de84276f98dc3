/* SPDX-License-Identifier: GPL-2.0-or-later */
/* shared/strutil.h — small string questions asked in several places: is a
 * word in a list, and a printable copy of untrusted bytes for a message, a JSON string. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Is w a whole word of list? Words are separated by any character of seps
 * (the ends of list count as separators). */
bool str_has_word(const char *list, const char *w, const char *seps);

/* The first len bytes of s with every byte outside printable ASCII written as
 * \xNN, cut with "..." when buf is too small. Returns buf. */
const char *str_shown(const char *s, size_t len, char *buf, size_t size);

/* s as a JSON string ("…", with " \\ and control bytes escaped), or null
 * when s is NULL: what every --json output writes. */
void json_str(FILE *f, const char *s);

/* s as XML text or an attribute value (either quote): < > & ' " escaped;
 * what vm/xml.c and vm/answer.c write user strings with. */
void xml_str(FILE *f, const char *s);

/* Format a refusal into msg and return -EINVAL: for parsers and planners that
 * hand the caller a message (`return fail_msg(msg, msgsize, "…", …)`). */
int fail_msg(char *msg, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
