/* SPDX-License-Identifier: GPL-2.0-or-later */
/* shared/sysroot.c — the --sysroot option (see sysroot.h). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/command.h"
#include "shared/log.h"
#include "shared/sysroot.h"

int sysroot_open(struct pgs_root *r, const char *who, const char *dir)
{
        char abs[PATH_MAX];
        r->fd = -1;
        if (dir && !realpath(dir, abs)) {
                log_stderr(who, "--sysroot %s: %s", dir, strerror(errno));
                return PGS_EXIT_USAGE;
        }
        int rc = root_open(r, dir ? abs : NULL);
        if (rc < 0) {
                log_stderr(who, "--sysroot %s: %s", dir ? dir : "/", strerror(-rc));
                return PGS_EXIT_USAGE;
        }
        return 0;
}

const char *sysroot_of(const struct pgs_root *r)
{
        return strcmp(r->dir, "/") ? r->dir : NULL;
}

char *sysroot_path(const struct pgs_root *r, const char *rel, char *buf, size_t size)
{
        const char *dir = sysroot_of(r);
        snprintf(buf, size, "%s/%s", dir ? dir : "", rel);
        return buf;
}
