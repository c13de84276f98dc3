/* SPDX-License-Identifier: GPL-2.0-or-later */
/* boot-entry/plan.c — what the back ends of `pgs boot` share beside the edit
 * engine (shared/edit.c, which reads, writes, regenerates and rolls back):
 * its messages, finding a program, host paths, joining parameter lists. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "boot-entry/boot.h"
#include "shared/alloc.h"
#include "shared/log.h"

int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int fail(const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        log_vstderr("pgs boot", fmt, ap);
        va_end(ap);
        return -1;
}

bool find_prog(struct boot *b, const char *name, char *buf, size_t size)
{
        return prog_find(&b->root, b->sysroot, name, buf, size);
}

/* the words joined by spaces, then tail (malloc'ed) */
char *join_alloc(const struct words *w, const char *tail, size_t *ret_len)
{
        size_t n = strlen(tail) + 1;
        for (size_t i = 0; i < w->n; i++)
                n += strlen(w->v[i]) + 1;
        char *t = malloc(n), *p = t;
        if (!t)
                abort();
        for (size_t i = 0; i < w->n; i++)
                p += sprintf(p, "%s%s", i ? " " : "", w->v[i]);
        p += sprintf(p, "%s", tail);
        if (ret_len)
                *ret_len = (size_t)(p - t);
        return t;
}

/* "PREFIX" + the words joined by spaces (malloc'ed), one argv element */
char *join_arg(const char *prefix, const struct words *w)
{
        char *j = join_alloc(w, "", NULL), *a;
        if (asprintf(&a, "%s%s", prefix, j) < 0)
                abort();
        free(j);
        return a;
}
