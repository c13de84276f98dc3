/* SPDX-License-Identifier: GPL-2.0-or-later */
/* shared/log.h — the one logging sink of a program, chosen in main().
 *
 * kmsg: one write() per line, "<prio>ident: message", so each line is one
 * kernel log record (the initramfs). stderr: "ident: message" (the hook, pgs).
 * Library code does not log; program code calls log_msg() with the sink it
 * was handed. */
#pragma once
#include <stdarg.h>
#include <stdbool.h>

enum { PGS_LOG_ERR = 3, PGS_LOG_WARNING = 4, PGS_LOG_NOTICE = 5, PGS_LOG_INFO = 6, PGS_LOG_DEBUG = 7 };

struct pgs_log {
        int fd;                 /* where lines go */
        bool kmsg;              /* prefix lines with <prio> */
        bool also_stderr;       /* copy kmsg lines to stderr too */
        int max_level;          /* lines above this level are dropped */
        const char *ident;
};

void log_init_stderr(struct pgs_log *l, const char *ident);
/* Use an already opened /dev/kmsg fd (opened through the root). */
void log_init_kmsg(struct pgs_log *l, const char *ident, int fd);
void log_msg(const struct pgs_log *l, int prio, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* One message to stderr as "ident: message" through the same sink: for
 * commands that report to the person running them. */
void log_stderr(const char *ident, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_vstderr(const char *ident, const char *fmt, va_list ap);
