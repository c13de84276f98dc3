/* SPDX-License-Identifier: GPL-2.0-or-later */
/* shared/diff.h — a unified diff of two texts, for dry runs.
 * One hunk around the changed region (common leading and trailing lines are
 * context), which is exact for the small in-place edits pgs makes. */
#pragma once
#include <stddef.h>
#include <stdio.h>

/* Print `diff -u` style output comparing a and b, labelled with path. Prints
 * nothing when they are equal. a may be NULL (new file), b NULL (removed). */
void diff_unified(FILE *out, const char *path, const char *a, size_t alen, const char *b, size_t blen);
