/* SPDX-License-Identifier: GPL-2.0-or-later */
/* initramfs/early.c — pgs-early's decisions and actions (see early.h).
 *
 * Order of work, each step verified before the next:
 *   1. select: auto / ADDR / ADDR@ID / ID → devices, each checked for class,
 *      boot VGA, IOMMU; a selected device brings the other functions of its
 *      slot that share its IOMMU group; a group holding anything else (but a
 *      PCI bridge or a device already on vfio-pci) is refused whole.
 *   2. bind: modprobe vfio-pci if it is not registered, then the bind protocol
 *      of shared/pci.c per device.
 *   3. sriov: per configured PF with a driver bound: autoprobe off, numvfs,
 *      bind every VF. */
#include "initramfs/early.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shared/earlystate.h"
#include "shared/proc.h"
#include "shared/procscan.h"

#define BIND_TIMEOUT_MS     3000
#define VF_TIMEOUT_MS       5000
#define MODPROBE_TIMEOUT_MS 15000

#define INFO(c, ...)  log_msg((c)->log, PGS_LOG_INFO, __VA_ARGS__)
#define WARN(c, ...)  log_msg((c)->log, PGS_LOG_WARNING, __VA_ARGS__)
#define ERR(c, ...)   log_msg((c)->log, PGS_LOG_ERR, __VA_ARGS__)
#define DEBUG(c, ...) do { if ((c)->debug) log_msg((c)->log, PGS_LOG_INFO, __VA_ARGS__); } while (0)

const char *early_state_name(enum early_state s)
{
        static const char *const n[] = { "planned", "bound", "already", "refused", "failed", "vfs", "waiting" };
        return n[s];
}

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

static struct early_dev *out_add(struct early_ctx *c, const struct pci_dev *d)
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
        *e = (struct early_dev){ .dev = *d, .state = ST_BIND };
        return e;
}

static void set_state(struct early_dev *e, enum early_state s, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
#include <stdarg.h>
static void set_state(struct early_dev *e, enum early_state s, const char *fmt, ...)
{
        e->state = s;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(e->why, sizeof(e->why), fmt, ap);
        va_end(ap);
}

static struct pci_dev *dev_at(struct early_ctx *c, size_t i)
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

static struct pci_dev *find_dev(struct early_ctx *c, const struct pci_addr *a)
{
        long i = addr_index(c, a);
        return i < 0 ? NULL : dev_at(c, (size_t)i);
}

/* for the IOMMU hint only (read when a device has no group, never otherwise) */
static bool cpu_is_amd(struct early_ctx *c)
{
        char buf[512];
        int fd = root_openat(c->root, "proc/cpuinfo", O_RDONLY, 0);
        if (fd < 0)
                return false;
        ssize_t n = read(fd, buf, sizeof(buf) - 1);
        close(fd);
        buf[n > 0 ? n : 0] = '\0';
        return strstr(buf, "AuthenticAMD") != NULL;
}

/* Select one device for binding; refusals that concern the device itself. */
static void select_dev(struct early_ctx *c, const struct pci_dev *d, const char *by)
{
        struct early_dev *e = out_add(c, d);
        if (!e)
                return;
        if (e->state != ST_BIND || e->why[0])
                return;         /* already selected by an earlier item */
        c->asked++;
        if (d->boot_vga == 1)
                set_state(e, ST_REFUSED, "not binding: it is the boot VGA device (selected by %s)", by);
        else if (d->iommu_group < 0)
                set_state(e, ST_REFUSED, "not binding: no IOMMU group (%s); vfio-pci could not use it",
                          cpu_is_amd(c) ? "AMD-Vi is on by default: is the IOMMU enabled in the firmware setup?"
                                        : "is the IOMMU on? intel_iommu=on, and VT-d in the firmware setup");
        else if (pci_dev_class16(d) == PCI_CLASS_3D)
                set_state(e, ST_BIND, "selected by %s; warning: a 3D controller (class 0x0302) has no display outputs", by);
        else
                set_state(e, ST_BIND, "selected by %s", by);
}

static void refuse_item(struct early_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void refuse_item(struct early_ctx *c, const char *fmt, ...)
{
        char msg[256];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        c->asked++;
        /* once: the plan line in a dry run, the log otherwise */
        if (c->dry_run)
                printf("refuse  %s\n", msg);
        else
                ERR(c, "%s", msg);
}

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
                struct pci_dev *d = dev_at(c, i);
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
                if (gpus[i]->boot_vga == 1 && gpus[i]->addr.bus != 0) {
                        refuse_item(c, "auto: the boot VGA device %s is a discrete GPU (firmware booted on it); binding nothing by auto",
                                    gpus[i]->name);
                        return;
                }
        unsigned found = 0;
        for (unsigned i = 0; i < n_gpus; i++) {
                const struct pci_dev *d = gpus[i];
                if (d->boot_vga == 1) {
                        DEBUG(c, "%s: auto: skipped, it is the boot VGA device", d->name);
                        continue;
                }
                if (d->addr.bus == 0) {
                        DEBUG(c, "%s: auto: skipped, an integrated GPU (bus 00)", d->name);
                        continue;
                }
                if (d->is_vf)
                        continue;
                select_dev(c, d, "auto");
                found++;
        }
        if (!found)
                DEBUG(c, "auto: no discrete GPU besides the boot VGA device");
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
                        struct pci_dev *d = dev_at(c, i);
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
                struct pci_dev *d = find_dev(c, &it->addr);
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
                        const struct pci_dev *o = dev_at(c, j);
                        if (!o || o->iommu_group != primary.iommu_group)
                                continue;
                        /* a companion must be what a GPU card carries; anything else
                         * (a NIC, a disk) stays foreign and refuses the group below */
                        if (!pci_class_movable(o->class)) {
                                DEBUG(c, "%s: not brought along with %s: class 0x%06x", o->name, primary.name, o->class);
                                continue;
                        }
                        struct early_dev *e = out_add(c, o);
                        if (!e || e->why[0])
                                continue;
                        c->asked++;
                        if (o->boot_vga == 1)
                                set_state(e, ST_REFUSED, "not binding: it is the boot VGA device");
                        else
                                set_state(e, ST_BIND, "same slot and IOMMU group as %s", primary.name);
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
                        set_state(e, ST_REFUSED, "not binding: cannot read IOMMU group %d: %s", e->dev.iommu_group, strerror(-rc));
                        continue;
                }
                const char *bad = NULL;
                char badname[PCI_ADDR_STR], reason[160] = "";
                for (size_t k = 0; k < n && !bad; k++) {
                        const struct pci_dev *o = find_dev(c, &m[k]);
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
                                        set_state(&c->out[x], ST_REFUSED,
                                                  "not binding: IOMMU group %d also holds %s%s; the group could not be given to a VM",
                                                  g, bad, reason);
                }
        }
}

