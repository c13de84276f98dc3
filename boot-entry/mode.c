/* SPDX-License-Identifier: GPL-2.0-or-later */
/* boot-entry/mode.c — the kernel parameters a mode, hugepages and isolated CPUs need, checked against this host. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "boot-entry/boot.h"
#include "shared/memory.h"
#include "shared/cpuinfo.h"
#include "shared/host/kmod.h"
#include "shared/log.h"
#include "shared/pci.h"

/* ---- what a mode needs -------------------------------------------------- */


static void add_word(struct words *w, const char *fmt, ...)
{
        char buf[256];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);
        words_add(w, buf);
}

/* the Intel iGPU at 0000:00:02.0 (where every Intel iGPU sits): the device,
 * not the CPU vendor, says whether GVT-g or SR-IOV can work here */
static bool intel_igpu(struct boot *b)
{
        struct pci_dev d = { 0 };
        return pci_dev_read_ids(&b->root, "0000:00:02.0", &d) == 0 && d.vendor == 0x8086 && (d.class >> 16) == 0x03;
}

/* --hugepages S:N: what it reserves must leave the host its own memory */
static int check_hugepages(struct boot *b, const char *spec)
{
        unsigned long n;
        char size[8], extra;
        if (sscanf(spec, "%7[^:]:%lu%c", size, &n, &extra) != 2 || n < 1 || n > 1000000 || (strcmp(size, "1G") && strcmp(size, "2M")))
                return fail("--hugepages '%.32s': expected 1G:N or 2M:N", spec);
        unsigned long long total_kib = meminfo_kib(&b->root, "MemTotal");
        if (!total_kib) {
                log_stderr("pgs boot", "/proc/meminfo gives no MemTotal: the size of --hugepages %s is not checked", spec);
                return 0;
        }
        unsigned long long want = (unsigned long long)n * (strcmp(size, "1G") ? 2048ULL : 1048576ULL);
        /* the host keeps at least 2 GiB or an eighth of its memory, whichever is more */
        unsigned long long reserve = total_kib / 8 > 2097152 ? total_kib / 8 : 2097152;
        if (want + reserve > total_kib)
                return fail("--hugepages %s reserves %llu MiB at boot, but this host has %llu MiB and keeps at least %llu MiB for itself "
                            "(2 GiB or an eighth, whichever is more); ask for at most %llu MiB",
                            spec, want / 1024, total_kib / 1024, reserve / 1024, total_kib > reserve ? (total_kib - reserve) / 1024 : 0);
        return 0;
}

/* --isolate LIST: CPUs that exist, and at least one whole core (every
 * thread of it) left to the host */
static int check_isolate(struct boot *b, const char *list)
{
        struct cpuset iso = { { 0 } }, present = { { 0 } };
        if (strlen(list) > 200 || cpulist_parse(list, &iso) < 0 || cpuset_empty(&iso))
                return fail("--isolate '%.32s': expected a CPU list like 2-7 or 2,3,6-7 (ranges low to high)", list);
        char buf[4096];
        if (fs_read_str(&b->root, "sys/devices/system/cpu/present", buf, sizeof(buf)) < 0 || cpulist_parse(buf, &present) < 0) {
                log_stderr("pgs boot", "/sys/devices/system/cpu/present unreadable: --isolate %s is not checked", list);
                return 0;
        }
        for (unsigned c = 0; c < CPU_MAX; c++)
                if (cpuset_has(&iso, c) && !cpuset_has(&present, c))
                        return fail("--isolate %s: CPU %u is not present on this host (CPUs %s)", list, c, buf);
        for (unsigned c = 0; c < CPU_MAX; c++) {
                if (!cpuset_has(&present, c) || cpuset_has(&iso, c))
                        continue;
                char p[128], sib[512];
                struct cpuset core = { { 0 } };
                snprintf(p, sizeof(p), "sys/devices/system/cpu/cpu%u/topology/thread_siblings_list", c);
                if (fs_read_str(&b->root, p, sib, sizeof(sib)) < 0 || cpulist_parse(sib, &core) < 0)
                        return 0;       /* no topology: a CPU left is what we can tell */
                if (!cpuset_intersects(&core, &iso))
                        return 0;       /* a whole core stays with the host */
        }
        return fail("--isolate %s leaves the host no whole core (every thread of one core): the host would crawl; isolate fewer CPUs",
                    list);
}

/* SR-IOV needs a driver that creates VFs in the kernel the next boot starts
 * (the newest under /lib/modules): i915 with max_vfs (i915-sriov-dkms; the
 * upstream i915 has none) or xe. Read with libkmod, so a module built in
 * counts too. */
