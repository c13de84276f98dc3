/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cli/checkgpu.c — `pgs check`'s GPUs and what each mode needs of them (see
 * check.h). Passthrough is judged by pgs-early's plan itself (early_plan, a
 * dry run: the configured bind list, else `auto`), so check and boot cannot
 * disagree about which card goes and why one is refused. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/check.h"
#include "initramfs/early.h"

/* Intel iGPU families by device id (drivers/gpu/drm/i915's pciids): GVT-g
 * (KVMGT) runs on Broadwell to Comet Lake; SR-IOV needs Gen12 (Tiger Lake
 * and later: 11th to 14th gen Core, Core Ultra). */
static const struct family {
        uint16_t mask, value;
        const char *name;
        bool gvt, sriov;
} families[] = {
        { 0xff00, 0x1600, "Broadwell", true, false },    { 0xff00, 0x1900, "Skylake", true, false },
        { 0xff00, 0x5900, "Kaby Lake", true, false },    { 0xffff, 0x87c0, "Amber Lake", true, false },
        { 0xfff0, 0x5a80, "Apollo Lake", true, false },  { 0xff00, 0x3e00, "Coffee Lake", true, false },
        { 0xffff, 0x87ca, "Coffee Lake", true, false },  { 0xff00, 0x9b00, "Comet Lake", true, false },
        { 0xff00, 0x8a00, "Ice Lake", false, false },    { 0xff00, 0x4e00, "Jasper Lake", false, false },
        { 0xff00, 0x4500, "Elkhart Lake", false, false }, { 0xfff0, 0x3180, "Gemini Lake", false, false },
        { 0xff00, 0x9a00, "Tiger Lake", false, true },   { 0xffe0, 0x4c80, "Rocket Lake", false, true },
        { 0xff00, 0x4600, "Alder Lake", false, true },   { 0xff00, 0xa700, "Raptor Lake", false, true },
        { 0xff00, 0x7d00, "Meteor/Arrow Lake", false, true }, { 0xff00, 0x6400, "Lunar Lake", false, true },
};

static void gpu_family(struct check_gpu *g)
{
        if (g->dev.vendor != 0x8086 || !g->integrated)
                return;
        for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++)
                if ((g->dev.device & families[i].mask) == families[i].value) {
                        g->family = families[i].name;
                        g->gvt_hw = families[i].gvt;
                        g->sriov_hw = families[i].sriov;
                        return;
                }
}

static void note(struct check_gpu *g, const char *fmt, ...)
{
        if (g->n_notes >= sizeof(g->notes) / sizeof(g->notes[0]))
                return;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(g->notes[g->n_notes++], sizeof(g->notes[0]), fmt, ap);
        va_end(ap);
}

/* NVIDIA's cases: no outputs, a laptop part, a card older than Turing */
static void nvidia_notes(struct check *c, struct check_gpu *g)
{
        if (g->dev.vendor != 0x10de || g->integrated)
                return;
        if (!strcmp(g->kind, "3d"))
                note(g, "a 3D controller: no display outputs of its own; the guest is seen through Looking Glass (pgs vm --looking-glass)");
        if (strstr(g->name, "Mobile") || strstr(g->name, "Laptop") || strstr(g->name, "Max-Q"))
                note(g, "a laptop GPU: create the VM with pgs vm --laptop (the guest driver wants a battery and the vBIOS)");
        if (g->dev.device < 0x1e00)
                note(g, "older than Turing: the guest driver may need the card's vBIOS ROM (pgs vm --rom FILE)");
}

/* every other device of the GPU's IOMMU group, bridges left out (they never
 * stop a group from going to a VM) */
static void read_group(struct check *c, struct check_gpu *g)
{
        struct pci_addr *m;
        size_t n;
        if (g->dev.iommu_group < 0 || pci_group_members(c->root, g->dev.iommu_group, &m, &n) < 0)
                return;
        for (size_t i = 0; i < n && g->n_group < CHECK_MAX_GROUP; i++) {
                struct pci_dev o;
                if (pci_addr_eq(&m[i], &g->dev.addr) || pci_dev_read(c->root, &m[i], &o) < 0 ||
                    pci_dev_class16(&o) == PCI_CLASS_BRIDGE_PCI)
                        continue;
                struct check_peer *p = &g->group[g->n_group++];
                snprintf(p->addr, sizeof(p->addr), "%s", o.name);
                snprintf(p->driver, sizeof(p->driver), "%s", o.driver);
                p->class = o.class;
                p->same_slot = pci_addr_same_slot(&o.addr, &g->dev.addr) && pci_class_movable(o.class);
                if (hpci_name(&c->names, o.vendor, o.device, p->name, sizeof(p->name)) < 0)
                        p->name[0] = '\0';
                g->n_foreign += !p->same_slot;
        }
        free(m);
}

