/* SPDX-License-Identifier: GPL-2.0-or-later */
/* boot-entry/kparams.c — byte-exact kernel parameter edits (see kparams.h). */
#include "boot-entry/kparams.h"
#include "shared/alloc.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

void words_free(struct words *w)
{
        for (size_t i = 0; i < w->n; i++)
                free(w->v[i]);
        free(w->v);
        *w = (struct words){ 0 };
}

/* -fanalyzer reports the word "leaked" on the abort() path below (GCC 12
 * does not treat abort() as the end of the path there); every path that
 * returns keeps it */
#if !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wanalyzer-malloc-leak"
#endif
void words_push(struct words *w, char *word)
{
        if (w->n == w->cap) {
                size_t cap = w->cap ? w->cap * 2 : 16;
                char **v = realloc(w->v, cap * sizeof(*v));
                if (!v)
                        abort();        /* a command-line tool out of memory on a few words */
                w->v = v;
                w->cap = cap;
        }
        w->v[w->n++] = word;
}
#if !defined(__clang__)
#pragma GCC diagnostic pop
#endif

void words_add(struct words *w, const char *word)
{
        words_push(w, xstrdup(word));
}

bool words_has(const struct words *w, const char *word)
{
        for (size_t i = 0; i < w->n; i++)
                if (strcmp(w->v[i], word) == 0)
                        return true;
        return false;
}

bool param_same_key(const char *a, const char *b)
{
        for (;; a++, b++) {
                char x = *a == '-' ? '_' : *a, y = *b == '-' ? '_' : *b;
                bool ea = x == '\0' || x == '=', eb = y == '\0' || y == '=';
                if (ea || eb)
                        return ea && eb;
                if (x != y)
                        return false;
        }
}

void words_split(const char *t, size_t len, struct words *ret)
{
        *ret = (struct words){ 0 };
        size_t i = 0;
        while (i < len) {
                while (i < len && isspace((unsigned char)t[i]))
                        i++;
                if (i >= len)
                        break;
                char *w = xmalloc(len - i + 1);
                size_t j = 0;
                char q = 0;
                for (; i < len && (q || !isspace((unsigned char)t[i])); i++) {
                        if (!q && (t[i] == '"' || t[i] == '\'')) {
                                q = t[i];
                                continue;
                        }
                        if (q && t[i] == q) {
                                q = 0;
                                continue;
                        }
                        w[j++] = t[i];
                }
                w[j] = '\0';
                words_push(ret, w);
        }
}

static bool is_sp(char c)
{
        return c == ' ' || c == '\t';
}

char *seg_edit(const char *text, size_t len, struct seg s, const struct words *add, const struct words *rm,
               size_t *ret_len, struct seg *ret_seg)
{
        size_t extra = 1;
        for (size_t i = 0; add && i < add->n; i++)
                extra += strlen(add->v[i]) + 1;
        char *out = xmalloc(len + extra + 1);
        memcpy(out, text, len);
        size_t n = len, end = s.end;
        for (size_t k = 0; rm && k < rm->n; k++) {
                size_t wl = strlen(rm->v[k]);
                for (size_t i = s.start; i + wl <= end;) {
                        bool left = i == s.start || is_sp(out[i - 1]);
                        bool right = i + wl == end || is_sp(out[i + wl]);
                        if (!(left && right && memcmp(out + i, rm->v[k], wl) == 0)) {
                                i++;
                                continue;
                        }
                        size_t a = i, b = i + wl;
                        if (a > s.start && is_sp(out[a - 1]))
                                a--;
                        else if (b < end && is_sp(out[b]))
                                b++;
                        memmove(out + a, out + b, n - b);
                        n -= b - a;
                        end -= b - a;
                        i = a;
                }
        }
        for (size_t k = 0; add && k < add->n; k++) {
                size_t wl = strlen(add->v[k]);
                bool sp = end > s.start;
                memmove(out + end + wl + sp, out + end, n - end);
                if (sp)
                        out[end] = ' ';
                memcpy(out + end + sp, add->v[k], wl);
                n += wl + sp;
                end += wl + sp;
        }
        out[n] = '\0';
        *ret_len = n;
        if (ret_seg)
                *ret_seg = (struct seg){ s.start, end };
        return out;
}

