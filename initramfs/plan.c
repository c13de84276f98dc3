/* SPDX-License-Identifier: GPL-2.0-or-later */
/* initramfs/plan.c — pgs-early's decisions (see early.h): the configuration,
 * the lists decisions go to, and early_plan(), which runs the selection
 * policy (select.c) and the SR-IOV plan (sriov.c). Reads only: nothing in the
 * plan writes or prints, so a dry run, `pgs check` and the boot decide with
 * the same code. */
#include "initramfs/early.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static void conf_diag(void *ud, unsigned line, const char *msg)
{
        struct early_ctx *c = ud;
        c->conf_errors++;
        if (line)
                WARN(c, "/etc/pgs.conf:%u: %s", line, msg);
        else
                WARN(c, "kernel command line: %s", msg);
}

bool early_load_config(struct early_ctx *c)
{
        struct pgs_cmdline k;
        char *text = NULL;
        size_t len = 0;
        int rc = fs_read_file(c->root, "proc/cmdline", 64 * 1024, &text, &len);
        if (rc < 0) {
                WARN(c, "cannot read /proc/cmdline: %s", strerror(-rc));
                text = NULL;
        }
        cmdline_parse(text ? text : "", &k, conf_diag, c);
        free(text);
        if (k.debug)
                c->debug = true;
        if (k.off) {
                INFO(c, "pgs.off on the kernel command line: doing nothing");
                return false;
        }
        text = NULL;
        rc = fs_read_file(c->root, "etc/pgs.conf", PGS_CONF_MAX, &text, &len);
        if (rc == -ENOENT)
                DEBUG(c, "no /etc/pgs.conf");
        else if (rc < 0)
                ERR(c, "/etc/pgs.conf: %s; using the kernel command line only", rc == -EFBIG ? "larger than 64 KiB" : strerror(-rc));
        config_parse(text ? text : "", text ? len : 0, &c->conf, conf_diag, c);
        free(text);
        config_merge_cmdline(&c->conf, &k);
        if (k.bind.set)
                DEBUG(c, "pgs.bind= replaces the configured bind list (%zu items)", k.bind.n);
        return true;
}

struct early_dev *early_out_add(struct early_ctx *c, const struct pci_dev *d)
{
        for (size_t i = 0; i < c->n_out; i++)
                if (pci_addr_eq(&c->out[i].dev.addr, &d->addr))
                        return &c->out[i];
        if (c->n_out == c->cap_out) {
                size_t cap = c->cap_out ? c->cap_out * 2 : 16;
                struct early_dev *v = realloc(c->out, cap * sizeof(*v));
                if (!v)
                        return NULL;
                c->out = v;
                c->cap_out = cap;
        }
        struct early_dev *e = &c->out[c->n_out++];
        *e = (struct early_dev){ .dev = *d, .state = ST_BIND, .sriov_item = -1 };
        return e;
}

void early_set(struct early_dev *e, enum early_state s, const char *fmt, ...)
{
        e->state = s;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(e->why, sizeof(e->why), fmt, ap);
        va_end(ap);
}

/* An item decision or a debug note, kept in order for the printer and the log. */
void early_note(struct early_ctx *c, enum early_note_kind kind, int sriov_item, const char *fmt, ...)
{
        if (kind == NOTE_DEBUG && !c->debug)
                return;
        if (c->n_notes == c->cap_notes) {
                size_t cap = c->cap_notes ? c->cap_notes * 2 : 8;
                struct early_note *v = realloc(c->notes, cap * sizeof(*v));
                if (!v)
                        return;
                c->notes = v;
                c->cap_notes = cap;
        }
        struct early_note *n = &c->notes[c->n_notes++];
        n->kind = kind;
        n->sriov_item = sriov_item;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(n->msg, sizeof(n->msg), fmt, ap);
        va_end(ap);
}

struct pci_dev *early_dev_at(struct early_ctx *c, size_t i)
{
        if (!c->loaded[i])
                c->loaded[i] = pci_dev_read(c->root, &c->addrs[i], &c->devs[i]) == 0 ? 1 : 2;
        return c->loaded[i] == 1 ? &c->devs[i] : NULL;
}

static long addr_index(struct early_ctx *c, const struct pci_addr *a)
{
        size_t lo = 0, hi = c->n_addrs;
        while (lo < hi) {
                size_t mid = (lo + hi) / 2;
                int k = pci_addr_cmp(&c->addrs[mid], a);
                if (k == 0)
                        return (long)mid;
                if (k < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return -1;
}

struct pci_dev *early_find_dev(struct early_ctx *c, const struct pci_addr *a)
{
        long i = addr_index(c, a);
        return i < 0 ? NULL : early_dev_at(c, (size_t)i);
}

int early_plan(struct early_ctx *c)
{
        int rc = pci_addr_list(c->root, &c->addrs, &c->n_addrs);
        if (rc == 0) {
                c->devs = calloc(c->n_addrs ? c->n_addrs : 1, sizeof(*c->devs));
                c->loaded = calloc(c->n_addrs ? c->n_addrs : 1, 1);
                if (!c->devs || !c->loaded)
                        rc = -ENOMEM;
        }
        if (rc < 0) {
                c->asked++;
                c->failed++;
                return rc;
        }
        if (!c->sriov_only)
                early_select(c);
        early_plan_sriov(c);
        return 0;
}

