/* SPDX-License-Identifier: GPL-2.0-or-later */
/* shared/procscan.c — walking /proc (see procscan.h). */
#include "shared/procscan.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int proc_each(const struct pgs_root *r, int (*fn)(const char *pid, void *ud), void *ud)
{
        struct dirent **list;
        int n = fs_scandir(r, "proc", &list, NULL, NULL), rc = 0;
        for (int i = 0; i < n; i++) {
                const char *d = list[i]->d_name;
                if (!rc && d[0] >= '1' && d[0] <= '9' && d[strspn(d, "0123456789")] == '\0')
                        rc = fn(d, ud);
                free(list[i]);
        }
        if (n >= 0)
                free(list);
        return rc;
}

int proc_each_fd(const struct pgs_root *r, const char *pid, int (*fn)(const char *pid, const char *target, void *ud), void *ud)
{
        char p[300];
        struct dirent **fds;
        if (!path_fmt(p, sizeof(p), "proc/%s/fd", pid))
                return 0;
        int m = fs_scandir(r, p, &fds, NULL, NULL), rc = 0;
        for (int f = 0; f < m; f++) {
                char lp[400], t[512];
                if (!rc && fds[f]->d_name[0] != '.' && path_fmt(lp, sizeof(lp), "%s/%s", p, fds[f]->d_name) &&
                    fs_readlink(r, lp, t, sizeof(t)) > 0)
                        rc = fn(pid, t, ud);
                free(fds[f]);
        }
        if (m >= 0)
                free(fds);
        return rc;
}
