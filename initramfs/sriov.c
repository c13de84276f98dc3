/* SPDX-License-Identifier: GPL-2.0-or-later */
/* initramfs/sriov.c — pgs-early's SR-IOV step, planned (per configured PF:
 * offered, IOMMU, a driver bound, no VF in use when the count changes) and
 * applied (autoprobe off, the count through 0, each VF to vfio-pci). */
#include "initramfs/early.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "shared/proc.h"
#include "shared/procscan.h"

#define VF_TIMEOUT_MS 5000

struct vfio_open {
        const char *want;
        char *who;
        size_t size;
        const struct pgs_root *root;
};

static int fd_is(const char *pid, const char *target, void *ud)
{
        struct vfio_open *v = ud;
        if (strcmp(target, v->want))
                return 0;
        snprintf(v->who, v->size, "process %s", pid);
        return 1;
}

static int proc_holds(const char *pid, void *ud)
{
        struct vfio_open *v = ud;
        return proc_each_fd(v->root, pid, fd_is, v);
}

/* Is /dev/vfio/GROUP open in some process? */
static bool vfio_group_open(const struct early_ctx *c, int group, char *who, size_t size)
{
        char want[64];
        snprintf(want, sizeof(want), "/dev/vfio/%d", group);
        struct vfio_open v = { want, who, size, c->root };
        return proc_each(c->root, proc_holds, &v) != 0;
}

/* A different count goes through 0, and only when no VF is in use. Returns
 * false (and refuses e) when one is. */
static bool vfs_free(struct early_ctx *c, const struct pci_dev *pf, unsigned want, struct early_dev *e)
{
        for (int i = 0; i < pf->sriov_num; i++) {
                struct pci_addr va;
                struct pci_dev vf;
                char who[64];
                if (pci_dev_virtfn(c->root, pf->name, i, &va) < 0 || pci_dev_read(c->root, &va, &vf) < 0)
                        continue;
                if (vf.driver[0] && strcmp(vf.driver, "vfio-pci") != 0)
                        early_set(e, ST_REFUSED, "SR-IOV: cannot change %d VFs to %u: VF %s is in use by %s", pf->sriov_num, want,
                                  vf.name, vf.driver);
                else if (vf.iommu_group >= 0 && vfio_group_open(c, vf.iommu_group, who, sizeof(who)))
                        early_set(e, ST_REFUSED, "SR-IOV: cannot change %d VFs to %u: VF %s is in use (%s has /dev/vfio/%d open)",
                                  pf->sriov_num, want, vf.name, who, vf.iommu_group);
                if (e->state == ST_REFUSED)
                        return false;
        }
        return true;
}

static void plan_sriov_pf(struct early_ctx *c, int k)
{
        const struct sriov_item *it = &c->conf.sriov.v[k];
        char name[PCI_ADDR_STR];
        pci_addr_fmt(&it->addr, name);
        struct pci_dev pf;
        c->asked++;
        if (pci_dev_read(c->root, &it->addr, &pf) < 0) {
                early_note(c, NOTE_REFUSE, k, "%s  SR-IOV: no such PCI device", name);
                return;
        }
        struct early_dev *e = early_out_add(c, &pf);
        if (!e)
                return;
        e->sriov_item = k;
        e->vfs_want = it->vfs;
        if (pf.sriov_total < 0)
                early_set(e, ST_REFUSED, "SR-IOV: not an SR-IOV physical function (no sriov_totalvfs)");
        else if (it->vfs > (unsigned)pf.sriov_total)
                early_set(e, ST_REFUSED, "SR-IOV: %u VFs asked, the device offers at most %d (sriov_totalvfs)", it->vfs, pf.sriov_total);
        else if (pf.iommu_group < 0 && it->vfs > 0)
                early_set(e, ST_REFUSED, "SR-IOV: no IOMMU group (is the IOMMU on?); VFs could not be given to a VM");
        else if (!pf.driver[0]) {
                early_set(e, ST_WAITING, "SR-IOV: the PF has no driver bound yet; VFs are created when it binds (udev runs pgs-early --sriov %s)",
                          name);
                c->done++;      /* not a failure: the udev rule finishes it */
        } else if (pf.sriov_num == 0 || (unsigned)pf.sriov_num == it->vfs || vfs_free(c, &pf, it->vfs, e)) {
                if ((unsigned)pf.sriov_num == it->vfs)
                        early_set(e, ST_PLAN_VFS, "SR-IOV: %u VFs already; bind each to vfio-pci", it->vfs);
                else
                        early_set(e, ST_PLAN_VFS, "SR-IOV: %d -> %u VFs (of %d), autoprobe off, bind each to vfio-pci", pf.sriov_num, it->vfs,
                                  pf.sriov_total);
        }
}

