/* SPDX-License-Identifier: GPL-2.0-or-later */
/* shared/log.c — kmsg/stderr logging sink (see log.h). */
#include "shared/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

void log_init_stderr(struct pgs_log *l, const char *ident)
{
        *l = (struct pgs_log){ .fd = 2, .kmsg = false, .max_level = PGS_LOG_INFO, .ident = ident };
}

void log_init_kmsg(struct pgs_log *l, const char *ident, int fd)
{
        *l = (struct pgs_log){ .fd = fd, .kmsg = true, .max_level = PGS_LOG_INFO, .ident = ident };
}

void log_msg(const struct pgs_log *l, int prio, const char *fmt, ...)
{
        if (!l || prio > l->max_level)
                return;
        char msg[1024];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        /* one record per line: a message never carries a newline into the log */
        for (char *p = msg; *p; p++)
                if (*p == '\n' || *p == '\r')
                        *p = ' ';
        char line[1200];
        int n;
        if (l->kmsg) {
                n = snprintf(line, sizeof(line), "<%d>%s: %s\n", prio, l->ident, msg);
                if (n > 0 && write(l->fd, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1) < 0) {
                        /* kmsg refused (rate limit, EINVAL): fall back to stderr */
                }
                if (!l->also_stderr)
                        return;
        }
        const char *tag = prio <= PGS_LOG_ERR ? "error: " : prio == PGS_LOG_WARNING ? "warning: " : "";
        n = snprintf(line, sizeof(line), "%s: %s%s\n", l->ident, tag, msg);
        if (n > 0 && write(2, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1) < 0) {
                /* nowhere left to report it */
        }
}

void log_vstderr(const char *ident, const char *fmt, va_list ap)
{
        char msg[1024];
        vsnprintf(msg, sizeof(msg), fmt, ap);
        struct pgs_log l;
        log_init_stderr(&l, ident);
        log_msg(&l, PGS_LOG_INFO, "%s", msg);
}

void log_stderr(const char *ident, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        log_vstderr(ident, fmt, ap);
        va_end(ap);
}
