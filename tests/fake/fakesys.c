/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tests/fake/fakesys.c — the fake kernel's reactions (see fakesys.h). */
#include "tests/fake/fakesys.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEVDIR "sys/devices/pci0000:00"

static const char *R;   /* the root of the current call */

static char *P(char *buf, const char *fmt, ...)
{
        int n = snprintf(buf, 4096, "%s/", R);
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(buf + n, 4096 - (size_t)n, fmt, ap);
        va_end(ap);
        return buf;
}

static int put(const char *path, const char *s)
{
        FILE *f = fopen(path, "w");
        if (!f)
                return -errno;
        fputs(s, f);
        fclose(f);
        return 0;
}

static int get(const char *path, char *buf, size_t size)
{
        FILE *f = fopen(path, "r");
        if (!f)
                return -errno;
        size_t n = fread(buf, 1, size - 1, f);
        fclose(f);
        buf[n] = '\0';
        if (n && buf[n - 1] == '\n')
                buf[n - 1] = '\0';
        return 0;
}

static void mkdirs(const char *path)
{
        char b[4096];
        snprintf(b, sizeof(b), "%s", path);
        for (char *s = b + 1; *s; s++)
                if (*s == '/') {
                        *s = '\0';
                        mkdir(b, 0755);
                        *s = '/';
                }
        mkdir(b, 0755);
}

static bool exists(const char *p)
{
        struct stat st;
        return lstat(p, &st) == 0;
}

static int parse_addr(const char *s, unsigned *dom, unsigned *bus, unsigned *slot, unsigned *fn)
{
        char tail;
        if (strlen(s) != 12 || sscanf(s, "%4x:%2x:%2x.%1x%c", dom, bus, slot, fn, &tail) != 4)
                return -EINVAL;
        return 0;
}

static void read_driver(const char *addr, char *drv, size_t size)
{
        char p[4096], t[4096];
        drv[0] = '\0';
        ssize_t n = readlink(P(p, DEVDIR "/%s/driver", addr), t, sizeof(t) - 1);
        if (n > 0) {
                t[n] = '\0';
                snprintf(drv, size, "%s", strrchr(t, '/') + 1);
        }
}

static int group_of(const char *addr)
{
        char p[4096], t[4096];
        ssize_t n = readlink(P(p, DEVDIR "/%s/iommu_group", addr), t, sizeof(t) - 1);
        if (n <= 0)
                return -1;
        t[n] = '\0';
        return atoi(strrchr(t, '/') + 1);
}

/* where a device's directory really is under DEVDIR: "ADDR", or
 * "BRIDGE/ADDR" for a device added behind a bridge (parent=) */
static const char *dev_rel(const char *addr, char *buf, size_t size)
{
        char p[4096];
        ssize_t n = readlink(P(p, DEVDIR "/%s", addr), buf, size - 1);
        if (n <= 0)
                snprintf(buf, size, "%s", addr);
        else
                buf[n] = '\0';
        return buf;
}

/* from inside a device's directory up to sys/ (the kernel's relative links) */
static const char *dev_up(const char *addr)
{
        char b[256];
        return strchr(dev_rel(addr, b, sizeof(b)), '/') ? "../../../../" : "../../../";
}

static void bind_dev(const char *addr, const char *drv)
{
        char p[4096], t[4096];
        char rel[256];
        snprintf(t, sizeof(t), "%sbus/pci/drivers/%s", dev_up(addr), drv);
        symlink(t, P(p, DEVDIR "/%s/driver", addr));
        snprintf(t, sizeof(t), "../../../../devices/pci0000:00/%s", dev_rel(addr, rel, sizeof(rel)));
        symlink(t, P(p, "sys/bus/pci/drivers/%s/%s", drv, addr));
        int g = group_of(addr);
        if (strcmp(drv, "vfio-pci") == 0 && g >= 0) {
                mkdirs(P(p, "dev/vfio"));
                put(P(p, "dev/vfio/vfio"), "");
                snprintf(t, sizeof(t), "dev/vfio/%d", g);
                put(P(p, "%s", t), "");
        }
}

static void unbind_dev(const char *addr, const char *drv)
{
        char p[4096];
        unlink(P(p, DEVDIR "/%s/driver", addr));
        unlink(P(p, "sys/bus/pci/drivers/%s/%s", drv, addr));
        int g = group_of(addr);
        if (strcmp(drv, "vfio-pci") == 0 && g >= 0)
                unlink(P(p, "dev/vfio/%d", g));
}

/* pci_match_device(): an override matches only its driver; else the id table */
static bool matches(const char *addr, const char *drv)
{
        char p[4096], ov[256], v[32], d[32], id[16];
        if (get(P(p, DEVDIR "/%s/driver_override", addr), ov, sizeof(ov)) == 0 && strcmp(ov, "(null)") != 0)
                return strcmp(ov, drv) == 0;
        if (get(P(p, DEVDIR "/%s/vendor", addr), v, sizeof(v)) < 0 || get(P(p, DEVDIR "/%s/device", addr), d, sizeof(d)) < 0)
                return false;
        snprintf(id, sizeof(id), "%s:%s", v + 2, d + 2);
        FILE *f = fopen(P(p, ".fake/modules/%s", drv), "r");
        if (!f)
                return false;
        char line[64];
        bool m = false;
        while (!m && fgets(line, sizeof(line), f)) {
                line[strcspn(line, "\n")] = '\0';
                m = strcasecmp(line, id) == 0;
        }
        fclose(f);
        return m;
}

