/* SPDX-License-Identifier: GPL-2.0-or-later */
/* shared/earlystate.c — /run/pgs/early lines (see earlystate.h). */
#include "shared/earlystate.h"

#include <errno.h>
#include <string.h>

int early_line_parse(char *line, struct early_line *ret)
{
        if (!line || line[0] == '#')
                return -EINVAL;
        char *f[4] = { line, NULL, NULL, NULL };
        for (int i = 1; i < 4; i++) {
                char *tab = strchr(f[i - 1], '\t');
                if (!tab)
                        return -EINVAL;
                *tab = '\0';
                f[i] = tab + 1;
        }
        struct pci_addr a;
        if (pci_addr_parse(f[0], &a) < 0)
                return -EINVAL;
        *ret = (struct early_line){ .addr = a, .name = f[0], .state = f[1], .driver = f[2], .why = f[3] };
        return 0;
}

static void put_field(char *buf, size_t size, size_t *len, const char *s, char end)
{
        for (; *s && *len + 2 < size; s++)
                buf[(*len)++] = (*s == '\t' || *s == '\n') ? ' ' : *s;
        if (*len + 1 < size)
                buf[(*len)++] = end;
        buf[*len < size ? *len : size - 1] = '\0';
}

void early_line_format(char *buf, size_t size, size_t *len, const char *addr, const char *state, const char *driver,
                       const char *why)
{
        if (!size)
                return;
        put_field(buf, size, len, addr, '\t');
        put_field(buf, size, len, state, '\t');
        put_field(buf, size, len, driver, '\t');
        put_field(buf, size, len, why, '\n');
}