static void read_gpus(struct check *c)
{
        struct pci_addr *addrs;
        size_t n;
        if (pci_addr_list(c->root, &addrs, &n) < 0)
                return;
        for (size_t i = 0; i < n && c->n_gpus < CHECK_MAX_GPUS; i++) {
                struct pci_dev ids = { 0 };
                char name[PCI_ADDR_STR];
                if (pci_dev_read_ids(c->root, pci_addr_fmt(&addrs[i], name), &ids) < 0 || (ids.class >> 16) != 0x03)
                        continue;
                struct check_gpu *g = &c->gpus[c->n_gpus];
                *g = (struct check_gpu){ 0 };
                if (pci_dev_read(c->root, &addrs[i], &g->dev) < 0 || g->dev.is_vf)
                        continue;
                c->n_gpus++;
                g->integrated = pci_dev_integrated(c->root, &g->dev);
                unsigned c16 = pci_dev_class16(&g->dev);
                g->kind = c16 == PCI_CLASS_VGA ? "vga" : c16 == PCI_CLASS_3D ? "3d" : "display";
                if (hpci_name(&c->names, g->dev.vendor, g->dev.device, g->name, sizeof(g->name)) < 0)
                        g->name[0] = '\0';
                gpu_family(g);
                read_group(c, g);
                nvidia_notes(c, g);
        }
        free(addrs);
}

