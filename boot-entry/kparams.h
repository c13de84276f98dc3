/* SPDX-License-Identifier: GPL-2.0-or-later */
/* boot-entry/kparams.h — kernel parameters inside the files bootloaders keep
 * them in, edited so that everything else stays byte for byte.
 *
 * A "segment" is the span of a file that holds the parameters: the inside of
 * GRUB_CMDLINE_LINUX_DEFAULT's last quoted part, the line of
 * /etc/kernel/cmdline, the rest of a BLS entry's `options` line. Adding puts
 * " word" at the end of the segment ("word" when it is empty); removing takes
 * a whole token and one space next to it (the one before, else the one after).
 * The two are exact inverses, so apply + revert gives back the original bytes. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

struct seg {
        size_t start, end;      /* [start, end) in the text */
};

/* A list of words that grows as needed: a command line has no fixed length.
 * Zero-initialised is empty. */
struct words {
        size_t n, cap;
        char **v;
};

void words_free(struct words *w);
/* freed when the variable goes out of scope, on every return path */
#define _cleanup_words_ __attribute__((cleanup(words_free)))
void words_push(struct words *w, char *word);           /* takes word (malloc'ed) */
void words_add(struct words *w, const char *word);      /* a copy of word */
bool words_has(const struct words *w, const char *word);
/* the key of "key=value" (or the whole word), compared with '-' == '_' as the kernel does */
bool param_same_key(const char *a, const char *b);

/* Split text into parameters, dropping shell/kernel quotes ("a b" stays one word). */
void words_split(const char *text, size_t len, struct words *ret);

/* Remove rm's words, then add add's words, inside seg. Returns a new malloc'ed
 * text and its length; *ret_seg is the segment's new extent. */
char *seg_edit(const char *text, size_t len, struct seg s, const struct words *add, const struct words *rm,
               size_t *ret_len, struct seg *ret_seg);

/* Shell assignment NAME=VALUE (the last one in the file, where a command
 * starts, `export ` allowed; comments and quotes read as the shell reads
 * them): the value's extent. Returns false when absent. */
bool sh_find_assign(const char *text, size_t len, const char *name, struct seg *ret_value);

/* The segment to edit inside a shell value: the inside of its last quoted part
 * when it ends with a quote. False for an unquoted (or empty) value. */
bool sh_value_quoted_seg(const char *text, struct seg value, struct seg *ret);

/* The value with quotes and escapes resolved (malloc'ed). */
char *sh_unquote(const char *text, struct seg value);