static bool probe(const char *addr)
{
        char p[4096], drv[256];
        read_driver(addr, drv, sizeof(drv));
        if (drv[0])
                return true;
        struct dirent **list;
        int n = scandir(P(p, "sys/bus/pci/drivers"), &list, NULL, alphasort);
        bool bound = false;
        for (int i = 0; i < n; i++) {
                if (!bound && list[i]->d_name[0] != '.' && matches(addr, list[i]->d_name)) {
                        bind_dev(addr, list[i]->d_name);
                        bound = true;
                }
                free(list[i]);
        }
        if (n >= 0)
                free(list);
        return bound;
}

static bool dev_exists(const char *addr)
{
        char p[4096];
        unsigned a, b, c, d;
        return parse_addr(addr, &a, &b, &c, &d) == 0 && exists(P(p, DEVDIR "/%s/vendor", addr));
}

static int next_group(void)
{
        char p[4096];
        DIR *d = opendir(P(p, "sys/kernel/iommu_groups"));
        int max = -1;
        struct dirent *de;
        while (d && (de = readdir(d)))
                if (de->d_name[0] != '.' && atoi(de->d_name) > max)
                        max = atoi(de->d_name);
        if (d)
                closedir(d);
        return max + 1;
}

static void set_group(const char *addr, int g)
{
        char p[4096], t[512], rel[256];
        mkdirs(P(p, "sys/kernel/iommu_groups/%d/devices", g));
        snprintf(t, sizeof(t), "%skernel/iommu_groups/%d", dev_up(addr), g);
        symlink(t, P(p, DEVDIR "/%s/iommu_group", addr));
        snprintf(t, sizeof(t), "../../../../devices/pci0000:00/%s", dev_rel(addr, rel, sizeof(rel)));
        symlink(t, P(p, "sys/kernel/iommu_groups/%d/devices/%s", g, addr));
}

static void rm_dir_flat(const char *path)
{
        DIR *d = opendir(path);
        struct dirent *de;
        char p[4096];
        while (d && (de = readdir(d)))
                if (de->d_name[0] != '.') {
                        snprintf(p, sizeof(p), "%s/%s", path, de->d_name);
                        unlink(p);
                }
        if (d)
                closedir(d);
        rmdir(path);
}

static void make_dev(const char *addr, const char *vendor, const char *device, const char *class, int group)
{
        char p[4096], t[256];
        mkdirs(P(p, DEVDIR "/%s", addr));
        put(P(p, DEVDIR "/%s/vendor", addr), vendor);
        put(P(p, DEVDIR "/%s/device", addr), device);
        put(P(p, DEVDIR "/%s/subsystem_vendor", addr), vendor);
        put(P(p, DEVDIR "/%s/subsystem_device", addr), "0x0001\n");
        put(P(p, DEVDIR "/%s/class", addr), class);
        put(P(p, DEVDIR "/%s/driver_override", addr), "(null)\n");
        /* pci-driver.c pci_uevent/modalias_show: the ids and class in one line */
        unsigned long v = strtoul(vendor, NULL, 16), d = strtoul(device, NULL, 16), c = strtoul(class, NULL, 16);
        snprintf(t, sizeof(t), "pci:v%08lXd%08lXsv%08lXsd%08Xbc%02lXsc%02lXi%02lX\n", v, d, v, 1u, c >> 16, (c >> 8) & 0xff, c & 0xff);
        put(P(p, DEVDIR "/%s/modalias", addr), t);
        /* pci-sysfs.c: every VGA-class device has boot_vga (1 only for the
         * one the firmware used); other classes have none */
        if ((c >> 8) == 0x0300)
                put(P(p, DEVDIR "/%s/boot_vga", addr), "0\n");
        mkdirs(P(p, "sys/bus/pci/devices"));
        snprintf(t, sizeof(t), "../../../devices/pci0000:00/%s", addr);
        symlink(t, P(p, "sys/bus/pci/devices/%s", addr));
        if (group >= 0)
                set_group(addr, group);
}

