/* shared/cpulist.c — CPU list parsing (see cpulist.h). */
#include "shared/cpulist.h"

#include <ctype.h>
#include <errno.h>
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
