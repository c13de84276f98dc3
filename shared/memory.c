/* SPDX-License-Identifier: GPL-2.0-or-later */
/* shared/memory.c — see memory.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/memory.h"

uint64_t meminfo_kib(const struct pgs_root *r, const char *key)
{
        char *t;
        size_t len, kl = strlen(key);
        uint64_t v = 0;
        if (fs_read_file(r, "proc/meminfo", 1 << 16, &t, &len) < 0)
                return 0;
        for (char *p = t; p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
                if (!strncmp(p, key, kl) && p[kl] == ':') {
                        v = strtoull(p + kl + 1, NULL, 10);
                        break;
                }
        free(t);
        return v;
}

bool hugetlbfs_mounted(const struct pgs_root *r, unsigned long kib)
{
        char *t;
        size_t len;
        bool found = false;
        unsigned long dflt = (unsigned long)meminfo_kib(r, "Hugepagesize");
        if (fs_read_file(r, "proc/mounts", 1 << 20, &t, &len) < 0)
                return false;
        char *save;
        for (char *l = strtok_r(t, "\n", &save); l && !found; l = strtok_r(NULL, "\n", &save)) {
                char dev[256], dir[512], type[64], opts[512];
                if (sscanf(l, "%255s %511s %63s %511s", dev, dir, type, opts) != 4 || strcmp(type, "hugetlbfs"))
                        continue;
                unsigned long sz = dflt;
                char *p = strstr(opts, "pagesize=");
                if (p) {
                        char unit = 0;
                        unsigned long v = 0;
                        sscanf(p + 9, "%lu%c", &v, &unit);
                        sz = unit == 'G' ? v * 1024 * 1024 : unit == 'M' ? v * 1024 : unit == 'K' || unit == 'k' ? v : v / 1024;
                }
                found = sz == kib;
        }
        free(t);
        return found;
}
