/* SPDX-License-Identifier: GPL-2.0-or-later */
/* initramfs/bind.c — pgs-early carries its plan out (see early.h): the
 * plan's refusals go to the log, vfio-pci is loaded when something is to be
 * bound, each device moves through shared/pci.c's verified protocol, each
 * planned PF gets its VFs (autoprobe off, through 0 when the count changes)
 * and each VF goes to vfio-pci. Every step is verified before the next; a
 * failure is logged and the next device is tried. */
#include "initramfs/early.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "shared/proc.h"

#define BIND_TIMEOUT_MS     3000
#define MODPROBE_TIMEOUT_MS 15000

int early_load_vfio(struct early_ctx *c)
{
        if (pci_driver_loaded(c->root, "vfio-pci"))
                return 0;
        char *argv[] = { (char *)c->modprobe, "-q", "vfio-pci", NULL, NULL };
        if (c->from_modprobe) {
                /* modprobe.d: install vfio-pci pgs-early --from-modprobe; … —
                 * a plain modprobe would run that line again */
                argv[2] = "--ignore-install";
                argv[3] = "vfio-pci";
        }
        int rc = run_cmd(argv, MODPROBE_TIMEOUT_MS, true);
        if (rc != 0) {
                if (rc == -ETIMEDOUT)
                        ERR(c, "%s vfio-pci: no answer within %d s", c->modprobe, MODPROBE_TIMEOUT_MS / 1000);
                else if (rc < 0)
                        ERR(c, "%s vfio-pci: cannot run it: %s", c->modprobe, strerror(-rc));
                else
                        ERR(c, "%s vfio-pci: failed with status %d (is the module in the initramfs?)", c->modprobe, rc);
                return rc < 0 ? rc : -ENOENT;
        }
        if (!pci_driver_loaded(c->root, "vfio-pci")) {
                ERR(c, "%s vfio-pci succeeded but no vfio-pci driver is registered", c->modprobe);
                return -ENOENT;
        }
        INFO(c, "loaded vfio-pci");
        return 0;
}

void early_bind_one(struct early_ctx *c, struct early_dev *e, bool vfio_ok)
{
        if (!vfio_ok) {
                early_set(e, ST_FAILED, "not bound: vfio-pci is not available; left to its host driver");
                c->failed++;
                ERR(c, "%s: %s", e->dev.name, e->why);
                return;
        }
        const char *step = "";
        int rc = pci_dev_bind(c->root, &e->dev, "vfio-pci", BIND_TIMEOUT_MS, &step);
        if (rc < 0) {
                early_set(e, ST_FAILED, "binding to vfio-pci failed at %s: %s; left as it was%s%s", step,
                          rc == -ETIMEDOUT ? "timed out" : strerror(-rc), e->dev.driver[0] ? " on " : "", e->dev.driver);
                c->failed++;
                ERR(c, "%s: %s", e->dev.name, e->why);
                return;
        }
        char prev[80] = "";
        if (e->dev.driver[0])
                snprintf(prev, sizeof(prev), " (was on %s)", e->dev.driver);
        char why[200];
        snprintf(why, sizeof(why), "%s%s", e->why, prev);
        early_set(e, ST_BOUND, "%s", why);
        c->done++;
        INFO(c, "%s: bound to vfio-pci: %s", e->dev.name, e->why);
}

static void log_notes(struct early_ctx *c, int sriov_item)
{
        for (size_t i = 0; i < c->n_notes; i++)
                if (c->notes[i].sriov_item == sriov_item) {
                        if (c->notes[i].kind == NOTE_REFUSE)
                                ERR(c, "%s", c->notes[i].msg);
                        else
                                DEBUG(c, "%s", c->notes[i].msg);
                }
}

void early_apply(struct early_ctx *c)
{
        /* the bind items' refusals and notes, then each device's decision */
        log_notes(c, -1);
        bool any = false;
        for (size_t i = 0; i < c->n_out; i++) {
                const struct early_dev *e = &c->out[i];
                if (e->sriov_item >= 0)
                        continue;
                if (e->state == ST_REFUSED)
                        ERR(c, "%s: %s", e->dev.name, e->why);
                else if (e->state == ST_ALREADY)
                        DEBUG(c, "%s: already on vfio-pci", e->dev.name);
                else if (e->state == ST_BIND) {
                        any = true;
                        DEBUG(c, "%s: will bind to vfio-pci: %s", e->dev.name, e->why);
                }
        }
        if (any) {
                bool vfio_ok = early_load_vfio(c) == 0;
                for (size_t i = 0; i < c->n_out; i++)
                        if (c->out[i].state == ST_BIND && c->out[i].sriov_item < 0)
                                early_bind_one(c, &c->out[i], vfio_ok);
        }
        /* SR-IOV, PF by PF in the configured order (VFs join c->out as they come) */
        for (int k = 0; k < (int)c->conf.sriov.n; k++) {
                log_notes(c, k);
                size_t n = c->n_out;
                for (size_t i = 0; i < n; i++) {
                        if (c->out[i].sriov_item != k)
                                continue;
                        if (c->out[i].state == ST_REFUSED)
                                ERR(c, "%s: %s", c->out[i].dev.name, c->out[i].why);
                        else if (c->out[i].state == ST_WAITING)
                                INFO(c, "%s: %s", c->out[i].dev.name, c->out[i].why);
                        else if (c->out[i].state == ST_PLAN_VFS)
                                early_apply_sriov_pf(c, i);
                }
        }
}