static int numvfs_store(const char *pf, unsigned want)
{
        char p[4096], b[64], drv[256];
        read_driver(pf, drv, sizeof(drv));
        if (!drv[0])
                return -ENOENT;
        unsigned total = 0, cur = 0, off = 1, stride = 1;
        if (get(P(p, DEVDIR "/%s/sriov_totalvfs", pf), b, sizeof(b)) < 0)
                return -ENOENT;
        total = (unsigned)atoi(b);
        get(P(p, DEVDIR "/%s/sriov_numvfs", pf), b, sizeof(b));
        cur = (unsigned)atoi(b);
        if (get(P(p, DEVDIR "/%s/sriov_offset", pf), b, sizeof(b)) == 0)
                off = (unsigned)atoi(b);
        if (get(P(p, DEVDIR "/%s/sriov_stride", pf), b, sizeof(b)) == 0)
                stride = (unsigned)atoi(b);
        if (want == cur)
                return 0;
        if (want > total)
                return -ERANGE;
        if (cur != 0 && want != 0)
                return -EBUSY;
        unsigned dom, bus, slot, fn;
        parse_addr(pf, &dom, &bus, &slot, &fn);
        unsigned rid = bus << 8 | slot << 3 | fn;
        if (want == 0) {
                for (unsigned i = 0; i < cur; i++) {
                        char vf[32], t[4096];
                        ssize_t n = readlink(P(p, DEVDIR "/%s/virtfn%u", pf, i), t, sizeof(t) - 1);
                        if (n <= 0)
                                continue;
                        t[n] = '\0';
                        snprintf(vf, sizeof(vf), "%s", strrchr(t, '/') ? strrchr(t, '/') + 1 : t);
                        read_driver(vf, drv, sizeof(drv));
                        if (drv[0])
                                unbind_dev(vf, drv);
                        int g = group_of(vf);
                        unlink(P(p, DEVDIR "/%s/virtfn%u", pf, i));
                        unlink(P(p, "sys/bus/pci/devices/%s", vf));
                        if (g >= 0) {
                                rm_dir_flat(P(p, "sys/kernel/iommu_groups/%d/devices", g));
                                rmdir(P(p, "sys/kernel/iommu_groups/%d", g));
                        }
                        rm_dir_flat(P(p, DEVDIR "/%s", vf));
                }
        } else {
                char vendor[32], vfdev[32] = "0x0000", class[32], ap[8] = "1";
                get(P(p, DEVDIR "/%s/vendor", pf), vendor, sizeof(vendor));
                get(P(p, DEVDIR "/%s/sriov_vf_device", pf), vfdev + 2, sizeof(vfdev) - 2);
                get(P(p, DEVDIR "/%s/class", pf), class, sizeof(class));
                get(P(p, DEVDIR "/%s/sriov_drivers_autoprobe", pf), ap, sizeof(ap));
                for (unsigned i = 0; i < want; i++) {
                        unsigned r = rid + off + i * stride;
                        char vf[32], t[64];
                        snprintf(vf, sizeof(vf), "%04x:%02x:%02x.%x", dom, r >> 8 & 0xff, r >> 3 & 0x1f, r & 7);
                        make_dev(vf, vendor, vfdev, class, next_group());
                        snprintf(t, sizeof(t), "../%s", pf);
                        symlink(t, P(p, DEVDIR "/%s/physfn", vf));
                        snprintf(t, sizeof(t), "../%s", vf);
                        symlink(t, P(p, DEVDIR "/%s/virtfn%u", pf, i));
                        if (atoi(ap))
                                probe(vf);
                }
        }
        snprintf(b, sizeof(b), "%u\n", want);
        put(P(p, DEVDIR "/%s/sriov_numvfs", pf), b);
        return 0;
}

static int inject_fault(const char *rel)
{
        const char *spec = getenv("PGS_FAKE_FAIL");
        if (!spec)
                return 0;
        static const struct { const char *n; int e; } errs[] = {
                { "EIO", EIO }, { "EBUSY", EBUSY }, { "ENODEV", ENODEV }, { "EINVAL", EINVAL },
                { "ENOMEM", ENOMEM }, { "EACCES", EACCES }, { "EPERM", EPERM }, { "ENOSPC", ENOSPC },
        };
        char s[1024];
        snprintf(s, sizeof(s), "%s", spec);
        char *save, *item;
        for (item = strtok_r(s, ";", &save); item; item = strtok_r(NULL, ";", &save)) {
                char *eq = strrchr(item, '=');
                if (!eq)
                        continue;
                *eq = '\0';
                size_t l = strlen(item), rl = strlen(rel);
                if (rl >= l && strcmp(rel + rl - l, item) == 0)
                        for (size_t i = 0; i < sizeof(errs) / sizeof(errs[0]); i++)
                                if (strcmp(errs[i].n, eq + 1) == 0)
                                        return -errs[i].e;
        }
        return 0;
}

/* ---- writes: one handler per attribute, as the kernel has one store
 * function per attribute (libvirt's virpcimock does the same) ---------- */

struct wr {
        const char *rel, *base;         /* the path, its last component */
        const char *buf;                /* the bytes written */
        size_t len;
        char val[512];                  /* the bytes as a string, up to the first newline */
        char dir[512];                  /* rel without its last component */
        char addr[64];                  /* the PCI device under DEVDIR, or "" */
};

static bool under(const struct wr *w, const char *prefix)
{
        return !strncmp(w->rel, prefix, strlen(prefix));
}

static bool is(const struct wr *w, const char *base)
{
        return !strcmp(w->base, base);
}

/* hugepage pools: the kernel gives what it can (capacity, more after
 * compact_memory) and answers success either way (mm/hugetlb.c) */
static bool m_hugepages(const struct wr *w)
{
        return is(w, "nr_hugepages") &&
               (under(w, "sys/kernel/mm/hugepages/") || (under(w, "sys/devices/system/node/node") && strstr(w->rel, "/hugepages/")));
}

