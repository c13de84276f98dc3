/* SPDX-License-Identifier: GPL-2.0-or-later */
/* shared/alloc.h — allocation helpers.
 *
 * x*(): for the host commands' small working buffers (a config file's words,
 * a diff's line table), where running out of memory has no useful recovery:
 * abort() before anything is written, never a NULL dereference halfway
 * through an edit. Code that can fail cleanly returns -ENOMEM instead.
 * _cleanup_free_, _cleanup_close_: freed or closed when the variable goes
 * out of scope (systemd's habit). */
#pragma once
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static inline void *xmalloc(size_t n)
{
        void *p = malloc(n ? n : 1);
        if (!p)
                abort();
        return p;
}

static inline void *xrealloc(void *p, size_t n)
{
        void *q = realloc(p, n ? n : 1);
        if (!q)
                abort();
        return q;
}

static inline char *xstrdup(const char *s)
{
        char *d = strdup(s);
        if (!d)
                abort();
        return d;
}

static inline void free_ptr(void *p)
{
        free(*(void **)p);
}

static inline void close_ptr(const int *fd)
{
        if (*fd >= 0)
                close(*fd);
}

#define _cleanup_free_ __attribute__((cleanup(free_ptr)))
#define _cleanup_close_ __attribute__((cleanup(close_ptr)))