static void why_add(struct check_mode *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void why_add(struct check_mode *m, const char *fmt, ...)
{
        size_t l = strlen(m->why);
        if (l && l + 2 < sizeof(m->why))
                l += (size_t)snprintf(m->why + l, sizeof(m->why) - l, "; ");
        va_list ap;
        va_start(ap, fmt);
        if (l < sizeof(m->why))
                vsnprintf(m->why + l, sizeof(m->why) - l, fmt, ap);
        va_end(ap);
}

/* a GPU the VM could have: a discrete one besides the boot VGA device, or
 * a discrete boot VGA device beside an iGPU (the firmware setting decides) */
static bool have_second_gpu(const struct check *c)
{
        for (unsigned i = 0; i < c->n_gpus; i++)
                if (!c->gpus[i].integrated && c->gpus[i].dev.boot_vga != 1)
                        return true;
        for (unsigned i = 0; i < c->n_gpus; i++)
                if (c->gpus[i].dev.boot_vga == 1 && !c->gpus[i].integrated)
                        for (unsigned k = 0; k < c->n_gpus; k++)
                                if (k != i && c->gpus[k].integrated)
                                        return true; /* a dGPU the firmware booted on, beside an iGPU */
        return false;
}

void passthrough_default_bind(const struct pgs_root *r, struct bind_list *ret)
{
        *ret = (struct bind_list){ .set = true, .n = 1 };
        bind_item_parse("auto", &ret->v[0]);
        struct pci_addr *a;
        size_t n;
        if (pci_addr_list(r, &a, &n) < 0)
                return;
        for (size_t i = 0; i < n && ret->n < PGS_MAX_BIND; i++) {
                /* the class from modalias alone; a whole read only for a 3D controller */
                struct pci_dev d = { 0 };
                char name[PCI_ADDR_STR];
                pci_addr_fmt(&a[i], name);
                if (pci_dev_read_ids(r, name, &d) == 0 && pci_dev_class16(&d) == PCI_CLASS_3D && pci_dev_read(r, &a[i], &d) == 0 &&
                    !pci_dev_integrated(r, &d))
                        bind_item_parse(name, &ret->v[ret->n++]);
        }
        free(a);
}

int passthrough_plan(const struct pgs_root *r, const struct bind_list *bind, struct passthrough_verdict *ret)
{
        struct pgs_log quiet;
        log_init_stderr(&quiet, "pgs");
        quiet.max_level = -1;
        struct early_ctx e = { .root = (struct pgs_root *)r, .log = &quiet, .dry_run = true };
        *ret = (struct passthrough_verdict){ 0 };
        if (bind) {
                e.conf.bind = *bind;
        } else {
                bool on = early_load_config(&e);
                if (!on || !e.conf.bind.set || !e.conf.bind.n)
                        passthrough_default_bind(r, &e.conf.bind);
        }
        int rc = early_plan(&e);
        const struct early_dev *first = NULL, *refused = NULL;
        for (size_t i = 0; rc == 0 && i < e.n_out; i++) {
                const struct early_dev *d = &e.out[i];
                if (d->state == ST_BIND || d->state == ST_ALREADY)
                        first = first ? first : d, ret->going++;
                else if (d->state == ST_REFUSED && !refused)
                        refused = d;
        }
        if (first) {
                snprintf(ret->first, sizeof(ret->first), "%s", first->dev.name);
                ret->already = first->state == ST_ALREADY;
        } else {
                const struct early_note *nt = NULL;
                for (size_t i = 0; i < e.n_notes && !nt; i++)
                        nt = e.notes[i].kind == NOTE_REFUSE ? &e.notes[i] : NULL;
                if (rc < 0)
                        snprintf(ret->why, sizeof(ret->why), "the PCI devices cannot be listed: %s", strerror(-rc));
                else if (nt)
                        snprintf(ret->why, sizeof(ret->why), "%s", nt->msg);
                else if (refused)
                        snprintf(ret->why, sizeof(ret->why), "%s: %s", refused->dev.name, refused->why);
                else
                        snprintf(ret->why, sizeof(ret->why), "pgs-early would bind nothing");
        }
        early_free(&e);
        return rc;
}

/* pgs-early's own plan, run dry: the configured bind list, else what pgs
 * setup --mode passthrough would write */
static void judge_passthrough(struct check *c)
{
        struct check_mode *m = &c->passthrough;
        struct passthrough_verdict v;
        passthrough_plan(c->root, NULL, &v);
        if (!c->virt)
                why_add(m, "CPU virtualization is off (cpu.virtualization)");
        if (!c->iommu_on)
                why_add(m, "no IOMMU: vfio-pci cannot give a device to a VM (iommu.on)");
        if (!have_second_gpu(c))
                why_add(m, "no second GPU: %s", c->n_gpus ? "the only GPU is the one the host displays on" : "this machine shows no GPU at all");
        else if (c->iommu_on && !v.going)
                why_add(m, "%s", v.why);
        m->possible = !m->why[0] && v.going;
        if (m->possible)
                snprintf(m->why, sizeof(m->why), "pgs-early would give %s to the VM%s (%u device(s) of its IOMMU group)", v.first,
                         v.already ? ", and already has" : "", v.going);
}

static const struct check_gpu *intel_igpu(const struct check *c)
{
        for (unsigned i = 0; i < c->n_gpus; i++)
                if (c->gpus[i].dev.vendor == 0x8086 && c->gpus[i].integrated)
                        return &c->gpus[i];
        return NULL;
}

static void judge_gvtg(struct check *c)
{
        struct check_mode *m = &c->gvtg;
        const struct check_gpu *g = intel_igpu(c);
        if (!g) {
                why_add(m, "no Intel iGPU: GVT-g is Intel's, Broadwell to Comet Lake");
                return;
        }
        if (!g->gvt_hw)
                why_add(m, "the iGPU %s (8086:%04x) is %s: GVT-g runs on Broadwell to Comet Lake only", g->dev.name, g->dev.device,
                        g->family ? g->family : "a model this pgs does not know");
        else if (!c->have_kmod)
                why_add(m, "cannot read the running kernel's modules (/lib/modules/%s)", c->kver);
        else if (hkmod_has_param(&c->kmod, "i915", "enable_gvt") != 1)
                why_add(m, "the running kernel's i915 has no enable_gvt parameter (built without GVT-g)");
        else if (hkmod_module(&c->kmod, "kvmgt") == 0)
                why_add(m, "the running kernel has no kvmgt module (built without KVMGT)");
        if (!c->virt)
                why_add(m, "CPU virtualization is off (cpu.virtualization)");
        m->possible = !m->why[0];
        if (m->possible) {
                char p[128];
                bool now = fs_exists(c->root, path_fmt(p, sizeof(p), "sys/bus/pci/devices/%s/mdev_supported_types", g->dev.name));
                snprintf(m->why, sizeof(m->why), "%s (%s): i915 offers enable_gvt and kvmgt is there; %s", g->dev.name, g->family,
                         now ? "GVT-g is on now" : "pgs setup --mode gvtg turns it on");
        }
}

static void judge_sriov(struct check *c)
{
        struct check_mode *m = &c->sriov;
        const struct check_gpu *g = intel_igpu(c);
        const char *drv = NULL;
        if (!g) {
                why_add(m, "no Intel iGPU: SR-IOV needs a Gen12 Intel iGPU (11th to 14th gen Core)");
                return;
        }
        if (!g->sriov_hw)
                why_add(m, "the iGPU %s (8086:%04x) is %s: SR-IOV needs a Gen12 iGPU (Tiger Lake and later)", g->dev.name, g->dev.device,
                        g->family ? g->family : "a model this pgs does not know");
        else if (g->dev.sriov_total <= 0)
                why_add(m, "the iGPU %s reports no SR-IOV capability (no sriov_totalvfs)", g->dev.name);
        else if (!c->have_kmod)
                why_add(m, "cannot read the running kernel's modules (/lib/modules/%s)", c->kver);
        else if (hkmod_has_param(&c->kmod, "i915", "max_vfs") == 1)
                drv = "i915";
        else if (hkmod_has_param(&c->kmod, "xe", "max_vfs") == 1)
                drv = "xe";
        else
                why_add(m, "neither i915 nor xe of the running kernel offers max_vfs: install i915-sriov-dkms, or a kernel whose xe creates VFs");
        if (!c->iommu_on)
                why_add(m, "no IOMMU: the VFs could not be given to a VM (iommu.on)");
        if (!c->virt)
                why_add(m, "CPU virtualization is off (cpu.virtualization)");
        m->possible = !m->why[0] && drv;
        if (m->possible)
                snprintf(m->why, sizeof(m->why), "%s (%s) offers %d VFs; %s creates them (max_vfs)", g->dev.name, g->family,
                         g->dev.sriov_total, drv);
}

void check_gpus(struct check *c)
{
        read_gpus(c);
        judge_passthrough(c);
        judge_gvtg(c);
        judge_sriov(c);
}
