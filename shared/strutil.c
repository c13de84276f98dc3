/* SPDX-License-Identifier: GPL-2.0-or-later */
/* shared/strutil.c — see strutil.h. */
#include "shared/strutil.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

bool str_has_word(const char *list, const char *w, const char *seps)
{
        size_t l = strlen(w);
        if (!l)
                return false;
        for (const char *p = list; (p = strstr(p, w)); p++)
                if ((p == list || strchr(seps, p[-1])) && (!p[l] || strchr(seps, p[l])))
                        return true;
        return false;
}

const char *str_shown(const char *s, size_t len, char *buf, size_t size)
{
        size_t j = 0;
        for (size_t i = 0; i < len && j + 5 < size; i++) {
                unsigned char c = (unsigned char)s[i];
                if (c >= 0x20 && c < 0x7f)
                        buf[j++] = (char)c;
                else
                        j += (size_t)snprintf(buf + j, size - j, "\\x%02x", c);
        }
        if (j + 1 >= size && size > 4)
                strcpy(buf + size - 4, "...");
        else if (size)
                buf[j] = '\0';
        return buf;
}

void json_str(FILE *f, const char *s)
{
        if (!s) {
                fputs("null", f);
                return;
        }
        putc('"', f);
        for (; *s; s++) {
                unsigned char c = (unsigned char)*s;
                if (c == '"' || c == '\\')
                        fprintf(f, "\\%c", c);
                else if (c < 0x20)
                        fprintf(f, "\\u%04x", c);
                else
                        putc(c, f);
        }
        putc('"', f);
}

void xml_str(FILE *f, const char *s)
{
        for (; *s; s++)
                switch (*s) {
                case '<': fputs("&lt;", f); break;
                case '>': fputs("&gt;", f); break;
                case '&': fputs("&amp;", f); break;
                case '\'': fputs("&apos;", f); break;
                case '"': fputs("&quot;", f); break;
                default: putc(*s, f);
                }
}

int fail_msg(char *msg, size_t size, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, size, fmt, ap);
        va_end(ap);
        return -EINVAL;
}
