/* SPDX-License-Identifier: GPL-2.0-or-later */
/* shared/diff.c — minimal unified diff (see diff.h). */
#include "shared/diff.h"
#include "shared/alloc.h"

#include <stdlib.h>
#include <string.h>

struct lines {
        const char **p;
        size_t *len;
        size_t n;
};

static void split(const char *t, size_t len, struct lines *l)
{
        l->n = 0;
        size_t cap = 16;
        l->p = xmalloc(cap * sizeof(*l->p));
        l->len = xmalloc(cap * sizeof(*l->len));
        size_t i = 0;
        while (t && i < len) {
                size_t j = i;
                while (j < len && t[j] != '\n')
                        j++;
                if (l->n == cap) {
                        cap *= 2;
                        l->p = xrealloc(l->p, cap * sizeof(*l->p));
                        l->len = xrealloc(l->len, cap * sizeof(*l->len));
                }
                l->p[l->n] = t + i;
                l->len[l->n] = j - i + (j < len);      /* with its newline */
                l->n++;
                i = j + 1;
        }
}

static int same(const struct lines *a, size_t i, const struct lines *b, size_t j)
{
        return a->len[i] == b->len[j] && memcmp(a->p[i], b->p[j], a->len[i]) == 0;
}

static void put(FILE *out, char tag, const char *p, size_t len)
{
        fputc(tag, out);
        fwrite(p, 1, len, out);
        if (len == 0 || p[len - 1] != '\n')
                fputs("\n\\ No newline at end of file\n", out);
}

void diff_unified(FILE *out, const char *path, const char *a, size_t alen, const char *b, size_t blen)
{
        if (a && b && alen == blen && memcmp(a, b, alen) == 0)
                return;
        struct lines A, B;
        split(a, a ? alen : 0, &A);
        split(b, b ? blen : 0, &B);
        size_t pre = 0;
        while (pre < A.n && pre < B.n && same(&A, pre, &B, pre))
                pre++;
        size_t suf = 0;
        while (suf < A.n - pre && suf < B.n - pre && same(&A, A.n - 1 - suf, &B, B.n - 1 - suf))
                suf++;
        size_t ctx = 3;
        size_t s = pre > ctx ? pre - ctx : 0;
        size_t ea = A.n - suf + (suf > ctx ? ctx : suf), eb = B.n - suf + (suf > ctx ? ctx : suf);
        fprintf(out, "--- %s%s\n+++ %s%s\n", a ? "a" : "/dev/null", a ? path : "", b ? "b" : "/dev/null", b ? path : "");
        fprintf(out, "@@ -%zu,%zu +%zu,%zu @@\n", ea - s ? s + 1 : s, ea - s, eb - s ? s + 1 : s, eb - s);
        for (size_t i = s; i < pre; i++)
                put(out, ' ', A.p[i], A.len[i]);
        for (size_t i = pre; i < A.n - suf; i++)
                put(out, '-', A.p[i], A.len[i]);
        for (size_t i = pre; i < B.n - suf; i++)
                put(out, '+', B.p[i], B.len[i]);
        for (size_t i = A.n - suf; i < ea; i++)
                put(out, ' ', A.p[i], A.len[i]);
        free(A.p);
        free(A.len);
        free(B.p);
        free(B.len);
}
