/* SPDX-License-Identifier: GPL-2.0-or-later */
/* initramfs/select.c — pgs-early's selection policy: auto / ADDR / ADDR@ID /
 * ID → devices, each checked for class, boot VGA, IOMMU; a selected device
 * brings the other functions of its slot that share its IOMMU group; a group
 * holding anything else (but a PCI bridge or a device already on vfio-pci)
 * is refused whole. Reads only (see plan.c). */
#include "initramfs/early.h"
#include "shared/cpuinfo.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* for the IOMMU hint only (read when a device has no group, never otherwise) */
static bool cpu_is_amd(struct early_ctx *c)
{
        struct cpuinfo ci;
        return cpuinfo_read(c->root, &ci) == 0 && cpuinfo_is_amd(&ci);
}

/* Select one device for binding; refusals that concern the device itself. */
static void select_dev(struct early_ctx *c, const struct pci_dev *d, const char *by)
{
        struct early_dev *e = early_out_add(c, d);
        if (!e)
                return;
        if (e->state != ST_BIND || e->why[0])
                return;         /* already selected by an earlier item */
        c->asked++;
        if (d->boot_vga == 1)
                early_set(e, ST_REFUSED, "not binding: it is the boot VGA device (selected by %s)", by);
        else if (d->iommu_group < 0)
                early_set(e, ST_REFUSED, "not binding: no IOMMU group (%s); vfio-pci could not use it",
                          cpu_is_amd(c) ? "AMD-Vi is on by default: is the IOMMU enabled in the firmware setup?"
                                        : "is the IOMMU on? intel_iommu=on, and VT-d in the firmware setup");
        else if (pci_dev_class16(d) == PCI_CLASS_3D)
                early_set(e, ST_BIND, "selected by %s; warning: a 3D controller (class 0x0302) has no display outputs", by);
        else
                early_set(e, ST_BIND, "selected by %s", by);
}

/* an item refused as a whole: counted, and shown once (plan line or log) */
#define refuse_item(c, ...) do { (c)->asked++; early_note((c), NOTE_REFUSE, -1, __VA_ARGS__); } while (0)

static void select_auto(struct early_ctx *c)
{
        /* Only VGA-class devices have boot_vga: one access() per device finds
         * the GPUs; only they are read. */
        struct pci_dev *gpus[64];
        unsigned n_gpus = 0, n_boot = 0;
        for (size_t i = 0; i < c->n_addrs && n_gpus < 64; i++) {
                char name[PCI_ADDR_STR];
                if (!pci_dev_has_attr(c->root, pci_addr_fmt(&c->addrs[i], name), "boot_vga"))
                        continue;
                struct pci_dev *d = early_dev_at(c, i);
                if (!d || pci_dev_class16(d) != PCI_CLASS_VGA)
                        continue;
                gpus[n_gpus++] = d;
                if (d->boot_vga == 1)
                        n_boot++;
        }
        if (n_boot != 1) {
                refuse_item(c, "auto: %u GPUs say they are the boot VGA device (boot_vga=1), expected exactly one; binding nothing by auto",
                            n_boot);
                return;
        }
        for (unsigned i = 0; i < n_gpus; i++)
                if (gpus[i]->boot_vga == 1 && !pci_dev_integrated(c->root, gpus[i])) {
                        refuse_item(c, "auto: the boot VGA device %s is a discrete GPU (firmware booted on it); binding nothing by auto",
                                    gpus[i]->name);
                        return;
                }
        unsigned found = 0;
        for (unsigned i = 0; i < n_gpus; i++) {
                const struct pci_dev *d = gpus[i];
                if (d->boot_vga == 1) {
                        early_note(c, NOTE_DEBUG, -1, "%s: auto: skipped, it is the boot VGA device", d->name);
                        continue;
                }
                if (pci_dev_integrated(c->root, d)) {
                        early_note(c, NOTE_DEBUG, -1, "%s: auto: skipped, an integrated GPU", d->name);
                        continue;
                }
                if (d->is_vf)
                        continue;
                select_dev(c, d, "auto");
                found++;
        }
        if (!found)
                early_note(c, NOTE_DEBUG, -1, "auto: no discrete GPU besides the boot VGA device");
}