static int s_hugepages(const struct wr *w)
{
        char b[64], d[4096], pnb[128];
        /* .fake keys: hugepages-2048kB, or node1-hugepages-2048kB */
        const char *pn = strrchr(w->dir, '/') + 1;
        unsigned node;
        if (sscanf(w->rel, "sys/devices/system/node/node%u/", &node) == 1) {
                snprintf(pnb, sizeof(pnb), "node%u-%s", node, pn);
                pn = pnb;
        }
        unsigned long want = strtoul(w->val, NULL, 10), used = 0, cap = 0;
        if (get(P(d, ".fake/%s-used", pn), b, sizeof(b)) == 0)
                used = strtoul(b, NULL, 10);
        if (get(P(d, ".fake/%s-capacity", pn), b, sizeof(b)) == 0)
                cap = strtoul(b, NULL, 10);
        if (get(P(d, ".fake/%s-bonus", pn), b, sizeof(b)) == 0 && exists(P(d, ".fake/compacted")))
                cap += strtoul(b, NULL, 10);
        unsigned long nr = want < cap ? want : cap;
        if (nr < used)
                nr = used;
        snprintf(b, sizeof(b), "%lu\n", nr);
        put(P(d, "%s/nr_hugepages", w->dir), b);
        snprintf(b, sizeof(b), "%lu\n", nr - used);
        put(P(d, "%s/free_hugepages", w->dir), b);
        return 0;
}

static bool m_vm_knob(const struct wr *w)
{
        return !strcmp(w->rel, "proc/sys/vm/compact_memory") || !strcmp(w->rel, "proc/sys/vm/drop_caches");
}

static int s_vm_knob(const struct wr *w)
{
        char d[4096];
        if (is(w, "compact_memory"))
                put(P(d, ".fake/compacted"), "1\n");
        return 0;
}

static bool m_cpufreq(const struct wr *w)
{
        return under(w, "sys/devices/system/cpu/cpufreq/policy") && (is(w, "scaling_governor") || is(w, "energy_performance_preference"));
}

/* a value from the available list; intel_pstate fixes EPP under the
 * performance governor (-EBUSY) */
static int s_cpufreq(const struct wr *w)
{
        char d[4096], avail[512] = "", gov[64] = "", drv[64] = "", pad[600], v[140], b[140];
        bool governor = is(w, "scaling_governor");
        get(P(d, "%s/%s", w->dir, governor ? "scaling_available_governors" : "energy_performance_available_preferences"), avail,
            sizeof(avail));
        get(P(d, "%s/scaling_governor", w->dir), gov, sizeof(gov));
        get(P(d, "%s/scaling_driver", w->dir), drv, sizeof(drv));
        snprintf(pad, sizeof(pad), " %s ", avail);
        snprintf(v, sizeof(v), " %.127s ", w->val);
        if (!strstr(pad, v))
                return -EINVAL;
        if (!governor && !strcmp(drv, "intel_pstate") && !strcmp(gov, "performance") && strcmp(w->val, "performance"))
                return -EBUSY;
        snprintf(b, sizeof(b), "%.127s\n", w->val);
        put(P(d, "%s", w->rel), b);
        return 0;
}

static bool m_cpumask(const struct wr *w)
{
        return (under(w, "proc/irq/") && is(w, "smp_affinity_list")) || !strcmp(w->rel, "sys/devices/virtual/workqueue/cpumask") ||
               (under(w, "sys/fs/cgroup/") && is(w, "cpuset.cpus"));
}

static int s_cpumask(const struct wr *w)
{
        char d[4096], b[600], irq[32] = "";
        /* kernel/irq/proc.c: managed IRQs refuse */
        if (under(w, "proc/irq/") && sscanf(w->rel + 9, "%31[^/]", irq) == 1 && exists(P(d, ".fake/irq-%s-managed", irq)))
                return -EIO;
        snprintf(b, sizeof(b), "%.500s\n", w->val);
        put(P(d, "%s", w->rel), b);
        return 0;
}

static bool m_mdev_create(const struct wr *w)
{
        return w->addr[0] && is(w, "create") && strstr(w->rel, "/mdev_supported_types/");
}

static int s_mdev_create(const struct wr *w)
{
        char d[4096], u[64], b[64], t[512];
        snprintf(u, sizeof(u), "%.36s", w->val);
        unsigned long av = 0;
        if (get(P(d, "%s/available_instances", w->dir), b, sizeof(b)) == 0)
                av = strtoul(b, NULL, 10);
        if (!av || exists(P(d, "sys/devices/mdev/%s", u)))
                return av ? -EEXIST : -ENOSPC;
        snprintf(b, sizeof(b), "%lu\n", av - 1);
        put(P(d, "%s/available_instances", w->dir), b);
        mkdirs(P(d, "sys/devices/mdev/%s", u));
        put(P(d, "sys/devices/mdev/%s/remove", u), "");
        snprintf(t, sizeof(t), "%s\n", w->dir);
        put(P(d, "sys/devices/mdev/%s/.type", u), t);
        mkdirs(P(d, "sys/bus/mdev/devices"));
        snprintf(t, sizeof(t), "../../../devices/mdev/%s", u);
        symlink(t, P(d, "sys/bus/mdev/devices/%s", u));
        return 0;
}