void early_plan_sriov(struct early_ctx *c)
{
        struct pci_addr only;
        if (c->sriov_only && pci_addr_parse(c->sriov_only, &only) < 0)
                return;         /* main() validated it */
        bool found = false;
        for (size_t i = 0; i < c->conf.sriov.n; i++) {
                if (c->sriov_only && !pci_addr_eq(&only, &c->conf.sriov.v[i].addr))
                        continue;
                found = true;
                plan_sriov_pf(c, (int)i);
        }
        if (c->sriov_only && !found)
                early_note(c, NOTE_DEBUG, -1, "%s: no [sriov] entry for it; nothing to do", c->sriov_only);
}

struct numvfs_check {
        struct early_ctx *c;
        const char *pf;
        unsigned want;
};

static int check_numvfs(void *data)
{
        struct numvfs_check *k = data;
        char p[256];
        uint64_t v;
        path_fmt(p, sizeof(p), "sys/bus/pci/devices/%s/sriov_numvfs", k->pf);
        if (fs_read_u64(k->c->root, p, 10, &v) < 0 || v != k->want)
                return 0;
        if (k->want == 0)
                return 1;
        path_fmt(p, sizeof(p), "sys/bus/pci/devices/%s/virtfn%u", k->pf, k->want - 1);
        return fs_exists(k->c->root, p);
}

static int write_numvfs(struct early_ctx *c, const char *pf, unsigned n)
{
        char p[256], v[16];
        path_fmt(p, sizeof(p), "sys/bus/pci/devices/%s/sriov_numvfs", pf);
        snprintf(v, sizeof(v), "%u", n);
        int rc = fs_write_str(c->root, p, v);
        if (rc < 0)
                return rc;
        rc = poll_until(check_numvfs, &(struct numvfs_check){ c, pf, n }, VF_TIMEOUT_MS);
        return rc > 0 ? 0 : rc == 0 ? -ETIMEDOUT : rc;
}

static const char *errstr(int rc)
{
        return rc == -ETIMEDOUT ? "timed out" : strerror(-rc);
}

/* A planned PF (c->out[ei]): autoprobe off, the count (through 0), then
 * each VF to vfio-pci. The VFs join c->out, which may move: the PF is
 * copied first and its entry reached by index. */
void early_apply_sriov_pf(struct early_ctx *c, size_t ei)
{
        const struct pci_dev pf = c->out[ei].dev;
        const char *name = pf.name;
        unsigned want = c->out[ei].vfs_want;
        char p[256];
        int rc;
        path_fmt(p, sizeof(p), "sys/bus/pci/devices/%s/sriov_drivers_autoprobe", name);
        if ((rc = fs_write_str(c->root, p, "0")) < 0) {
                early_set(&c->out[ei], ST_FAILED, "SR-IOV: cannot turn sriov_drivers_autoprobe off: %s; no VFs created", errstr(rc));
                goto failed;
        }
        if ((unsigned)pf.sriov_num == want) {
                DEBUG(c, "%s: SR-IOV: %u VFs already", name, want);
        } else {
                if (pf.sriov_num != 0 && (rc = write_numvfs(c, name, 0)) < 0) {
                        early_set(&c->out[ei], ST_FAILED, "SR-IOV: removing the %d VFs failed: %s", pf.sriov_num, errstr(rc));
                        goto failed;
                }
                if (want > 0 && (rc = write_numvfs(c, name, want)) < 0) {
                        early_set(&c->out[ei], ST_FAILED, "SR-IOV: creating %u VFs failed: %s", want, errstr(rc));
                        /* nothing half-done: no partial VF set stays behind */
                        write_numvfs(c, name, 0);
                        goto failed;
                }
                INFO(c, "%s: SR-IOV: %u VFs created (of %d)", name, want, pf.sriov_total);
        }
        early_set(&c->out[ei], ST_VFS, "%u VFs (of %d)", want, pf.sriov_total);
        c->done++;

        bool vfio_ok = want == 0 || early_load_vfio(c) == 0;
        for (unsigned i = 0; i < want; i++) {
                struct pci_addr va;
                struct pci_dev vf;
                if (pci_dev_virtfn(c->root, name, (int)i, &va) < 0 || pci_dev_read(c->root, &va, &vf) < 0) {
                        ERR(c, "%s: SR-IOV: VF %u vanished", name, i);
                        c->failed++;
                        continue;
                }
                struct early_dev *ve = early_out_add(c, &vf);
                if (!ve)
                        continue;
                ve->dev = vf;
                c->asked++;
                if (vf.iommu_group < 0) {
                        early_set(ve, ST_REFUSED, "VF %u of %s: no IOMMU group", i, name);
                        c->failed++;
                        ERR(c, "%s: %s", vf.name, ve->why);
                        continue;
                }
                early_set(ve, ST_BIND, "VF %u of %s", i, name);
                early_bind_one(c, ve, vfio_ok);
        }
        return;
failed:
        c->failed++;
        ERR(c, "%s: %s", name, c->out[ei].why);
}