static void select_item(struct early_ctx *c, const struct bind_item *it)
{
        switch (it->kind) {
        case BIND_AUTO:
                select_auto(c);
                return;
        case BIND_ID: {
                unsigned found = 0;
                for (size_t i = 0; i < c->n_addrs; i++) {
                        /* the ids alone first (one read): most devices stop here */
                        struct pci_dev ids = { 0 };
                        char name[PCI_ADDR_STR];
                        if (pci_dev_read_ids(c->root, pci_addr_fmt(&c->addrs[i], name), &ids) < 0 ||
                            ids.vendor != it->vendor || ids.device != it->device)
                                continue;
                        struct pci_dev *d = early_dev_at(c, i);
                        if (!d || d->is_vf)
                                continue;
                        found++;
                        /* an id names a model, not a device: the same class rule
                         * as an address (144d:a808 is somebody's root NVMe) */
                        if (!pci_class_movable(d->class)) {
                                refuse_item(c, "%s: not binding %s: class 0x%06x is not display, audio, USB or serial bus; name it as %s@%s if you mean it",
                                            it->text, d->name, d->class, d->name, it->text);
                                continue;
                        }
                        select_dev(c, d, it->text);
                }
                if (!found) {
                        refuse_item(c, "%s: no PCI device has this id (a card not present, or a typo); nothing bound for it", it->text);
                        c->missing++;
                }
                return;
        }
        case BIND_ADDR:
        case BIND_ADDR_ID: {
                char name[PCI_ADDR_STR];
                pci_addr_fmt(&it->addr, name);
                struct pci_dev *d = early_find_dev(c, &it->addr);
                if (!d) {
                        refuse_item(c, "%s: not binding: no such PCI device", name);
                        c->missing++;
                        return;
                }
                if (it->kind == BIND_ADDR_ID && (d->vendor != it->vendor || d->device != it->device)) {
                        refuse_item(c, "%s: not binding: it is %04x:%04x, the entry says %04x:%04x (did a card move?)", name,
                                    d->vendor, d->device, it->vendor, it->device);
                        return;
                }
                /* on bus 00 only display classes go by address alone: the
                 * chipset's USB and audio controllers (the keyboard) live there */
                if (it->kind == BIND_ADDR && d->addr.bus == 0 && (d->class >> 16) != 0x03) {
                        refuse_item(c, "%s: not binding: a chipset device on bus 00 (class 0x%06x); name its id too (%s@%04x:%04x) if you mean it",
                                    name, d->class, name, d->vendor, d->device);
                        return;
                }
                if (it->kind == BIND_ADDR && !pci_class_movable(d->class)) {
                        refuse_item(c, "%s: not binding: class 0x%06x is not display, audio, USB or serial bus; name its id too (%s@%04x:%04x) if you mean it",
                                    name, d->class, name, d->vendor, d->device);
                        return;
                }
                select_dev(c, d, it->text);
                return;
        }
        }
}

/* Bring along the other functions of each selected slot that share the IOMMU
 * group, then refuse groups that hold anything else. */
