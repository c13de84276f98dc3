/* SPDX-License-Identifier: GPL-2.0-or-later */
/* shared/earlystate.h — /run/pgs/early, written by pgs-early and read by
 * `pgs status` (format: docs/state-files.md):
 *   # pgs-early 1
 *   ADDR<TAB>STATE<TAB>DRIVER<TAB>MESSAGE */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "shared/pci.h"

#define EARLY_STATE_PATH   "run/pgs/early"
#define EARLY_STATE_HEADER "# pgs-early 1\n"

struct early_line {
        struct pci_addr addr;
        const char *name, *state, *driver, *why;        /* point into the line */
};

/* Split one line in place. -EINVAL for a comment, a short line or an address
 * that is not one; ret is written only on success. */
int early_line_parse(char *line, struct early_line *ret);

/* Append one line to buf (at *len, never past size); a tab or newline in a
 * field would break the format and is written as a space. */
void early_line_format(char *buf, size_t size, size_t *len, const char *addr, const char *state, const char *driver,
                       const char *why);
