/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vm/disk.c — a whole disk (--disk PATH) or a storage controller
 * (--disk-controller ADDR) for the guest, and the refusals that keep the
 * host's own disks out of it. Read through the root, as the kernel and udev
 * lay them out (Documentation/ABI/stable/sysfs-block, sysfs-dev):
 *
 *   dev/NAME (the node), dev/disk/by-id/LINK -> ../../NAME
 *   sys/dev/block/MAJ:MIN -> ../../devices/…/NAME
 *   sys/class/block/NAME -> ../../devices/pci…/ADDR/…/NAME   (partitions too)
 *   sys/class/block/NAME/{dev,size,partition,holders/H,dm/{name,uuid}}
 *   proc/self/mountinfo (maj:min, mount point, source), proc/swaps
 *   run/udev/data/bMAJ:MIN ("E:ID_FS_TYPE=crypto_LUKS")
 *
 * A disk is refused while it or a partition on it is mounted, is swap in use,
 * is held by device-mapper (LVM, LUKS) or md, or carries an LVM, LUKS or md
 * signature (udev's ID_FS_TYPE) even when not active; the host's root first. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "shared/strutil.h"
#include "vm/vm.h"

#define FAIL(...) fail_msg(msg, msgsize, __VA_ARGS__)

struct mounts {
        char *info, *swaps;     /* proc/self/mountinfo, proc/swaps */
};

/* the kernel name a device node (or a link to one) stands for */
static int node_kname(const struct pgs_root *r, const char *path, char *kname, size_t size)
{
        struct stat st;
        char p[64];
        if (fs_stat(r, path, &st) < 0 || !S_ISBLK(st.st_mode))
                return -ENOTBLK;
        path_fmt(p, sizeof(p), "sys/dev/block/%u:%u", major(st.st_rdev), minor(st.st_rdev));
        return fs_readlink_base(r, p, kname, size) < 0 ? -ENODEV : 0;
}

static bool is_partition(const struct pgs_root *r, const char *kname)
{
        char p[128];
        return fs_exists(r, path_fmt(p, sizeof(p), "sys/class/block/%s/partition", kname));
}

/* the source of a mount or a swap line is NAME: "/dev/NAME", or a link to it */
static bool source_is(const struct pgs_root *r, const char *src, const char *kname)
{
        char k[64];
        if (src[0] != '/')
                return false;
        if (node_kname(r, src, k, sizeof(k)) == 0)
                return !strcmp(k, kname);
        const char *b = strrchr(src, '/') + 1;
        return !strncmp(src, "/dev/", 5) && !strcmp(b, kname);
}

/* where NAME is mounted ("/" for the root), or NULL; mp receives it */
static bool mounted(const struct pgs_root *r, const struct mounts *m, const char *kname, char *mp, size_t size)
{
        char dev[32] = "", p[128];
        fs_read_str(r, path_fmt(p, sizeof(p), "sys/class/block/%s/dev", kname), dev, sizeof(dev));
        for (char *line = m->info; line && *line;) {
                char *nl = strchr(line, '\n'), f[5][512], src[512] = "";
                if (nl)
                        *nl = 0;
                const char *sep = strstr(line, " - ");
                if (sscanf(line, "%511s %511s %511s %511s %511s", f[0], f[1], f[2], f[3], f[4]) == 5 && sep)
                        sscanf(sep + 3, "%*s %511s", src);
                bool hit = (dev[0] && !strcmp(f[2], dev)) || (src[0] && source_is(r, src, kname));
                if (nl)
                        *nl = '\n';
                if (hit) {
                        snprintf(mp, size, "%s", f[4]);
                        return true;
                }
                line = nl ? nl + 1 : NULL;
        }
        return false;
}

static bool swapping(const struct pgs_root *r, const struct mounts *m, const char *kname)
{
        for (char *line = m->swaps; line && *line;) {
                char *nl = strchr(line, '\n'), src[512] = "";
                if (nl)
                        *nl = 0;
                bool hit = sscanf(line, "%511s", src) == 1 && source_is(r, src, kname);
                if (nl)
                        *nl = '\n';
                if (hit)
                        return true;
                line = nl ? nl + 1 : NULL;
        }
        return false;
}

/* what a holder is: "an LVM logical volume (dm-0, vg0-home)" */
static void holder_kind(const struct pgs_root *r, const char *h, char *out, size_t size)
{
        char p[128], uuid[160] = "", name[128] = "";
        fs_read_str(r, path_fmt(p, sizeof(p), "sys/class/block/%s/dm/uuid", h), uuid, sizeof(uuid));
        fs_read_str(r, path_fmt(p, sizeof(p), "sys/class/block/%s/dm/name", h), name, sizeof(name));
        const char *what = !strncmp(h, "md", 2) ? "an md RAID array"
                         : !strncmp(uuid, "LVM-", 4) ? "an LVM logical volume"
                         : !strncmp(uuid, "CRYPT-", 6) ? "an open LUKS/dm-crypt mapping"
                         : !strncmp(h, "dm-", 3) ? "a device-mapper target" : "a block device";
        snprintf(out, size, "%s (%s%s%s)", what, h, name[0] ? ", " : "", name);
}

/* Why kname (one disk or partition) is the host's: "" when it is not.
 * root_only: only "it holds the host's root" counts. Holders are followed
 * (LVM on LUKS on a partition) to find what is mounted through them. */
static void busy_one(const struct pgs_root *r, const struct mounts *m, const char *kname, bool root_only,
                     int depth, char *why, size_t size)
{
        char mp[512], p[160], h[64];
        why[0] = 0;
        if (mounted(r, m, kname, mp, sizeof(mp))) {
                if (!strcmp(mp, "/"))
                        snprintf(why, size, "%s holds the host's root filesystem (mounted on /)", kname);
                else if (!root_only)
                        snprintf(why, size, "%s is mounted on %.200s", kname, mp);
                return;
        }
        if (!root_only && swapping(r, m, kname)) {
                snprintf(why, size, "%s is swap in use (/proc/swaps)", kname);
                return;
        }
        struct dirent **l = NULL;
        int n = depth < 4 ? fs_scandir(r, path_fmt(p, sizeof(p), "sys/class/block/%s/holders", kname), &l, NULL, alphasort) : 0;
        for (int i = 0; i < n; i++) {
                if (!why[0] && l[i]->d_name[0] != '.') {
                        char below[400], kind[200];
                        snprintf(h, sizeof(h), "%s", l[i]->d_name);
                        busy_one(r, m, h, root_only, depth + 1, below, sizeof(below));
                        holder_kind(r, h, kind, sizeof(kind));
                        if (strstr(below, "host's root"))
                                snprintf(why, size, "%s holds the host's root filesystem through %s", kname, kind);
                        else if (!root_only)
                                snprintf(why, size, "%s is held by %s%s%s", kname, kind, below[0] ? ": " : "", below);
                }
                free(l[i]);
        }
        free(l);
        if (why[0] || root_only)
                return;
        char dev[32] = "", *db = NULL;
        size_t len;
        fs_read_str(r, path_fmt(p, sizeof(p), "sys/class/block/%s/dev", kname), dev, sizeof(dev));
        if (dev[0] && fs_read_file(r, path_fmt(p, sizeof(p), "run/udev/data/b%s", dev), 1 << 16, &db, &len) == 0) {
                static const char *const sig[][2] = {
                        { "\nE:ID_FS_TYPE=LVM2_member\n", "an LVM physical volume" },
                        { "\nE:ID_FS_TYPE=crypto_LUKS\n", "a LUKS container" },
                        { "\nE:ID_FS_TYPE=linux_raid_member\n", "an md RAID member" },
                };
                char *t = NULL;
                if (asprintf(&t, "\n%s\n", db) > 0)
                        for (size_t i = 0; i < sizeof(sig) / sizeof(sig[0]) && !why[0]; i++)
                                if (strstr(t, sig[i][0]))
                                        snprintf(why, size, "%s is %s (udev's ID_FS_TYPE), even if not active now", kname, sig[i][1]);
                free(t);
                free(db);
        }
}

static int part_filter(const struct dirent *d) { return d->d_name[0] != '.'; }

/* one look at a disk and each partition on it: for the host's root only, or
 * for every reason */
static void disk_pass(const struct pgs_root *r, const struct mounts *m, const char *disk, bool root_only, char *why, size_t size)
{
        char p[128];
        struct dirent **l = NULL;
        int n = fs_scandir(r, path_fmt(p, sizeof(p), "sys/class/block/%s", disk), &l, part_filter, alphasort);
        busy_one(r, m, disk, root_only, 0, why, size);
        for (int i = 0; i < n; i++) {
                if (!why[0] && is_partition(r, l[i]->d_name))
                        busy_one(r, m, l[i]->d_name, root_only, 0, why, size);
                free(l[i]);
        }
        free(l);
}

/* the root anywhere on the disk first, then the rest */
static int disk_busy(const struct pgs_root *r, const struct mounts *m, const char *disk, char *why, size_t size)
{
        why[0] = 0;
        for (int pass = 0; pass < 2 && !why[0]; pass++)
                disk_pass(r, m, disk, pass == 0, why, size);
        return why[0] ? 1 : 0;
}

static void mounts_read(const struct pgs_root *r, struct mounts *m)
{
        size_t len;
        m->info = m->swaps = NULL;
        fs_read_file(r, "proc/self/mountinfo", 1 << 22, &m->info, &len);
        fs_read_file(r, "proc/swaps", 1 << 20, &m->swaps, &len);
}

/* the /dev/disk/by-id name of kname: a model_serial one before wwn-/eui. */
static int by_id(const struct pgs_root *r, const char *kname, char *out, size_t size)
{
        struct dirent **l = NULL;
        int n = fs_scandir(r, "dev/disk/by-id", &l, part_filter, alphasort), best = 3;
        out[0] = 0;
        for (int i = 0; i < n; i++) {
                const char *e = l[i]->d_name;
                char p[512], k[64];
                int rank = !strncmp(e, "wwn-", 4) || !strncmp(e, "nvme-eui.", 9) || !strncmp(e, "nvme-nvme.", 10) ? 1 : 0;
                if (rank < best && node_kname(r, path_fmt(p, sizeof(p), "dev/disk/by-id/%s", e), k, sizeof(k)) == 0
                    && !strcmp(k, kname) && strlen(e) + 17 < size) {
                        snprintf(out, size, "/dev/disk/by-id/%s", e);
                        best = rank;
                }
                free(l[i]);
        }
        free(l);
        return out[0] ? 0 : -ENOENT;
}

static unsigned long long disk_gib(const struct pgs_root *r, const char *kname)
{
        char p[128];
        uint64_t sectors = 0;
        fs_read_u64(r, path_fmt(p, sizeof(p), "sys/class/block/%s/size", kname), 10, &sectors);
        return sectors / 2 / 1024 / 1024;       /* 512-byte sectors, always */
}

int vm_disk_pick(const struct pgs_root *r, const struct vm_opts *o, struct vm_spec *s, char *msg, size_t msgsize)
{
        char k[64], why[600], parent[64];
        if (node_kname(r, o->disk, k, sizeof(k)) < 0)
                return FAIL("--disk %.200s: %s", o->disk, fs_exists(r, o->disk) ? "not a block device" : "there is no such device");
        if (is_partition(r, k)) {
                /* sys/class/block/PART -> …/DISK/PART: the disk is the parent */
                char p[128], t[512];
                parent[0] = 0;
                if (fs_readlink(r, path_fmt(p, sizeof(p), "sys/class/block/%s", k), t, sizeof(t)) > 0) {
                        char *e = strrchr(t, '/');
                        if (e) {
                                *e = 0;
                                e = strrchr(t, '/');
                                snprintf(parent, sizeof(parent), "%s", e ? e + 1 : t);
                        }
                }
                return FAIL("--disk %.200s is partition %s; Windows takes a whole disk (/dev/%s)", o->disk, k, parent);
        }
        struct mounts m;
        mounts_read(r, &m);
        int busy = disk_busy(r, &m, k, why, sizeof(why));
        free(m.info);
        free(m.swaps);
        if (busy)
                return FAIL("--disk %.200s (%s): %s; pgs gives a VM only a disk the host does not use", o->disk, k, why);
        if (by_id(r, k, s->disk, sizeof(s->disk)) < 0)
                return FAIL("--disk %.200s (%s) has no /dev/disk/by-id/ name, and its kernel name can change at the next boot", o->disk, k);
        unsigned long long gib = disk_gib(r, k);
        if (gib < vm_min_disk_gib(o->windows))
                return FAIL("--disk %.200s (%s) holds %llu GiB; Windows %u needs at least %llu GiB", o->disk, k, gib, o->windows, vm_min_disk_gib(o->windows));
        return 0;
}

/* every whole disk whose sysfs path runs through the controller's */
static int behind(const struct pgs_root *r, const char *addr, char *why, size_t size, unsigned *n_disks)
{
        struct dirent **l = NULL;
        int n = fs_scandir(r, "sys/class/block", &l, part_filter, alphasort);
        struct mounts m;
        char needle[PCI_ADDR_STR + 2];
        snprintf(needle, sizeof(needle), "/%s/", addr);
        mounts_read(r, &m);
        why[0] = 0;
        *n_disks = 0;
        for (int pass = 0; pass < 2 && !why[0]; pass++)
                for (int i = 0; i < n && !why[0]; i++) {
                        char p[300], t[1024];
                        const char *k = l[i]->d_name;
                        if (is_partition(r, k) || fs_readlink(r, path_fmt(p, sizeof(p), "sys/class/block/%s", k), t, sizeof(t)) < 0 || !strstr(t, needle))
                                continue;
                        *n_disks += pass == 0;
                        char w[500] = "";
                        disk_pass(r, &m, k, pass == 0, w, sizeof(w));
                        if (w[0])
                                snprintf(why, size, "%s is behind it, and %s", k, w);
                }
        for (int i = 0; i < n; i++)
                free(l[i]);
        free(l);
        free(m.info);
        free(m.swaps);
        return why[0] ? 1 : 0;
}

int vm_controller_pick(const struct pgs_root *r, const struct vm_opts *o, struct vm_spec *s, char *msg, size_t msgsize)
{
        struct pci_addr a;
        struct pci_dev d;
        char why[700];
        unsigned n;
        if (pci_addr_parse(o->controller, &a) < 0)
                return FAIL("--disk-controller '%.32s': not a PCI address (like 0000:3e:00.0)", o->controller);
        if (pci_dev_read(r, &a, &d) < 0)
                return FAIL("--disk-controller %.32s: there is no PCI device %.32s on this host", o->controller, o->controller);
        if (d.class >> 16 != 0x01)
                return FAIL("%s: class %06x is not a storage controller (NVMe, SATA)", d.name, d.class);
        for (unsigned i = 0; i < s->n_funcs; i++)
                if (pci_addr_eq(&s->funcs[i], &d.addr))
                        return FAIL("%s goes to the guest with the GPU already", d.name);
        if (behind(r, d.name, why, sizeof(why), &n))
                return FAIL("--disk-controller %s: %s; pgs gives a VM only a controller whose disks the host does not use", d.name, why);
        int k = vm_group_check(r, &d, false, NULL, NULL, msg, msgsize);
        if (k < 0)
                return k;
        s->ctrl = d.addr;
        s->has_ctrl = true;
        snprintf(s->handover_allow, sizeof(s->handover_allow), "%s@%04x:%04x", d.name, d.vendor, d.device);
        if (!n)
                vm_note(s, "%s has no disk the host sees now (is it on vfio-pci already?): pgs could not check what is on it", d.name);
        return 0;
}