static int load_vfio(struct early_ctx *c)
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

static void bind_one(struct early_ctx *c, struct early_dev *e, bool vfio_ok)
{
        if (!vfio_ok) {
                set_state(e, ST_FAILED, "not bound: vfio-pci is not available; left to its host driver");
                c->failed++;
                ERR(c, "%s: %s", e->dev.name, e->why);
                return;
        }
        const char *step = "";
        int rc = pci_dev_bind(c->root, &e->dev, "vfio-pci", BIND_TIMEOUT_MS, &step);
        if (rc < 0) {
                set_state(e, ST_FAILED, "binding to vfio-pci failed at %s: %s; left as it was%s%s", step,
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
        set_state(e, ST_BOUND, "%s", why);
        c->done++;
        INFO(c, "%s: bound to vfio-pci: %s", e->dev.name, e->why);
}

static void print_plan_line(const struct early_dev *e, const char *verb)
{
        printf("%-7s %s  %04x:%04x class %06x  %s%s%s\n", verb, e->dev.name, e->dev.vendor, e->dev.device, e->dev.class,
               e->why, e->dev.driver[0] ? "; now on " : "", e->dev.driver);
}

static void do_binding(struct early_ctx *c)
{
        if (!c->conf.bind.set || c->conf.bind.n == 0) {
                DEBUG(c, "nothing configured to bind");
                return;
        }
        for (size_t i = 0; i < c->conf.bind.n; i++)
                select_item(c, &c->conf.bind.v[i]);
        expand_and_check_groups(c);

        bool any = false;
        for (size_t i = 0; i < c->n_out; i++) {
                struct early_dev *e = &c->out[i];
                if (e->state == ST_REFUSED) {
                        if (c->dry_run)
                                print_plan_line(e, "refuse");
                        else
                                ERR(c, "%s: %s", e->dev.name, e->why);
                } else if (e->state == ST_BIND) {
                        if (strcmp(e->dev.driver, "vfio-pci") == 0) {
                                e->state = ST_ALREADY;
                                c->done++;
                                if (c->dry_run)
                                        print_plan_line(e, "keep");
                                DEBUG(c, "%s: already on vfio-pci", e->dev.name);
                        } else {
                                any = true;
                                if (c->dry_run) {
                                        print_plan_line(e, "bind");
                                        c->done++;      /* the exit code of a dry run tells what would fail */
                                }
                                DEBUG(c, "%s: will bind to vfio-pci: %s", e->dev.name, e->why);
                        }
                }
        }
        if (!any || c->dry_run)
                return;
        bool vfio_ok = load_vfio(c) == 0;
        for (size_t i = 0; i < c->n_out; i++)
                if (c->out[i].state == ST_BIND)
                        bind_one(c, &c->out[i], vfio_ok);
}

struct vfio_open {
        const char *want;
        char *who;
        size_t size;
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
        struct early_ctx *c = ((void **)ud)[0];
        return proc_each_fd(c->root, pid, fd_is, ((void **)ud)[1]);
}

/* Is /dev/vfio/GROUP open in some process? */
static bool vfio_group_open(struct early_ctx *c, int group, char *who, size_t size)
{
        char want[64];
        snprintf(want, sizeof(want), "/dev/vfio/%d", group);
        struct vfio_open v = { want, who, size };
        void *ud[2] = { c, &v };
        return proc_each(c->root, proc_holds, ud) != 0;
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

static void do_sriov_pf(struct early_ctx *c, const struct sriov_item *it)
{
        char name[PCI_ADDR_STR];
        pci_addr_fmt(&it->addr, name);
        struct pci_dev pf;
        c->asked++;
        if (pci_dev_read(c->root, &it->addr, &pf) < 0) {
                if (c->dry_run)
                        printf("refuse  %s  SR-IOV: no such PCI device\n", name);
                ERR(c, "%s: SR-IOV: no such PCI device", name);
                return;
        }
        struct early_dev *e = out_add(c, &pf);
        if (!e)
                return;
        if (pf.sriov_total < 0) {
                set_state(e, ST_REFUSED, "SR-IOV: not an SR-IOV physical function (no sriov_totalvfs)");
        } else if (it->vfs > (unsigned)pf.sriov_total) {
                set_state(e, ST_REFUSED, "SR-IOV: %u VFs asked, the device offers at most %d (sriov_totalvfs)", it->vfs, pf.sriov_total);
        } else if (pf.iommu_group < 0 && it->vfs > 0) {
                set_state(e, ST_REFUSED, "SR-IOV: no IOMMU group (is the IOMMU on?); VFs could not be given to a VM");
        } else if (!pf.driver[0]) {
                set_state(e, ST_WAITING, "SR-IOV: the PF has no driver bound yet; VFs are created when it binds (udev runs pgs-early --sriov %s)", name);
                c->done++;      /* not a failure: the udev rule finishes it */
                INFO(c, "%s: %s", name, e->why);
                if (c->dry_run)
                        printf("wait    %s  %s\n", name, e->why);
                return;
        }
        if (e->state == ST_REFUSED) {
                if (c->dry_run)
                        printf("refuse  %s  %s\n", name, e->why);
                ERR(c, "%s: %s", name, e->why);
                return;
        }

        /* A different count goes through 0, and only when no VF is in use. */
        if (pf.sriov_num != 0 && (unsigned)pf.sriov_num != it->vfs) {
                for (int i = 0; i < pf.sriov_num; i++) {
                        struct pci_addr va;
                        struct pci_dev vf;
                        char who[64];
                        if (pci_dev_virtfn(c->root, name, i, &va) < 0 || pci_dev_read(c->root, &va, &vf) < 0)
                                continue;
                        if (vf.driver[0] && strcmp(vf.driver, "vfio-pci") != 0)
                                set_state(e, ST_REFUSED, "SR-IOV: cannot change %d VFs to %u: VF %s is in use by %s", pf.sriov_num,
                                          it->vfs, vf.name, vf.driver);
                        else if (vf.iommu_group >= 0 && vfio_group_open(c, vf.iommu_group, who, sizeof(who)))
                                set_state(e, ST_REFUSED, "SR-IOV: cannot change %d VFs to %u: VF %s is in use (%s has /dev/vfio/%d open)",
                                          pf.sriov_num, it->vfs, vf.name, who, vf.iommu_group);
                        if (e->state == ST_REFUSED) {
                                if (c->dry_run)
                                        printf("refuse  %s  %s\n", name, e->why);
                                ERR(c, "%s: %s", name, e->why);
                                return;
                        }
                }
        }

        if (c->dry_run) {
                c->done++;
                if ((unsigned)pf.sriov_num == it->vfs)
                        printf("keep    %s  SR-IOV: %u VFs already; bind each to vfio-pci\n", name, it->vfs);
                else
                        printf("vfs     %s  SR-IOV: %d -> %u VFs (of %d), autoprobe off, bind each to vfio-pci\n", name,
                               pf.sriov_num, it->vfs, pf.sriov_total);
                return;
        }

        char p[256];
        int rc;
        path_fmt(p, sizeof(p), "sys/bus/pci/devices/%s/sriov_drivers_autoprobe", name);
        if ((rc = fs_write_str(c->root, p, "0")) < 0) {
                set_state(e, ST_FAILED, "SR-IOV: cannot turn sriov_drivers_autoprobe off: %s; no VFs created", errstr(rc));
                goto failed;
        }
        if ((unsigned)pf.sriov_num == it->vfs) {
                DEBUG(c, "%s: SR-IOV: %u VFs already", name, it->vfs);
        } else {
                if (pf.sriov_num != 0 && (rc = write_numvfs(c, name, 0)) < 0) {
                        set_state(e, ST_FAILED, "SR-IOV: removing the %d VFs failed: %s", pf.sriov_num, errstr(rc));
                        goto failed;
                }
                if (it->vfs > 0 && (rc = write_numvfs(c, name, it->vfs)) < 0) {
                        set_state(e, ST_FAILED, "SR-IOV: creating %u VFs failed: %s", it->vfs, errstr(rc));
                        /* nothing half-done: no partial VF set stays behind */
                        write_numvfs(c, name, 0);
                        goto failed;
                }
                INFO(c, "%s: SR-IOV: %u VFs created (of %d)", name, it->vfs, pf.sriov_total);
        }
        set_state(e, ST_VFS, "%u VFs (of %d)", it->vfs, pf.sriov_total);
        c->done++;

        bool vfio_ok = it->vfs == 0 || load_vfio(c) == 0;
        for (unsigned i = 0; i < it->vfs; i++) {
                struct pci_addr va;
                struct pci_dev vf;
                if (pci_dev_virtfn(c->root, name, (int)i, &va) < 0 || pci_dev_read(c->root, &va, &vf) < 0) {
                        ERR(c, "%s: SR-IOV: VF %u vanished", name, i);
                        c->failed++;
                        continue;
                }
                struct early_dev *ve = out_add(c, &vf);
                if (!ve)
                        continue;
                ve->dev = vf;
                c->asked++;
                if (vf.iommu_group < 0) {
                        set_state(ve, ST_REFUSED, "VF %u of %s: no IOMMU group", i, name);
                        c->failed++;
                        ERR(c, "%s: %s", vf.name, ve->why);
                        continue;
                }
                set_state(ve, ST_BIND, "VF %u of %s", i, name);
                bind_one(c, ve, vfio_ok);
        }
        return;
failed:
        c->failed++;
        ERR(c, "%s: %s", name, e->why);
}

static void do_sriov(struct early_ctx *c)
{
        struct pci_addr only;
        if (c->sriov_only && pci_addr_parse(c->sriov_only, &only) < 0)
                return;         /* main() validated it */
        bool found = false;
        for (size_t i = 0; i < c->conf.sriov.n; i++) {
                if (c->sriov_only && !pci_addr_eq(&only, &c->conf.sriov.v[i].addr))
                        continue;
                found = true;
                do_sriov_pf(c, &c->conf.sriov.v[i]);
        }
        if (c->sriov_only && !found)
                DEBUG(c, "%s: no [sriov] entry for it; nothing to do", c->sriov_only);
}

int early_run(struct early_ctx *c)
{
        int rc = pci_addr_list(c->root, &c->addrs, &c->n_addrs);
        if (rc == 0) {
                c->devs = calloc(c->n_addrs ? c->n_addrs : 1, sizeof(*c->devs));
                c->loaded = calloc(c->n_addrs ? c->n_addrs : 1, 1);
                if (!c->devs || !c->loaded)
                        rc = -ENOMEM;
        }
        if (rc < 0) {
                ERR(c, "cannot list PCI devices (/sys/bus/pci/devices): %s", strerror(-rc));
                c->asked++;
                c->failed++;
                return rc;
        }
        if (!c->sriov_only)
                do_binding(c);
        do_sriov(c);
        return 0;
}

int early_exit_code(const struct early_ctx *c)
{
        unsigned bad = c->asked > c->done ? c->asked - c->done : 0;
        if (bad == 0)
                /* lines of the config that could not be used (typos) are not "all done" */
                return c->conf_errors ? PGS_EXIT_PARTIAL : PGS_EXIT_OK;
        /* a device that is simply not there (an eGPU or dock unplugged) is
         * normal at boot: partly done, never a failed unit */
        return c->done > 0 || bad == c->missing ? PGS_EXIT_PARTIAL : PGS_EXIT_FAILED;
}

/* /run/pgs/early, format 1 (docs/state-files.md):
 *   # pgs-early 1
 *   ADDR<TAB>STATE<TAB>DRIVER<TAB>MESSAGE     one line per device
 * --sriov runs merge into the file: lines for the devices they touched are
 * replaced, the others kept. */
int early_write_state(struct early_ctx *c)
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
        c->addrs = NULL;
        c->devs = NULL;
        c->loaded = NULL;
        c->out = NULL;
}