static bool m_mdev_remove(const struct wr *w)
{
        return under(w, "sys/devices/mdev/") && is(w, "remove");
}

static int s_mdev_remove(const struct wr *w)
{
        char d[4096], uu[64], b[64], typedir[512];
        sscanf(w->rel + 17, "%63[^/]", uu);
        if (get(P(d, "sys/devices/mdev/%s/.type", uu), typedir, sizeof(typedir)) == 0 &&
            get(P(d, "%s/available_instances", typedir), b, sizeof(b)) == 0) {
                snprintf(b, sizeof(b), "%lu\n", strtoul(b, NULL, 10) + 1);
                put(P(d, "%s/available_instances", typedir), b);
        }
        unlink(P(d, "sys/bus/mdev/devices/%s", uu));
        unlink(P(d, "sys/devices/mdev/%s/remove", uu));
        unlink(P(d, "sys/devices/mdev/%s/.type", uu));
        rmdir(P(d, "sys/devices/mdev/%s", uu));
        return 0;
}

static bool m_override(const struct wr *w) { return w->addr[0] && is(w, "driver_override"); }

static int s_override(const struct wr *w)
{
        char p[4096], b[600];
        snprintf(b, sizeof(b), "%s\n", w->val[0] ? w->val : "(null)");
        put(P(p, "%s", w->rel), b);
        return 0;
}

static bool m_autoprobe(const struct wr *w) { return w->addr[0] && is(w, "sriov_drivers_autoprobe"); }

static int s_autoprobe(const struct wr *w)
{
        char p[4096], b[8];
        if (strcmp(w->val, "0") && strcmp(w->val, "1"))
                return -EINVAL;
        snprintf(b, sizeof(b), "%s\n", w->val);
        put(P(p, "%s", w->rel), b);
        return 0;
}

static bool m_numvfs(const struct wr *w) { return w->addr[0] && is(w, "sriov_numvfs"); }

static int s_numvfs(const struct wr *w)
{
        char *end;
        unsigned long v = strtoul(w->val, &end, 10);
        if (!w->val[0] || *end)
                return -EINVAL;
        return numvfs_store(w->addr, (unsigned)v);
}

static bool m_probe(const struct wr *w) { return !strcmp(w->rel, "sys/bus/pci/drivers_probe"); }

static int s_probe(const struct wr *w)
{
        if (!dev_exists(w->val))
                return -ENODEV;
        probe(w->val);  /* no match leaves it unbound, the write succeeds */
        return 0;
}

static bool m_drv(const struct wr *w, const char *base) { return under(w, "sys/bus/pci/drivers/") && is(w, base); }
static bool m_bind(const struct wr *w) { return m_drv(w, "bind"); }
static bool m_unbind(const struct wr *w) { return m_drv(w, "unbind"); }
static bool m_new_id(const struct wr *w) { return m_drv(w, "new_id"); }

static int s_bind(const struct wr *w)
{
        char drv[256], cur[256];
        sscanf(w->rel + 20, "%255[^/]", drv);
        if (!dev_exists(w->val))
                return -ENODEV;
        read_driver(w->val, cur, sizeof(cur));
        if (cur[0])
                return -EBUSY;
        if (!matches(w->val, drv))
                return -ENODEV;
        bind_dev(w->val, drv);
        return 0;
}

static int s_unbind(const struct wr *w)
{
        char drv[256], cur[256];
        sscanf(w->rel + 20, "%255[^/]", drv);
        if (!dev_exists(w->val))
                return -ENODEV;
        read_driver(w->val, cur, sizeof(cur));
        if (strcmp(cur, drv))
                return -ENODEV;
        unbind_dev(w->val, drv);
        return 0;
}

static int s_new_id(const struct wr *w)
{
        (void)w;
        return -EINVAL; /* pgs never uses it */
}

static const struct {
        bool (*match)(const struct wr *w);
        int (*store)(const struct wr *w);      /* 0 or -errno */
} handlers[] = {
        { m_hugepages, s_hugepages }, { m_vm_knob, s_vm_knob },       { m_cpufreq, s_cpufreq },
        { m_cpumask, s_cpumask },     { m_mdev_create, s_mdev_create }, { m_mdev_remove, s_mdev_remove },
        { m_override, s_override },   { m_autoprobe, s_autoprobe },   { m_numvfs, s_numvfs },
        { m_probe, s_probe },         { m_bind, s_bind },             { m_unbind, s_unbind },
        { m_new_id, s_new_id },
};

/* 1 when rel is an attribute the fake kernel handles (*ret: the write's
 * result), 0 when it is a plain file */
