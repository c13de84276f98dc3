/* SPDX-License-Identifier: GPL-2.0-or-later */
/* shared/journal-internal.h — what journal.c and holds.c share (not for
 * callers: they use journal.h). */
#pragma once
#include "shared/journal.h"

/* append a formatted line to a file under the root (O_APPEND, one write) */
int journal_appendf(const struct pgs_root *r, const char *path, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* a message to the caller's report function */
void journal_report(journal_report_fn report, void *ud, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* put back the value of one hold of uuid's (the last holder restores it) */
int journal_undo_hold(const struct pgs_root *r, const struct journal_ops *ops, const char *uuid, const char *path,
                      journal_report_fn report, void *ud);
/* the registered store a value path belongs to, or NULL (a file under the root) */
const struct journal_store *journal_store_of(const struct journal_ops *ops, const char *path);