static void expand_and_check_groups(struct early_ctx *c)
{
        size_t n_sel = c->n_out;
        for (size_t i = 0; i < n_sel; i++) {
                if (c->out[i].state != ST_BIND)
                        continue;
                struct pci_dev primary = c->out[i].dev;
                for (size_t j = 0; j < c->n_addrs; j++) {
                        if (!pci_addr_same_slot(&c->addrs[j], &primary.addr) || pci_addr_eq(&c->addrs[j], &primary.addr))
                                continue;
                        const struct pci_dev *o = early_dev_at(c, j);
                        if (!o || o->iommu_group != primary.iommu_group)
                                continue;
                        /* a companion must be what a GPU card carries; anything else
                         * (a NIC, a disk) stays foreign and refuses the group below */
                        if (!pci_class_movable(o->class)) {
                                early_note(c, NOTE_DEBUG, -1, "%s: not brought along with %s: class 0x%06x", o->name, primary.name, o->class);
                                continue;
                        }
                        struct early_dev *e = early_out_add(c, o);
                        if (!e || e->why[0])
                                continue;
                        c->asked++;
                        if (o->boot_vga == 1)
                                early_set(e, ST_REFUSED, "not binding: it is the boot VGA device");
                        else
                                early_set(e, ST_BIND, "same slot and IOMMU group as %s", primary.name);
                }
        }

        for (size_t i = 0; i < c->n_out; i++) {
                struct early_dev *e = &c->out[i];
                if (e->state != ST_BIND || e->dev.iommu_group < 0)
                        continue;
                /* a group is read and judged once, with its first selected member */
                bool checked = false;
                for (size_t k = 0; k < i && !checked; k++)
                        checked = c->out[k].dev.iommu_group == e->dev.iommu_group && c->out[k].state == ST_BIND;
                if (checked)
                        continue;
                struct pci_addr *m;
                size_t n;
                int rc = pci_group_members(c->root, e->dev.iommu_group, &m, &n);
                if (rc < 0) {
                        early_set(e, ST_REFUSED, "not binding: cannot read IOMMU group %d: %s", e->dev.iommu_group, strerror(-rc));
                        continue;
                }
                const char *bad = NULL;
                char badname[PCI_ADDR_STR], reason[160] = "";
                for (size_t k = 0; k < n && !bad; k++) {
                        const struct pci_dev *o = early_find_dev(c, &m[k]);
                        struct early_dev *oe = NULL;
                        for (size_t x = 0; x < c->n_out; x++)
                                if (pci_addr_eq(&c->out[x].dev.addr, &m[k]))
                                        oe = &c->out[x];
                        if (oe && (oe->state == ST_BIND))
                                continue;
                        if (o && pci_dev_class16(o) == PCI_CLASS_BRIDGE_PCI)
                                continue;
                        if (o && strcmp(o->driver, "vfio-pci") == 0)
                                continue;
                        bad = pci_addr_fmt(&m[k], badname);
                        if (oe)
                                snprintf(reason, sizeof(reason), ", which is not being bound");
                        else if (o)
                                snprintf(reason, sizeof(reason), " (class 0x%06x%s%s), which is not selected", o->class,
                                         o->driver[0] ? ", on " : "", o->driver);
                }
                free(m);
                if (bad) {
                        /* refuse every selected member of this group */
                        int g = e->dev.iommu_group;
                        for (size_t x = 0; x < c->n_out; x++)
                                if (c->out[x].dev.iommu_group == g && c->out[x].state == ST_BIND)
                                        early_set(&c->out[x], ST_REFUSED,
                                                  "not binding: IOMMU group %d also holds %s%s; the group could not be given to a VM",
                                                  g, bad, reason);
                }
        }
}

/* Every bind item, then the groups; devices already on vfio-pci are kept. */
void early_select(struct early_ctx *c)
{
        if (!c->conf.bind.set || c->conf.bind.n == 0) {
                early_note(c, NOTE_DEBUG, -1, "nothing configured to bind");
                return;
        }
        for (size_t i = 0; i < c->conf.bind.n; i++)
                select_item(c, &c->conf.bind.v[i]);
        expand_and_check_groups(c);
        for (size_t i = 0; i < c->n_out; i++) {
                struct early_dev *e = &c->out[i];
                if (e->state == ST_BIND && strcmp(e->dev.driver, "vfio-pci") == 0) {
                        e->state = ST_ALREADY;
                        c->done++;
                }
        }
}

