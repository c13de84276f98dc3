/* SPDX-License-Identifier: GPL-2.0-or-later */
/* shared/cpulist.c — CPU list parsing (see cpulist.h). */
#include "shared/cpulist.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

static void put(struct cpuset *s, unsigned c, bool on)
{
        if (on)
                s->bits[c / 64] |= 1ull << (c % 64);
        else
                s->bits[c / 64] &= ~(1ull << (c % 64));
}

int cpulist_parse(const char *p, struct cpuset *set)
{
        if (!p)
                return -EINVAL;
        while (*p == ' ' || *p == '\n')
                p++;
        while (*p) {
                bool neg = *p == '^';
                if (neg)
                        p++;
                if (!isdigit((unsigned char)*p))
                        return -EINVAL;
                char *e;
                unsigned long a = strtoul(p, &e, 10), b = a;
                p = e;
                if (*p == '-') {
                        p++;
                        if (!isdigit((unsigned char)*p))
                                return -EINVAL;
                        b = strtoul(p, &e, 10);
                        p = e;
                }
                if (a > b || b >= CPU_MAX)
                        return -EINVAL;
                for (unsigned long c = a; c <= b; c++)
                        put(set, (unsigned)c, !neg);
                while (*p == ' ' || *p == '\n')
                        p++;
                if (*p == ',')
                        p++;
                else if (*p)
                        return -EINVAL;
        }
        return 0;
}

bool cpuset_has(const struct cpuset *s, unsigned cpu)
{
        return cpu < CPU_MAX && (s->bits[cpu / 64] >> (cpu % 64)) & 1;
}

bool cpuset_empty(const struct cpuset *s)
{
        for (unsigned i = 0; i < CPU_MAX / 64; i++)
                if (s->bits[i])
                        return false;
        return true;
}

bool cpuset_intersects(const struct cpuset *a, const struct cpuset *b)
{
        for (unsigned i = 0; i < CPU_MAX / 64; i++)
                if (a->bits[i] & b->bits[i])
                        return true;
        return false;
}

void cpulist_format(const struct cpuset *s, char *buf, size_t size)
{
        size_t k = 0;
        buf[0] = '\0';
        for (unsigned c = 0; c < CPU_MAX; c++) {
                if (!cpuset_has(s, c))
                        continue;
                unsigned e = c;
                while (e + 1 < CPU_MAX && cpuset_has(s, e + 1))
                        e++;
                int n = e == c ? snprintf(buf + k, size - k, "%s%u", k ? "," : "", c)
                               : snprintf(buf + k, size - k, "%s%u-%u", k ? "," : "", c, e);
                if (n < 0 || (size_t)n >= size - k)
                        return;
                k += (size_t)n;
                c = e;
        }
}

int cpumask_parse(const char *s, struct cpuset *set)
{
        *set = (struct cpuset){ 0 };
        size_t len = 0;
        while (s[len] && s[len] != '\n')
                len++;
        unsigned bit = 0;
        for (size_t i = len; i-- > 0;) {
                char c = s[i];
                if (c == ',')
                        continue;
                int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
                if (v < 0)
                        return -EINVAL;
                for (int b = 0; b < 4; b++, bit++)
                        if ((v >> b) & 1 && bit < CPU_MAX)
                                put(set, bit, true);
        }
        return 0;
}

void cpumask_format(const struct cpuset *s, unsigned ncpus, char *buf, size_t size)
{
        unsigned words = (ncpus + 31) / 32, k = 0;
        if (!words)
                words = 1;
        buf[0] = '\0';
        for (unsigned w = words; w-- > 0;) {
                /* a mask wider than CPU_MAX: its high words are zero */
                uint32_t v = w / 2 < CPU_MAX / 64 ? (uint32_t)(s->bits[w / 2] >> ((w % 2) * 32)) : 0;
                int n = snprintf(buf + k, size - k, w == words - 1 ? "%x" : ",%08x", v);
                if (n < 0 || (size_t)n >= size - k)
                        return;
                k += (unsigned)n;
        }
}

void cpuset_andnot(struct cpuset *a, const struct cpuset *b)
{
        for (unsigned i = 0; i < CPU_MAX / 64; i++)
                a->bits[i] &= ~b->bits[i];
}