static int check_sriov_driver(struct boot *b, const struct want *w)
{
        char kver[128];
        if (hkmod_newest_kernel(&b->root, kver, sizeof(kver)) < 0) {
                log_stderr("pgs boot", "no kernel with a module index under /lib/modules: whether its driver offers max_vfs is not checked");
                return 0;
        }
        struct hkmod k;
        if (hkmod_open(&k, &b->root, kver) < 0)
                return fail("sriov: cannot read the modules of kernel %s", kver);
        bool xe = hkmod_has_param(&k, "xe", "max_vfs") > 0, i915 = hkmod_has_param(&k, "i915", "max_vfs") > 0;
        bool has_i915 = hkmod_module(&k, "i915") > 0;
        hkmod_close(&k);
        if (w->driver && !strcmp(w->driver, "xe")) {
                if (!xe)
                        return fail("sriov --driver xe: kernel %s (the newest installed) has no xe module with max_vfs; nothing changed", kver);
                return 0;
        }
        if (i915)
                return 0;
        if (xe)
                return fail("sriov: kernel %s's i915 has no max_vfs parameter, but its xe has: use --driver xe; nothing changed", kver);
        return fail("sriov: kernel %s (the newest installed) has %s and no xe: no driver would create VFs. Install i915-sriov-dkms for it; nothing changed",
                    kver, has_i915 ? "an i915 without the max_vfs parameter (upstream i915 has none)" : "no i915 module");
}

int desired_params(struct boot *b, const struct want *w, struct words *ret, bool *ret_kvmgt)
{
        *ret = (struct words){ 0 };
        *ret_kvmgt = false;
        if (w->mode && strcmp(w->mode, "passthrough") && strcmp(w->mode, "gvtg") && strcmp(w->mode, "sriov"))
                return fail("--mode '%.32s': expected passthrough, gvtg or sriov", w->mode);
        if (w->mode && strcmp(w->mode, "passthrough") && !intel_igpu(b))
                return fail("%s mode needs an Intel iGPU (vendor 0x8086, a display class, at 0000:00:02.0); this host has none", w->mode);
        if (w->mode) {
                /* Intel needs intel_iommu=on; AMD's IOMMU is on by default (amd_iommu=on is not a valid value) */
                struct cpuinfo ci;
                if (cpuinfo_read(&b->root, &ci) < 0 || cpuinfo_is_intel(&ci))
                        add_word(ret, "intel_iommu=on");
                add_word(ret, "iommu=pt");
        }
        if (w->mode && !strcmp(w->mode, "gvtg")) {
                add_word(ret, "i915.enable_gvt=1");
                *ret_kvmgt = true;
        } else if (w->mode && !strcmp(w->mode, "sriov")) {
                int n = w->vfs;
                if (n < 0) {
                        char *t;
                        size_t l;
                        if (fs_read_file(&b->root, "etc/pgs.conf", PGS_CONF_MAX, &t, &l) == 0) {
                                struct pgs_config c;
                                config_parse(t, l, &c, NULL, NULL);
                                for (size_t i = 0; i < c.sriov.n; i++)
                                        if (c.sriov.v[i].addr.bus == 0 && c.sriov.v[i].addr.slot == 2 && c.sriov.v[i].addr.fn == 0)
                                                n = (int)c.sriov.v[i].vfs;
                                free(t);
                        }
                }
                if (n < 1 || n > 7)
                        return fail(n < 0 ? "sriov: how many VFs? Give --vfs N, or [sriov] 0000:00:02.0 = N in /etc/pgs.conf"
                                          : "sriov: %d VFs: an Intel iGPU offers 1 to 7", n);
                if (check_sriov_driver(b, w) < 0)
                        return -1;
                if (w->driver && !strcmp(w->driver, "xe")) {
                        add_word(ret, "xe.max_vfs=%d", n);
                } else {
                        add_word(ret, "i915.enable_guc=3");
                        add_word(ret, "i915.max_vfs=%d", n);
                }
        }
        if (w->hugepages) {
                if (check_hugepages(b, w->hugepages) < 0)
                        return -1;
                char size[8];
                unsigned long n;
                sscanf(w->hugepages, "%7[^:]:%lu", size, &n);
                add_word(ret, "default_hugepagesz=%s", size);
                add_word(ret, "hugepagesz=%s", size);
                add_word(ret, "hugepages=%lu", n);
        }
        if (w->isolate) {
                if (check_isolate(b, w->isolate) < 0)
                        return -1;
                add_word(ret, "isolcpus=%s", w->isolate);
                add_word(ret, "nohz_full=%s", w->isolate);
                add_word(ret, "rcu_nocbs=%s", w->isolate);
        }
        return 0;
}