/* end of a shell word starting at i (quotes and escapes honoured) */
static size_t sh_word_end(const char *t, size_t len, size_t i)
{
        while (i < len) {
                char c = t[i];
                if (c == '\\') {
                        i += 2;
                } else if (c == '\'') {
                        const char *q = memchr(t + i + 1, '\'', len - i - 1);
                        i = q ? (size_t)(q - t) + 1 : len;
                } else if (c == '"') {
                        for (i++; i < len && t[i] != '"'; i++)
                                if (t[i] == '\\')
                                        i++;
                        i = i < len ? i + 1 : len;
                } else if (isspace((unsigned char)c) || c == ';' || c == '&' || c == '|') {
                        break;
                } else {
                        i++;
                }
        }
        return i > len ? len : i;
}

/* NAME= at the start of word [ws, we)? */
static bool is_assign_word(const char *t, size_t ws, size_t we)
{
        size_t i = ws;
        if (i < we && (isalpha((unsigned char)t[i]) || t[i] == '_'))
                for (i++; i < we && (isalnum((unsigned char)t[i]) || t[i] == '_'); i++)
                        ;
        return i > ws && i < we && t[i] == '=';
}

/* The file read as the shell reads it: words (quotes and escapes honoured, so
 * a quoted value may span lines), `#` at the start of a word to the end of the
 * line a comment (an apostrophe in "# Don't edit" quotes nothing), commands
 * separated by newlines, `;`, `&` and `|`. An assignment counts where a command
 * starts (after `export` or other assignments). */
bool sh_find_assign(const char *t, size_t len, const char *name, struct seg *ret)
{
        size_t nl = strlen(name);
        bool found = false, cmd_start = true;
        size_t i = 0;
        while (i < len) {
                char c = t[i];
                if (c == ' ' || c == '\t' || c == '\r') {
                        i++;
                } else if (c == '\n' || c == ';' || c == '&' || c == '|') {
                        cmd_start = true;
                        i++;
                } else if (c == '#') {
                        while (i < len && t[i] != '\n')
                                i++;
                } else if (c == '\\' && i + 1 < len && t[i + 1] == '\n') {
                        i += 2;         /* a line continuation between words */
                } else {
                        size_t ws = i, we = sh_word_end(t, len, i);
                        if (we <= ws)
                                we = ws + 1;
                        if (cmd_start && we - ws == 6 && !memcmp(t + ws, "export", 6)) {
                                /* export NAME=…: still the start of an assignment */
                        } else if (cmd_start && is_assign_word(t, ws, we)) {
                                if (we - ws > nl && !memcmp(t + ws, name, nl) && t[ws + nl] == '=') {
                                        *ret = (struct seg){ ws + nl + 1, we };
                                        found = true;
                                }
                        } else {
                                cmd_start = false;
                        }
                        i = we;
                }
        }
        return found;
}

bool sh_value_quoted_seg(const char *t, struct seg v, struct seg *ret)
{
        /* walk the value's parts (VAR="a"'b'c) to the one that ends it */
        size_t i = v.start;
        while (i < v.end) {
                char c = t[i];
                if (c == '\\') {
                        i += 2;
                        continue;
                }
                if (c == '\'' || c == '"') {
                        size_t open = i, j = i + 1;
                        if (c == '\'')
                                while (j < v.end && t[j] != '\'')
                                        j++;
                        else
                                while (j < v.end && t[j] != '"')
                                        j += t[j] == '\\' ? 2 : 1;
                        if (j >= v.end)
                                return false;   /* unterminated */
                        i = j + 1;
                        if (i == v.end) {
                                *ret = (struct seg){ open + 1, j };
                                return true;
                        }
                        continue;
                }
                i++;
        }
        return false;
}

char *sh_unquote(const char *t, struct seg v)
{
        char *out = xmalloc(v.end - v.start + 1);
        size_t j = 0;
        char q = 0;
        for (size_t i = v.start; i < v.end; i++) {
                char c = t[i];
                if (q == '\'') {
                        if (c == '\'')
                                q = 0;
                        else
                                out[j++] = c;
                } else if (q == '"') {
                        if (c == '"')
                                q = 0;
                        else if (c == '\\' && i + 1 < v.end && strchr("\"\\$`\n", t[i + 1]))
                                out[j++] = t[++i] == '\n' ? ' ' : t[i];
                        else
                                out[j++] = c;
                } else if (c == '"' || c == '\'') {
                        q = c;
                } else if (c == '\\' && i + 1 < v.end) {
                        out[j++] = t[++i];
                } else {
                        out[j++] = c;
                }
        }
        out[j] = '\0';
        return out;
}