int fake_handle_write(const char *root, const char *rel, const char *buf, size_t len, ssize_t *ret)
{
        R = root;
        struct wr w = { .rel = rel, .buf = buf, .len = len };
        size_t n = len < sizeof(w.val) - 1 ? len : sizeof(w.val) - 1;
        memcpy(w.val, buf, n);
        w.val[n] = '\0';
        w.val[strcspn(w.val, "\n")] = '\0';
        const char *slash = strrchr(rel, '/');
        w.base = slash ? slash + 1 : rel;
        snprintf(w.dir, sizeof(w.dir), "%.*s", slash ? (int)(slash - rel) : 0, rel);
        if (!strncmp(rel, DEVDIR "/", strlen(DEVDIR) + 1))
                sscanf(rel + strlen(DEVDIR) + 1, "%63[^/]", w.addr);
        for (size_t i = 0; i < sizeof(handlers) / sizeof(handlers[0]); i++) {
                if (!handlers[i].match(&w))
                        continue;
                int rc = inject_fault(rel);
                if (rc == 0)
                        rc = handlers[i].store(&w);
                *ret = rc < 0 ? rc : (ssize_t)len;
                return 1;
        }
        return 0;
}

int fake_init(const char *root)
{
        R = root;
        char p[4096];
        mkdirs(P(p, DEVDIR));
        mkdirs(P(p, "sys/bus/pci/devices"));
        mkdirs(P(p, "sys/bus/pci/drivers"));
        mkdirs(P(p, "sys/kernel/iommu_groups"));
        mkdirs(P(p, "proc"));
        mkdirs(P(p, "dev"));
        mkdirs(P(p, "etc"));
        mkdirs(P(p, "run"));
        mkdirs(P(p, ".fake/modules"));
        put(P(p, "sys/bus/pci/drivers_probe"), "");
        put(P(p, "proc/cmdline"), "BOOT_IMAGE=/vmlinuz root=/dev/sda1 ro quiet\n");
        put(P(p, "dev/kmsg"), "");
        put(P(p, ".fake/modules/vfio-pci"), "");
        return 0;
}

int fake_module_add(const char *root, const char *name, int nids, char **ids)
{
        R = root;
        char p[4096];
        FILE *f = fopen(P(p, ".fake/modules/%s", name), "a");
        if (!f)
                return -errno;
        for (int i = 0; i < nids; i++)
                fprintf(f, "%s\n", ids[i]);
        fclose(f);
        return 0;
}

int fake_load_driver(const char *root, const char *name)
{
        R = root;
        char p[4096];
        if (!exists(P(p, ".fake/modules/%s", name)))
                return -ENOENT;
        if (exists(P(p, "sys/bus/pci/drivers/%s", name)))
                return 0;
        mkdirs(P(p, "sys/bus/pci/drivers/%s", name));
        put(P(p, "sys/bus/pci/drivers/%s/bind", name), "");
        put(P(p, "sys/bus/pci/drivers/%s/unbind", name), "");
        put(P(p, "sys/bus/pci/drivers/%s/new_id", name), "");
        /* driver_register() probes every unbound device the driver matches */
        struct dirent **list;
        int n = scandir(P(p, "sys/bus/pci/devices"), &list, NULL, alphasort);
        for (int i = 0; i < n; i++) {
                char drv[256];
                if (list[i]->d_name[0] != '.') {
                        read_driver(list[i]->d_name, drv, sizeof(drv));
                        if (!drv[0] && matches(list[i]->d_name, name))
                                bind_dev(list[i]->d_name, name);
                }
                free(list[i]);
        }
        if (n >= 0)
                free(list);
        return 0;
}

