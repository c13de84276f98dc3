/* SPDX-License-Identifier: GPL-2.0-or-later */
/* shared/pci.c — PCI device model and driver binding (see pci.h). */
#include "shared/pci.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shared/proc.h"

static int hexval(char c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

/* exactly n hex digits */
static int hexn(const char *s, int n, uint32_t *ret)
{
        uint32_t v = 0;
        for (int i = 0; i < n; i++) {
                int h = hexval(s[i]);
                if (h < 0)
                        return -EINVAL;
                v = v * 16 + (uint32_t)h;
        }
        *ret = v;
        return 0;
}

int pci_addr_parse(const char *s, struct pci_addr *ret)
{
        uint32_t dom = 0, bus, slot, fn;
        size_t len = s ? strlen(s) : 0;
        if (len == 12) {
                if (hexn(s, 4, &dom) < 0 || s[4] != ':')
                        return -EINVAL;
                s += 5;
        } else if (len != 7) {
                return -EINVAL;
        }
        if (hexn(s, 2, &bus) < 0 || s[2] != ':' || hexn(s + 3, 2, &slot) < 0 || s[5] != '.' ||
            hexn(s + 6, 1, &fn) < 0)
                return -EINVAL;
        if (slot > 31 || fn > 7)
                return -EINVAL;
        *ret = (struct pci_addr){ .domain = dom, .bus = (uint8_t)bus, .slot = (uint8_t)slot, .fn = (uint8_t)fn };
        return 0;
}

char *pci_addr_fmt(const struct pci_addr *a, char buf[PCI_ADDR_STR])
{
        snprintf(buf, PCI_ADDR_STR, "%04x:%02x:%02x.%x", (unsigned)a->domain & 0xffff, a->bus, a->slot, a->fn);
        return buf;
}

bool pci_addr_eq(const struct pci_addr *a, const struct pci_addr *b)
{
        return a->domain == b->domain && a->bus == b->bus && a->slot == b->slot && a->fn == b->fn;
}

bool pci_addr_same_slot(const struct pci_addr *a, const struct pci_addr *b)
{
        return a->domain == b->domain && a->bus == b->bus && a->slot == b->slot;
}

int pci_addr_cmp(const struct pci_addr *a, const struct pci_addr *b)
{
        uint64_t x = ((uint64_t)a->domain << 16) | (unsigned)a->bus << 8 | (unsigned)a->slot << 3 | a->fn;
        uint64_t y = ((uint64_t)b->domain << 16) | (unsigned)b->bus << 8 | (unsigned)b->slot << 3 | b->fn;
        return x < y ? -1 : x > y;
}

int pci_id_parse(const char *s, uint16_t *vendor, uint16_t *device)
{
        uint32_t v, d;
        if (!s || strlen(s) != 9 || hexn(s, 4, &v) < 0 || s[4] != ':' || hexn(s + 5, 4, &d) < 0)
                return -EINVAL;
        *vendor = (uint16_t)v;
        *device = (uint16_t)d;
        return 0;
}

static int read_hex(const struct pgs_root *r, const char *name, const char *attr, uint64_t *v)
{
        char p[256];
        if (!path_fmt(p, sizeof(p), "sys/bus/pci/devices/%s/%s", name, attr))
                return -ENAMETOOLONG;
        return fs_read_u64(r, p, 16, v);
}

int pci_dev_read_driver(const struct pgs_root *r, const char *name, char *buf, size_t size)
{
        char p[256];
        path_fmt(p, sizeof(p), "sys/bus/pci/devices/%s/driver", name);
        int n = fs_readlink_base(r, p, buf, size);
        if (n == -ENOENT) {
                buf[0] = '\0';
                return 0;
        }
        return n < 0 ? n : 0;
}

static int hex_field(const char *s, char tag0, char tag1, int digits, uint32_t *v)
{
        /* tag1 == 0: a one-letter tag */
        if (s[0] != tag0 || (tag1 && s[1] != tag1))
                return -EINVAL;
        return hexn(s + (tag1 ? 2 : 1), digits, v);
}

int pci_dev_read_ids(const struct pgs_root *r, const char *name, struct pci_dev *d)
{
        char p[256], m[128];
        uint32_t v, dv, sv, sd, bc, sc, pi;
        path_fmt(p, sizeof(p), "sys/bus/pci/devices/%s/modalias", name);
        int n = fs_read_str(r, p, m, sizeof(m));
        if (n == 53 && strncmp(m, "pci:", 4) == 0 && hex_field(m + 4, 'v', 0, 8, &v) == 0 &&
            hex_field(m + 13, 'd', 0, 8, &dv) == 0 && hex_field(m + 22, 's', 'v', 8, &sv) == 0 &&
            hex_field(m + 32, 's', 'd', 8, &sd) == 0 && hex_field(m + 42, 'b', 'c', 2, &bc) == 0 &&
            hex_field(m + 46, 's', 'c', 2, &sc) == 0 && hex_field(m + 50, 'i', 0, 2, &pi) == 0) {
                d->vendor = (uint16_t)v;
                d->device = (uint16_t)dv;
                d->subvendor = (uint16_t)sv;
                d->subdevice = (uint16_t)sd;
                d->class = bc << 16 | sc << 8 | pi;
                return 0;
        }
        if (n == -ENOENT) {
                path_fmt(p, sizeof(p), "sys/bus/pci/devices/%s", name);
                if (!fs_exists(r, p))
                        return -ENODEV;
        }
        /* no (or an unexpected) modalias: the separate attributes */
        uint64_t x;
        int rc;
        if ((rc = read_hex(r, name, "vendor", &x)) < 0)
                return rc == -ENOENT ? -ENODEV : rc;
        d->vendor = (uint16_t)x;
        if ((rc = read_hex(r, name, "device", &x)) < 0)
                return rc;
        d->device = (uint16_t)x;
        if ((rc = read_hex(r, name, "class", &x)) < 0)
                return rc;
        d->class = (uint32_t)x;
        if (read_hex(r, name, "subsystem_vendor", &x) == 0)
                d->subvendor = (uint16_t)x;
        if (read_hex(r, name, "subsystem_device", &x) == 0)
                d->subdevice = (uint16_t)x;
        return 0;
}

bool pci_dev_has_attr(const struct pgs_root *r, const char *name, const char *attr)
{
        char p[256];
        return path_fmt(p, sizeof(p), "sys/bus/pci/devices/%s/%s", name, attr) && fs_exists(r, p);
}

int pci_dev_read(const struct pgs_root *r, const struct pci_addr *a, struct pci_dev *ret)
{
        struct pci_dev d = { .addr = *a, .boot_vga = -1, .iommu_group = -1, .sriov_total = -1 };
        char p[256], buf[128];
        uint64_t v;
        int rc;

        pci_addr_fmt(a, d.name);
        if ((rc = pci_dev_read_ids(r, d.name, &d)) < 0)
                return rc;

        /* the device's directory once; its attributes relative to it */
        path_fmt(p, sizeof(p), "sys/bus/pci/devices/%s", d.name);
        int dfd = fs_dir_open(r, p);
        if (dfd < 0)
                return dfd == -ENOENT ? -ENODEV : dfd;
        if (fs_read_str_at(dfd, "boot_vga", buf, sizeof(buf)) >= 0 && parse_u64(buf, 10, &v) == 0)
                d.boot_vga = v ? 1 : 0;
        if (fs_readlink_base_at(dfd, "iommu_group", buf, sizeof(buf)) >= 0 && parse_u64(buf, 10, &v) == 0)
                d.iommu_group = (int)v;
        rc = fs_readlink_base_at(dfd, "driver", d.driver, sizeof(d.driver));
        if (rc == -ENOENT)
                d.driver[0] = '\0';
        else if (rc < 0) {
                close(dfd);
                return rc;
        }
        if (fs_read_str_at(dfd, "driver_override", buf, sizeof(buf)) >= 0 && strcmp(buf, "(null)") != 0)
                snprintf(d.driver_override, sizeof(d.driver_override), "%s", buf);
        if (fs_read_str_at(dfd, "sriov_totalvfs", buf, sizeof(buf)) >= 0 && parse_u64(buf, 10, &v) == 0) {
                d.sriov_total = (int)v;
                d.sriov_num = fs_read_str_at(dfd, "sriov_numvfs", buf, sizeof(buf)) >= 0 && parse_u64(buf, 10, &v) == 0 ? (int)v : 0;
        }
        if (fs_readlink_base_at(dfd, "physfn", buf, sizeof(buf)) >= 0 && pci_addr_parse(buf, &d.physfn) == 0)
                d.is_vf = true;
        close(dfd);

        *ret = d;
        return 0;
}

static int cmp_addr(const void *a, const void *b)
{
        return pci_addr_cmp(a, b);
}

/* Read the PCI addresses named by the entries of a directory. */
static int read_addr_dir(const struct pgs_root *r, const char *path, struct pci_addr **ret, size_t *ret_n)
{
        int fd = root_openat(r, path, O_RDONLY | O_DIRECTORY, 0);
        if (fd < 0)
                return fd;
        DIR *dir = fdopendir(fd);
        if (!dir) {
                int e = errno;
                close(fd);
                return -e;
        }
        struct pci_addr *v = NULL;
        size_t n = 0, cap = 0;
        struct dirent *de;
        while ((de = readdir(dir))) {
                struct pci_addr a;
                if (pci_addr_parse(de->d_name, &a) < 0)
                        continue;
                if (n == cap) {
                        cap = cap ? cap * 2 : 32;
                        struct pci_addr *nv = realloc(v, cap * sizeof(*v));
                        if (!nv) {
                                free(v);
                                closedir(dir);
                                return -ENOMEM;
                        }
                        v = nv;
                }
                v[n++] = a;
        }
        closedir(dir);
        if (n)
                qsort(v, n, sizeof(*v), cmp_addr);
        *ret = v;
        *ret_n = n;
        return 0;
}

int pci_addr_list(const struct pgs_root *r, struct pci_addr **ret, size_t *ret_n)
{
        return read_addr_dir(r, "sys/bus/pci/devices", ret, ret_n);
}

int pci_group_members(const struct pgs_root *r, int group, struct pci_addr **ret, size_t *ret_n)
{
        char p[128];
        path_fmt(p, sizeof(p), "sys/kernel/iommu_groups/%d/devices", group);
        return read_addr_dir(r, p, ret, ret_n);
}

bool pci_driver_loaded(const struct pgs_root *r, const char *driver)
{
        char p[256];
        return path_fmt(p, sizeof(p), "sys/bus/pci/drivers/%s", driver) && fs_exists(r, p);
}

int pci_dev_virtfn(const struct pgs_root *r, const char *pf, int i, struct pci_addr *ret)
{
        char p[256], buf[64];
        path_fmt(p, sizeof(p), "sys/bus/pci/devices/%s/virtfn%d", pf, i);
        int n = fs_readlink_base(r, p, buf, sizeof(buf));
        if (n < 0)
                return n;
        return pci_addr_parse(buf, ret);
}

struct bound_check {
        const struct pgs_root *r;
        const char *name, *driver;
};

static int check_bound(void *data)
{
        struct bound_check *c = data;
        char cur[64];
        if (pci_dev_read_driver(c->r, c->name, cur, sizeof(cur)) < 0)
                return 0;
        return strcmp(cur, c->driver) == 0;
}

int pci_dev_bind(const struct pgs_root *r, const struct pci_dev *d, const char *driver,
                 unsigned timeout_ms, const char **ret_step)
{
        char p[256], cur[64];
        const char *step = "driver_override";
        bool unbound_by_us = false;
        int rc;

        if ((rc = pci_dev_read_driver(r, d->name, cur, sizeof(cur))) < 0) {
                step = "driver";
                goto fail;
        }
        if (strcmp(cur, driver) == 0)
                return 0;

        /* echo DRIVER > driver_override: from now on only DRIVER may probe it */
        path_fmt(p, sizeof(p), "sys/bus/pci/devices/%s/driver_override", d->name);
        if ((rc = fs_write_str(r, p, driver)) < 0)
                goto fail;

        /* echo ADDR > driver/unbind */
        if (cur[0]) {
                step = "unbind";
                path_fmt(p, sizeof(p), "sys/bus/pci/drivers/%s/unbind", cur);
                if ((rc = fs_write_str(r, p, d->name)) < 0 && rc != -ENODEV)
                        goto restore;
                unbound_by_us = true;
        }

        /* echo ADDR > /sys/bus/pci/drivers_probe; a device the driver already
         * took when it loaded is answered as already bound */
        step = "drivers_probe";
        if (!check_bound(&(struct bound_check){ r, d->name, driver }) &&
            (rc = fs_write_str(r, "sys/bus/pci/drivers_probe", d->name)) < 0)
                goto restore;

        step = "verify";
        rc = poll_until(check_bound, &(struct bound_check){ r, d->name, driver }, timeout_ms);
        if (rc > 0)
                return 0;
        if (rc == 0)
                rc = -ETIMEDOUT;

restore:
        path_fmt(p, sizeof(p), "sys/bus/pci/devices/%s/driver_override", d->name);
        fs_write_str(r, p, d->driver_override[0] ? d->driver_override : "\n");
        /* echo ADDR > drivers/PREVIOUS/bind, else let the bus find it a driver */
        if (unbound_by_us && !check_bound(&(struct bound_check){ r, d->name, cur })) {
                path_fmt(p, sizeof(p), "sys/bus/pci/drivers/%s/bind", cur);
                if (fs_write_str(r, p, d->name) < 0)
                        fs_write_str(r, "sys/bus/pci/drivers_probe", d->name);
        }
fail:
        if (ret_step)
                *ret_step = step;
        return rc;
}

int pci_dev_return(const struct pgs_root *r, const char *addr, const char *driver, const char *override)
{
        char p[300], cur[64] = "";
        if (strchr(addr, '/') || strchr(driver, '/') || !*driver)
                return -EINVAL;
        snprintf(p, sizeof(p), "sys/bus/pci/devices/%s/driver", addr);
        fs_readlink_base(r, p, cur, sizeof(cur));
        int rc = 0;
        if (!strcmp(cur, "vfio-pci")) {
                rc = fs_write_str(r, "sys/bus/pci/drivers/vfio-pci/unbind", addr);
                cur[0] = '\0';
        }
        snprintf(p, sizeof(p), "sys/bus/pci/devices/%s/driver_override", addr);
        if (rc == 0)
                rc = fs_write_str(r, p, override ? override : "");
        snprintf(p, sizeof(p), "sys/bus/pci/drivers/%s/bind", driver);
        if (rc == 0 && !cur[0] && fs_write_str(r, p, addr) < 0)
                rc = fs_write_str(r, "sys/bus/pci/drivers_probe", addr);
        snprintf(p, sizeof(p), "sys/bus/pci/devices/%s/driver", addr);
        cur[0] = '\0';
        fs_readlink_base(r, p, cur, sizeof(cur));
        if (rc == 0 && strcmp(cur, driver))
                rc = -EIO;
        return rc;
}

int pci_dev_set_override(const struct pgs_root *r, const char *addr, const char *driver)
{
        char p[300];
        if (!path_fmt(p, sizeof(p), "sys/bus/pci/devices/%s/driver_override", addr))
                return -ENAMETOOLONG;
        /* an empty write never reaches the attribute (kernfs): "\n" clears it */
        return fs_write_str(r, p, driver[0] ? driver : "\n");
}

int pci_dev_unbind(const struct pgs_root *r, const char *addr, const char *driver)
{
        char p[300];
        if (!path_fmt(p, sizeof(p), "sys/bus/pci/drivers/%s/unbind", driver))
                return -ENAMETOOLONG;
        return fs_write_str(r, p, addr);
}
