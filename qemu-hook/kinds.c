/* SPDX-License-Identifier: GPL-2.0-or-later */
/* qemu-hook/kinds.c — the journal kinds and value stores the hook's features
 * register: the one list journal_undo() dispatches on (release, pgs restore). */
#include <stdarg.h>
#include <stdio.h>

#include "qemu-hook/hook.h"

void hook_say(const struct hook *h, const char *fmt, ...)
{
        char m[1024];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(m, sizeof(m), fmt, ap);
        va_end(ap);
        log_msg(h->log, PGS_LOG_INFO, "%s: %s", h->d->name, m);
}

static const struct journal_kind kinds[] = {
        { "pages-begin", true, pages_begin_undo },
        { "pages", true, pages_undo },
        { "mdev", false, mdev_undo },
        { "handover", false, handover_undo },
};

static const struct journal_store stores[] = {
        { "systemd:", systemd_prop_read, systemd_prop_write },
};

const struct journal_ops hook_journal_ops = {
        kinds, sizeof(kinds) / sizeof(kinds[0]), stores, sizeof(stores) / sizeof(stores[0]),
};
