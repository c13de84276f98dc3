/* SPDX-License-Identifier: GPL-2.0-or-later */
/* shared/cpuinfo.c — see cpuinfo.h. */
#include "shared/cpuinfo.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* the value of "key<TAB>: value" in text, "" when absent */
static void field(const char *text, const char *key, char *buf, size_t size)
{
        size_t k = strlen(key);
        buf[0] = '\0';
        for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
                if (strncmp(p, key, k) || (p[k] != ' ' && p[k] != '\t' && p[k] != ':'))
                        continue;
                const char *v = strchr(p, ':');
                if (!v)
                        return;
                v += 1 + (v[1] == ' ');
                size_t l = strcspn(v, "\n");
                snprintf(buf, size, "%.*s", (int)(l < size ? l : size - 1), v);
                return;
        }
}

int cpuinfo_read(const struct pgs_root *r, struct cpuinfo *ret)
{
        /* procfs hands the file out a page or so per read(): read on until
         * the buffer is full, which holds the first CPU's block */
        char text[16384];
        int fd = root_openat(r, "proc/cpuinfo", O_RDONLY, 0);
        if (fd < 0)
                return fd;
        size_t len = 0;
        ssize_t n;
        while (len < sizeof(text) - 1 && (n = read(fd, text + len, sizeof(text) - 1 - len)) > 0)
                len += (size_t)n;
        close(fd);
        text[len] = '\0';
        field(text, "vendor_id", ret->vendor, sizeof(ret->vendor));
        field(text, "flags", ret->flags, sizeof(ret->flags));
        return 0;
}