int fake_add_device(const char *root, const char *addr, const char *id, const char *class, int nargs, char **args)
{
        R = root;
        char p[4096], vendor[16], device[16], cls[16], b[64];
        unsigned x1, x2, x3, x4;
        if (parse_addr(addr, &x1, &x2, &x3, &x4) < 0 || strlen(id) != 9 || id[4] != ':')
                return -EINVAL;
        snprintf(vendor, sizeof(vendor), "0x%.4s\n", id);
        snprintf(device, sizeof(device), "0x%.4s\n", id + 5);
        snprintf(cls, sizeof(cls), "%s\n", class);
        int group = -2;
        const char *driver = NULL, *parent = NULL;
        for (int i = 0; i < nargs; i++) {
                if (!strncmp(args[i], "group=", 6))
                        group = strcmp(args[i] + 6, "none") ? atoi(args[i] + 6) : -1;
                if (!strncmp(args[i], "parent=", 7))
                        parent = args[i] + 7;
        }
        if (group == -2)
                group = next_group();
        char t[256];
        if (parent) {
                /* behind a bridge, the kernel nests the device's directory in
                 * the bridge's (sys/devices/pci0000:00/BRIDGE/ADDR) and the
                 * bus link points there; the flat DEVDIR/ADDR link is the
                 * fake's own shortcut for its handlers, read by no pgs code */
                if (!dev_exists(parent))
                        return -ENODEV;
                mkdirs(P(p, DEVDIR "/%s/%s", parent, addr));
                snprintf(t, sizeof(t), "%s/%s", parent, addr);
                symlink(t, P(p, DEVDIR "/%s", addr));
        }
        make_dev(addr, vendor, device, cls, group);
        if (parent) {
                snprintf(t, sizeof(t), "../../../devices/pci0000:00/%s/%s", parent, addr);
                unlink(P(p, "sys/bus/pci/devices/%s", addr));
                symlink(t, P(p, "sys/bus/pci/devices/%s", addr));
        }
        for (int i = 0; i < nargs; i++) {
                const char *a = args[i];
                if (!strncmp(a, "driver=", 7)) {
                        driver = a + 7;
                } else if (!strncmp(a, "boot_vga=", 9)) {
                        snprintf(b, sizeof(b), "%s\n", a + 9);
                        put(P(p, DEVDIR "/%s/boot_vga", addr), b);
                } else if (!strncmp(a, "sriov=", 6)) {
                        unsigned total = 0;
                        char vfd[16] = "0000";
                        sscanf(a + 6, "%u:%4s", &total, vfd);
                        snprintf(b, sizeof(b), "%u\n", total);
                        put(P(p, DEVDIR "/%s/sriov_totalvfs", addr), b);
                        put(P(p, DEVDIR "/%s/sriov_numvfs", addr), "0\n");
                        put(P(p, DEVDIR "/%s/sriov_drivers_autoprobe", addr), "1\n");
                        put(P(p, DEVDIR "/%s/sriov_offset", addr), "1\n");
                        put(P(p, DEVDIR "/%s/sriov_stride", addr), "1\n");
                        snprintf(b, sizeof(b), "%s\n", vfd);
                        put(P(p, DEVDIR "/%s/sriov_vf_device", addr), b);
                } else if (strncmp(a, "group=", 6) && strncmp(a, "parent=", 7)) {
                        return -EINVAL;
                }
        }
        if (driver) {
                char idl[16];
                snprintf(idl, sizeof(idl), "%s", id);
                char *ids[] = { idl };
                fake_module_add(root, driver, 1, ids);
                R = root;
                if (!exists(P(p, "sys/bus/pci/drivers/%s", driver)))
                        fake_load_driver(root, driver);
                R = root;
                char cur[256];
                read_driver(addr, cur, sizeof(cur));
                if (!cur[0])
                        bind_dev(addr, driver);
        }
        return 0;
}

int fake_hugepages(const char *root, unsigned long kib, unsigned long nr, unsigned long cap, unsigned long bonus, unsigned long used, bool mounted)
{
        R = root;
        char p[4096], b[64];
        mkdirs(P(p, "sys/kernel/mm/hugepages/hugepages-%lukB", kib));
        snprintf(b, sizeof(b), "%lu\n", nr);
        put(P(p, "sys/kernel/mm/hugepages/hugepages-%lukB/nr_hugepages", kib), b);
        snprintf(b, sizeof(b), "%lu\n", nr - used);
        put(P(p, "sys/kernel/mm/hugepages/hugepages-%lukB/free_hugepages", kib), b);
        snprintf(b, sizeof(b), "%lu\n", cap);
        put(P(p, ".fake/hugepages-%lukB-capacity", kib), b);
        snprintf(b, sizeof(b), "%lu\n", bonus);
        put(P(p, ".fake/hugepages-%lukB-bonus", kib), b);
        snprintf(b, sizeof(b), "%lu\n", used);
        put(P(p, ".fake/hugepages-%lukB-used", kib), b);
        mkdirs(P(p, "proc/sys/vm"));
        put(P(p, "proc/sys/vm/compact_memory"), "");
        put(P(p, "proc/sys/vm/drop_caches"), "0\n");
        if (!exists(P(p, "proc/meminfo")))
                put(P(p, "proc/meminfo"), "MemTotal:       16309876 kB\nHugepagesize:       2048 kB\n");
        if (mounted) {
                FILE *f = fopen(P(p, "proc/mounts"), "a");
                if (f) {
                        if (kib == 2048)
                                fprintf(f, "hugetlbfs /dev/hugepages hugetlbfs rw,relatime,pagesize=2M 0 0\n");
                        else
                                fprintf(f, "hugetlbfs /dev/hugepages1G hugetlbfs rw,relatime,pagesize=%luM 0 0\n", kib / 1024);
                        fclose(f);
                }
        }
        return 0;
}

int fake_cpufreq(const char *root, unsigned ncpus, unsigned per_policy, const char *gov, const char *driver, bool epp)
{
        R = root;
        char p[4096], b[256];
        for (unsigned first = 0; first < ncpus; first += per_policy) {
                char dir[128];
                snprintf(dir, sizeof(dir), "sys/devices/system/cpu/cpufreq/policy%u", first);
                mkdirs(P(p, "%s", dir));
                size_t k = 0;
                for (unsigned c = first; c < first + per_policy && c < ncpus; c++)
                        k += (size_t)snprintf(b + k, sizeof(b) - k, "%s%u", c == first ? "" : " ", c);
                snprintf(b + k, sizeof(b) - k, "\n");
                put(P(p, "%s/affected_cpus", dir), b);
                put(P(p, "%s/scaling_available_governors", dir), !strcmp(driver, "intel_pstate") ? "performance powersave\n" : "conservative ondemand userspace powersave performance schedutil\n");
                snprintf(b, sizeof(b), "%s\n", gov);
                put(P(p, "%s/scaling_governor", dir), b);
                snprintf(b, sizeof(b), "%s\n", driver);
                put(P(p, "%s/scaling_driver", dir), b);
                if (epp) {
                        put(P(p, "%s/energy_performance_available_preferences", dir), "default performance balance_performance balance_power power\n");
                        put(P(p, "%s/energy_performance_preference", dir), "balance_performance\n");
                }
        }
        return 0;
}

