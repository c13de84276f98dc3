/* SPDX-License-Identifier: GPL-2.0-or-later */
/* initramfs/report.c — what pgs-early tells: the --dry-run listing of its
 * plan, /run/pgs/early after a run, and the exit code (see early.h). */
#include "initramfs/early.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "shared/earlystate.h"

const char *early_state_name(enum early_state s)
{
        static const char *const n[] = { "planned", "bound", "already", "refused", "failed", "vfs", "waiting", "planned" };
        return n[s];
}

static void print_dev(FILE *f, const struct early_dev *e, const char *verb)
{
        fprintf(f, "%-7s %s  %04x:%04x class %06x  %s%s%s\n", verb, e->dev.name, e->dev.vendor, e->dev.device, e->dev.class,
                e->why, e->dev.driver[0] ? "; now on " : "", e->dev.driver);
}

static void print_notes(const struct early_ctx *c, FILE *f, int sriov_item)
{
        for (size_t i = 0; i < c->n_notes; i++)
                if (c->notes[i].sriov_item == sriov_item) {
                        if (c->notes[i].kind == NOTE_REFUSE)
                                fprintf(f, "refuse  %s\n", c->notes[i].msg);
                        else
                                log_msg(c->log, PGS_LOG_INFO, "%s", c->notes[i].msg);
                }
}

void early_print_plan(const struct early_ctx *c, FILE *f)
{
        print_notes(c, f, -1);
        for (size_t i = 0; i < c->n_out; i++) {
                const struct early_dev *e = &c->out[i];
                if (e->sriov_item >= 0)
                        continue;
                if (e->state == ST_REFUSED)
                        print_dev(f, e, "refuse");
                else if (e->state == ST_ALREADY)
                        print_dev(f, e, "keep");
                else if (e->state == ST_BIND)
                        print_dev(f, e, "bind");
        }
        for (int k = 0; k < (int)c->conf.sriov.n; k++) {
                print_notes(c, f, k);
                for (size_t i = 0; i < c->n_out; i++) {
                        const struct early_dev *e = &c->out[i];
                        if (e->sriov_item != k)
                                continue;
                        const char *verb = e->state == ST_REFUSED ? "refuse"
                                         : e->state == ST_WAITING ? "wait"
                                         : (unsigned)e->dev.sriov_num == e->vfs_want ? "keep" : "vfs";
                        fprintf(f, "%-7s %s  %s\n", verb, e->dev.name, e->why);
                }
        }
        if (c->n_out == 0 && c->asked == 0)
                fputs("nothing to do: no device selected, no SR-IOV PF configured\n", f);
}

int early_exit_code(const struct early_ctx *c)
{
        unsigned done = c->done;
        if (c->dry_run)
                /* the exit code of a dry run tells what would fail */
                for (size_t i = 0; i < c->n_out; i++)
                        done += c->out[i].state == ST_BIND || c->out[i].state == ST_PLAN_VFS;
        unsigned bad = c->asked > done ? c->asked - done : 0;
        if (bad == 0)
                /* lines of the config that could not be used (typos) are not "all done" */
                return c->conf_errors ? PGS_EXIT_PARTIAL : PGS_EXIT_OK;
        /* a device that is simply not there (an eGPU or dock unplugged) is
         * normal at boot: partly done, never a failed unit */
        return done > 0 || bad == c->missing ? PGS_EXIT_PARTIAL : PGS_EXIT_FAILED;
}

/* /run/pgs/early, format 1 (docs/state-files.md):
 *   # pgs-early 1
 *   ADDR<TAB>STATE<TAB>DRIVER<TAB>MESSAGE     one line per device
 * --sriov runs merge into the file: lines for the devices they touched are
 * replaced, the others kept. */
int early_report(struct early_ctx *c)
{
        size_t cap = 4096 + c->n_out * 320;
        char *old = NULL;
        size_t old_len = 0;
        if (c->sriov_only && fs_read_file(c->root, EARLY_STATE_PATH, 1 << 20, &old, &old_len) == 0)
                cap += old_len;
        char *buf = malloc(cap);
        if (!buf) {
                free(old);
                return -ENOMEM;
        }
        size_t len = (size_t)snprintf(buf, cap, "%s", EARLY_STATE_HEADER);
        if (old) {
                char *save, *line = strtok_r(old, "\n", &save);
                for (; line; line = strtok_r(NULL, "\n", &save)) {
                        struct early_line el;
                        if (early_line_parse(line, &el) < 0)
                                continue;
                        bool replaced = false;
                        for (size_t i = 0; i < c->n_out; i++)
                                if (pci_addr_eq(&c->out[i].dev.addr, &el.addr))
                                        replaced = true;
                        if (!replaced)
                                early_line_format(buf, cap, &len, el.name, el.state, el.driver, el.why);
                }
                free(old);
        }
        for (size_t i = 0; i < c->n_out; i++) {
                const struct early_dev *e = &c->out[i];
                char drv[64];
                /* a device left as it was: the driver read at the start is still its driver */
                if (e->state == ST_ALREADY || e->state == ST_REFUSED)
                        snprintf(drv, sizeof(drv), "%s", e->dev.driver[0] ? e->dev.driver : "-");
                else if (pci_dev_read_driver(c->root, e->dev.name, drv, sizeof(drv)) < 0 || !drv[0])
                        strcpy(drv, "-");
                early_line_format(buf, cap, &len, e->dev.name, early_state_name(e->state), drv, e->why);
        }
        /* the steady state (run again by udev or modprobe.d): the same record
         * is not written again */
        char *cur = NULL;
        size_t cur_len = 0;
        int rc = 0;
        if (fs_read_file(c->root, EARLY_STATE_PATH, 1 << 20, &cur, &cur_len) < 0 || cur_len != len || memcmp(cur, buf, len))
                rc = fs_write_file_atomic(c->root, EARLY_STATE_PATH, buf, len, 0644);
        free(cur);
        free(buf);
        return rc;
}

void early_free(struct early_ctx *c)
{
        free(c->addrs);
        free(c->devs);
        free(c->loaded);
        free(c->out);
        free(c->notes);
        c->addrs = NULL;
        c->devs = NULL;
        c->loaded = NULL;
        c->out = NULL;
        c->notes = NULL;
}
