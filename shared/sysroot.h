/* SPDX-License-Identifier: GPL-2.0-or-later */
/* shared/sysroot.h — the --sysroot option every `pgs` command takes: one
 * getopt entry, one way to open it, one message when it does not open. */
#pragma once
#include <getopt.h>

#include "shared/root.h"

/* the getopt_long entry; the command's switch handles 'r' */
#define SYSROOT_OPTION { "sysroot", required_argument, NULL, 'r' }

/* Open DIR (NULL: /) as the root r, DIR made absolute first: the programs pgs
 * runs under it get it as PGS_SYSROOT and may run from another directory.
 * Returns 0, or says "WHO: --sysroot DIR: why" and returns PGS_EXIT_USAGE. */
int sysroot_open(struct pgs_root *r, const char *who, const char *dir);

/* the absolute DIR r was opened on, or NULL when it is / */
const char *sysroot_of(const struct pgs_root *r);

/* rel as a program run on the host sees it: "DIR/rel", or "/rel" */
char *sysroot_path(const struct pgs_root *r, const char *rel, char *buf, size_t size);