int fake_isolation(const char *root, unsigned ncpus, unsigned nirqs)
{
        R = root;
        char p[4096], b[64];
        snprintf(b, sizeof(b), "0-%u\n", ncpus - 1);
        mkdirs(P(p, "sys/devices/system/cpu"));
        put(P(p, "sys/devices/system/cpu/online"), b);
        put(P(p, "sys/devices/system/cpu/possible"), b);
        for (unsigned i = 0; i < nirqs; i++) {
                mkdirs(P(p, "proc/irq/%u", i));
                put(P(p, "proc/irq/%u/smp_affinity_list", i), b);
        }
        mkdirs(P(p, "sys/devices/virtual/workqueue"));
        snprintf(b, sizeof(b), "%x\n", ncpus >= 32 ? 0xffffffffu : (1u << ncpus) - 1);
        put(P(p, "sys/devices/virtual/workqueue/cpumask"), b);
        mkdirs(P(p, "sys/fs/cgroup"));
        put(P(p, "sys/fs/cgroup/cgroup.controllers"), "cpuset cpu io memory pids\n");
        put(P(p, "sys/fs/cgroup/cgroup.subtree_control"), "cpuset cpu io memory pids\n");
        const char *groups[] = { "init.scope", "system.slice", "user.slice", "machine.slice" };
        for (int i = 0; i < 4; i++) {
                mkdirs(P(p, "sys/fs/cgroup/%s", groups[i]));
                put(P(p, "sys/fs/cgroup/%s/cpuset.cpus", groups[i]), "\n");
        }
        return 0;
}

int fake_gvtg(const char *root, const char *addr)
{
        R = root;
        char p[4096];
        static const struct { const char *n; int inst; int lo, hi; } types[] = {
                { "i915-GVTg_V5_1", 1, 512, 2048 }, { "i915-GVTg_V5_2", 1, 256, 1024 },
                { "i915-GVTg_V5_4", 2, 128, 512 }, { "i915-GVTg_V5_8", 4, 64, 384 },
        };
        for (int i = 0; i < 4; i++) {
                char b[256];
                mkdirs(P(p, DEVDIR "/%s/mdev_supported_types/%s", addr, types[i].n));
                snprintf(b, sizeof(b), "%d\n", types[i].inst);
                put(P(p, DEVDIR "/%s/mdev_supported_types/%s/available_instances", addr, types[i].n), b);
                snprintf(b, sizeof(b), "low_gm_size: %dMB\nhigh_gm_size: %dMB\nfence: 4\nresolution: 1920x1200\nweight: %d\n",
                         types[i].lo, types[i].hi, 16 / types[i].inst);
                put(P(p, DEVDIR "/%s/mdev_supported_types/%s/description", addr, types[i].n), b);
                put(P(p, DEVDIR "/%s/mdev_supported_types/%s/create", addr, types[i].n), "");
                put(P(p, DEVDIR "/%s/mdev_supported_types/%s/device_api", addr, types[i].n), "vfio-pci\n");
        }
        return 0;
}

int fake_numa_pool(const char *root, unsigned node, unsigned long kib, unsigned long nr, unsigned long cap)
{
        R = root;
        char p[4096], b[64];
        mkdirs(P(p, "sys/devices/system/node/node%u/hugepages/hugepages-%lukB", node, kib));
        snprintf(b, sizeof(b), "%lu\n", nr);
        put(P(p, "sys/devices/system/node/node%u/hugepages/hugepages-%lukB/nr_hugepages", node, kib), b);
        put(P(p, "sys/devices/system/node/node%u/hugepages/hugepages-%lukB/free_hugepages", node, kib), b);
        snprintf(b, sizeof(b), "%lu\n", cap);
        put(P(p, ".fake/node%u-hugepages-%lukB-capacity", node, kib), b);
        put(P(p, ".fake/node%u-hugepages-%lukB-used", node, kib), "0\n");
        return 0;
}

int fake_insmod(const char *root, const char *path)
{
        R = root;
        size_t rl = strlen(root);
        if (strncmp(path, root, rl) || path[rl] != '/')
                return -EPERM;
        const char *b = strrchr(path, '/') + 1;
        char name[256], p[4096], v[32];
        snprintf(name, sizeof(name), "%s", b);
        char *dot = strstr(name, ".ko");
        if (!dot)
                return -ENOEXEC;
        *dot = '\0';
        if (get(P(p, ".fake/modules/%s.refuse", name), v, sizeof(v)) >= 0)
                return -atoi(v);
        if (!exists(P(p, ".fake/modules/%s", name)))
                return -ENOEXEC;
        if (exists(P(p, "sys/bus/pci/drivers/%s", name)))
                return -EEXIST;
        return fake_load_driver(root, name);
}
