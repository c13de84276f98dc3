/* SPDX-License-Identifier: GPL-2.0-or-later */
/* qemu-hook/worker.c — pgs-qemu-hook-xml, the part of the libvirt hook that
 * reads domain XML (libxml2) and tunes the host for a managed domain:
 *
 *   prepare begin   hugepages (<pgs:hugepages/>), the performance governor on
 *                   the cpufreq policies covering the vCPUs (<pgs:governor/>).
 *                   Done at prepare, before QEMU exists, so that anything that
 *                   cannot be had fails the start with pgs's message, and one
 *                   journal covers it all.
 *   release end     undo, newest first, exactly what this domain changed.
 *
 * Every change is journaled before it is made (shared/journal.c); a failing
 * prepare undoes what it did so far. Never calls libvirt; never sleeps to wait
 * for the kernel. Messages go to stderr, which virsh start shows. */
#include <errno.h>
#include <poll.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "qemu-hook/domain.h"
#include "shared/journal.h"
#include "shared/pci.h"
#include "shared/proc.h"
#include "shared/procscan.h"
#include "shared/root.h"

#define HUGEPAGE_DEADLINE_MS 2000
#define LOCK_TIMEOUT_MS 30000

static void msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void msg(const char *fmt, ...)
{
        va_list ap;
        fputs("pgs-qemu-hook: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
}

static void report(void *ud, const char *m)
{
        msg("%s: %s", (const char *)ud, m);
}

/* the printable form of a name for messages */
static const char *shown(const char *s, char *buf, size_t size)
{
        size_t k = 0;
        for (; *s && k + 5 < size; s++)
                k += (size_t)snprintf(buf + k, size - k, (unsigned char)*s >= 0x20 && *s != 0x7f ? "%c" : "\\x%02x", (unsigned char)*s);
        buf[k] = '\0';
        return buf;
}

static unsigned long default_page_kib(struct pgs_root *r)
{
        char *t;
        size_t len;
        unsigned long v = 0;
        if (fs_read_file(r, "proc/meminfo", 1 << 16, &t, &len) == 0) {
                char *p = strstr(t, "Hugepagesize:");
                if (p)
                        sscanf(p, "Hugepagesize: %lu kB", &v);
                free(t);
        }
        return v;
}

/* is a hugetlbfs mounted for this page size? (libvirt needs one) */
static bool hugetlbfs_for(struct pgs_root *r, unsigned long kib, unsigned long dflt)
{
        char *t;
        size_t len;
        bool found = false;
        if (fs_read_file(r, "proc/mounts", 1 << 20, &t, &len) < 0)
                return false;
        char *save;
        for (char *l = strtok_r(t, "\n", &save); l && !found; l = strtok_r(NULL, "\n", &save)) {
                char dev[256], dir[512], type[64], opts[512];
                if (sscanf(l, "%255s %511s %63s %511s", dev, dir, type, opts) != 4 || strcmp(type, "hugetlbfs"))
                        continue;
                unsigned long sz = dflt;
                char *p = strstr(opts, "pagesize=");
                if (p) {
                        char unit = 0;
                        unsigned long v = 0;
                        sscanf(p + 9, "%lu%c", &v, &unit);
                        sz = unit == 'G' ? v * 1024 * 1024 : unit == 'M' ? v * 1024 : unit == 'K' || unit == 'k' ? v : v / 1024;
                }
                found = sz == kib;
        }
        free(t);
        return found;
}

static const char *size_str(unsigned long kib, char *buf, size_t size)
{
        if (kib >= 1024 * 1024 && kib % (1024 * 1024) == 0)
                snprintf(buf, size, "%lu GiB", kib / 1024 / 1024);
        else if (kib >= 1024 && kib % 1024 == 0)
                snprintf(buf, size, "%lu MiB", kib / 1024);
        else
                snprintf(buf, size, "%lu KiB", kib);
        return buf;
}

/* Grow one pool (global or a NUMA node's) so that `need` pages are free:
 * only the shortfall, verified; drop caches and compact when short. */
static int pool_grow(struct pgs_root *r, struct journal *j, const struct domain *d, const char *pool, const char *where,
                     unsigned long need, unsigned long kib, const char *sz)
{
        uint64_t nr, fr;
        char p[200], nrp[200];
        snprintf(p, sizeof(p), "%s/free_hugepages", pool);
        int rc = fs_read_u64(r, p, 10, &fr);
        snprintf(nrp, sizeof(nrp), "%s/nr_hugepages", pool);
        if (rc == 0)
                rc = fs_read_u64(r, nrp, 10, &nr);
        if (rc < 0) {
                msg("%s: hugepages: cannot read /%s: %s", d->name, pool, strerror(-rc));
                return rc;
        }
        if (fr >= need) {
                msg("%s: hugepages: %lu × %s needed%s, %lu free already (a boot reservation or pages no VM uses): nothing to allocate",
                    d->name, need, sz, where, (unsigned long)fr);
                return 0;
        }
        unsigned long shortfall = need - (unsigned long)fr, target = (unsigned long)nr + shortfall;
        rc = journal_pages_begin(j, nrp, (unsigned long)nr);
        if (rc < 0)
                return rc;
        char v[32];
        snprintf(v, sizeof(v), "%lu", target);
        uint64_t got = nr, t0 = now_usec();
        /* write, read back; when short: drop caches and compact, once per round,
         * until the deadline (not 1000 blind retries) */
        for (int round = 0;; round++) {
                fs_write_str(r, nrp, v);
                if (fs_read_u64(r, nrp, 10, &got) < 0)
                        got = nr;
                /* one drop-caches + compaction round always; more while the deadline allows */
                if (got >= target || round >= 3 || (round >= 1 && now_usec() - t0 > (uint64_t)HUGEPAGE_DEADLINE_MS * 1000))
                        break;
                fs_write_str(r, "proc/sys/vm/drop_caches", "3");
                fs_write_str(r, "proc/sys/vm/compact_memory", "1");
        }
        unsigned long added = got > nr ? (unsigned long)(got - nr) : 0;
        int rc2 = journal_pages_end(j, nrp, added);
        if (got < target) {
                msg("%s: hugepages: needs %lu × %s%s (%lu MiB); %lu were free and only %lu more could be allocated (%lu short) after dropping caches and compacting memory. Reserve them at boot: %shugepages=%lu on the kernel command line (pgs boot apply --hugepages %s:%lu)",
                    d->name, need, sz, where, need * kib / 1024, (unsigned long)fr, added, target - (unsigned long)got,
                    kib >= 1024 * 1024 ? "default_hugepagesz=1G hugepagesz=1G " : "", need, kib >= 1024 * 1024 ? "1G" : "2M", need);
                return -ENOMEM;
        }
        if (rc2 < 0)
                return rc2;
        msg("%s: hugepages: %lu × %s ready%s (%lu were free, %lu added)", d->name, need, sz, where, (unsigned long)fr, added);
        return 0;
}

static int hugepages_prepare(struct pgs_root *r, struct journal *j, const struct domain *d)
{
        unsigned long dflt = default_page_kib(r), kib = d->page_kib ? d->page_kib : dflt;
        char sz[32], pool[160];
        size_str(kib, sz, sizeof(sz));
        if (!kib) {
                msg("%s: hugepages: this kernel has no hugepage support (no Hugepagesize in /proc/meminfo)", d->name);
                return -ENOTSUP;
        }
        snprintf(pool, sizeof(pool), "sys/kernel/mm/hugepages/hugepages-%lukB", kib);
        if (!fs_exists(r, pool)) {
                msg("%s: hugepages: the kernel offers no %s pages (/%s is missing; boot with hugepagesz=%s)", d->name, sz, pool,
                    kib >= 1024 * 1024 ? "1G" : "2M");
                return -ENOENT;
        }
        if (!hugetlbfs_for(r, kib, dflt)) {
                msg("%s: hugepages: no hugetlbfs is mounted for %s pages; mount one (mount -t hugetlbfs -o pagesize=%s none /dev/hugepages%s) and restart libvirtd, which looks for them when it starts",
                    d->name, sz, kib >= 1024 * 1024 ? "1G" : "2M", kib >= 1024 * 1024 ? "1G" : "");
                return -ENOENT;
        }
        unsigned long need = (unsigned long)((d->mem_kib + kib - 1) / kib);
        if (cpuset_empty(&d->numa_nodes))
                return pool_grow(r, j, d, pool, "", need, kib, sz);
        /* <numatune>: the pages come from those nodes' pools, spread evenly */
        unsigned nodes[64], nn = 0;
        for (unsigned c = 0; c < CPU_MAX && nn < 64; c++)
                if (cpuset_has(&d->numa_nodes, c))
                        nodes[nn++] = c;
        for (unsigned i = 0; i < nn; i++) {
                char np[200], where[32];
                snprintf(np, sizeof(np), "sys/devices/system/node/node%u/hugepages/hugepages-%lukB", nodes[i], kib);
                snprintf(where, sizeof(where), " on NUMA node %u", nodes[i]);
                if (!fs_exists(r, np)) {
                        msg("%s: hugepages: NUMA node %u has no %s pool (/%s)", d->name, nodes[i], sz, np);
                        return -ENOENT;
                }
                int rc = pool_grow(r, j, d, np, where, need / nn + (i < need % nn), kib, sz);
                if (rc < 0)
                        return rc;
        }
        return 0;
}

static bool word_in(const char *list, const char *w)
{
        size_t l = strlen(w);
        for (const char *p = list; (p = strstr(p, w)); p += l)
                if ((p == list || p[-1] == ' ') && (!p[l] || p[l] == ' ' || p[l] == '\n'))
                        return true;
        return false;
}

static int governor_prepare(struct pgs_root *r, struct journal *j, const struct domain *d)
{
        if (cpuset_empty(&d->vcpus)) {
                msg("%s: governor: the domain pins no vCPUs (<cputune><vcpupin>); left alone", d->name);
                return 0;
        }
        struct dirent **list;
        int n = fs_scandir(r, "sys/devices/system/cpu/cpufreq", &list, NULL, alphasort), rc = 0, done = 0;
        if (n < 0) {
                msg("%s: governor: no cpufreq on this machine; left alone", d->name);
                return 0;
        }
        for (int i = 0; i < n; i++) {
                char base[300], p[400], buf[512];
                if (rc == 0 && !strncmp(list[i]->d_name, "policy", 6)) {
                        snprintf(base, sizeof(base), "sys/devices/system/cpu/cpufreq/%s", list[i]->d_name);
                        struct cpuset pc = { 0 };
                        snprintf(p, sizeof(p), "%s/affected_cpus", base);
                        if (fs_read_str(r, p, buf, sizeof(buf)) >= 0) {
                                for (char *s = buf; *s; s++)
                                        if (*s == ' ')
                                                *s = ',';
                                cpulist_parse(buf, &pc);
                        }
                        snprintf(p, sizeof(p), "%s/scaling_available_governors", base);
                        if (cpuset_intersects(&pc, &d->vcpus) && fs_read_str(r, p, buf, sizeof(buf)) >= 0 && word_in(buf, "performance")) {
                                /* EPP first: under intel_pstate a performance governor refuses EPP writes */
                                snprintf(p, sizeof(p), "%s/energy_performance_available_preferences", base);
                                if (fs_read_str(r, p, buf, sizeof(buf)) >= 0 && word_in(buf, "performance")) {
                                        snprintf(p, sizeof(p), "%s/energy_performance_preference", base);
                                        int e = journal_hold_set(j, p, "performance");
                                        if (e < 0 && e != -EBUSY)
                                                rc = e;
                                }
                                snprintf(p, sizeof(p), "%s/scaling_governor", base);
                                if (rc == 0)
                                        rc = journal_hold_set(j, p, "performance");
                                if (rc < 0)
                                        msg("%s: governor: /%s: %s", d->name, p, strerror(-rc));
                                else
                                        done++;
                        }
                }
                free(list[i]);
        }
        free(list);
        if (rc == 0)
                msg("%s: governor: performance on %d cpufreq polic%s covering the vCPUs", d->name, done, done == 1 ? "y" : "ies");
        return rc;
}

struct comm_match {
        const struct pgs_root *r;
        const char *comm;
};

static int comm_is(const char *pid, void *ud)
{
        struct comm_match *m = ud;
        char p[300], c[64];
        return path_fmt(p, sizeof(p), "proc/%s/comm", pid) && fs_read_str(m->r, p, c, sizeof(c)) >= 0 && !strcmp(c, m->comm);
}

static bool proc_running(struct pgs_root *r, const char *comm)
{
        return proc_each(r, comm_is, &(struct comm_match){ r, comm }) != 0;
}

/* Keep host work off the vCPUs' CPUs: every IRQ's affinity, the unbound
 * workqueue cpumask, and the cpusets of the top-level cgroups (all but
 * machine.slice, where libvirt runs the VMs) exclude them while the domain
 * runs. Shared between domains: each one's CPUs stay excluded until it goes. */
static int isolate_prepare(struct pgs_root *r, struct journal *j, const struct domain *d)
{
        if (cpuset_empty(&d->vcpus)) {
                msg("%s: isolate: the domain pins no vCPUs (<cputune><vcpupin>); nothing to isolate", d->name);
                return 0;
        }
        char buf[1024];
        struct cpuset online = { 0 }, possible = { 0 }, host;
        if (fs_read_str(r, "sys/devices/system/cpu/online", buf, sizeof(buf)) < 0 || cpulist_parse(buf, &online) < 0) {
                msg("%s: isolate: cannot read /sys/devices/system/cpu/online", d->name);
                return -EIO;
        }
        unsigned ncpus = 0;
        if (fs_read_str(r, "sys/devices/system/cpu/possible", buf, sizeof(buf)) >= 0 && cpulist_parse(buf, &possible) == 0)
                for (unsigned c = 0; c < CPU_MAX; c++)
                        if (cpuset_has(&possible, c))
                                ncpus = c + 1;
        host = online;
        cpuset_andnot(&host, &d->vcpus);
        if (cpuset_empty(&host)) {
                msg("%s: isolate: the vCPUs are pinned to every online CPU (%s); none would be left for the host", d->name, buf);
                return -EINVAL;
        }
        int rc = 0, irqs = 0, managed = 0, groups = 0;
        struct dirent **list;
        int n = fs_scandir(r, "proc/irq", &list, NULL, alphasort);
        for (int i = 0; i < n; i++) {
                char p[300];
                if (rc == 0 && list[i]->d_name[0] >= '0' && list[i]->d_name[0] <= '9' &&
                    path_fmt(p, sizeof(p), "proc/irq/%s/smp_affinity_list", list[i]->d_name) && fs_exists(r, p)) {
                        int e = journal_hold_exclude(j, p, &d->vcpus, &online, false, ncpus);
                        if (e == -EIO || e == -EINVAL)
                                managed++;      /* managed IRQs refuse affinity writes: skipped */
                        else if (e == -ENOSPC)
                                ;               /* an IRQ bound to guest CPUs only: left where it is */
                        else if (e < 0)
                                rc = e;
                        else
                                irqs++;
                }
                free(list[i]);
        }
        if (n >= 0)
                free(list);
        if (rc == 0 && fs_exists(r, "sys/devices/virtual/workqueue/cpumask"))
                rc = journal_hold_exclude(j, "sys/devices/virtual/workqueue/cpumask", &d->vcpus, &online, true, ncpus);
        if (rc == 0 && fs_exists(r, "run/systemd/system")) {
                /* systemd owns the cgroups: ask it (AllowedCPUs), so it does not
                 * write them back behind us */
                static const char *const units[] = { "system.slice", "user.slice", "init.scope" };
                for (int i = 0; i < 3 && rc == 0; i++) {
                        char key[128];
                        snprintf(key, sizeof(key), "systemd:%s:AllowedCPUs", units[i]);
                        rc = journal_hold_exclude(j, key, &d->vcpus, &online, false, ncpus);
                        if (rc == 0)
                                groups++;
                        else
                                msg("%s: isolate: systemctl set-property %s AllowedCPUs: %s", d->name, units[i], strerror(-rc));
                }
        } else if (rc == 0 && fs_read_str(r, "sys/fs/cgroup/cgroup.subtree_control", buf, sizeof(buf)) >= 0) {
                if (!word_in(buf, "cpuset")) {
                        msg("%s: isolate: the cpuset controller is not enabled in /sys/fs/cgroup; cgroups left alone", d->name);
                } else {
                        n = fs_scandir(r, "sys/fs/cgroup", &list, NULL, alphasort);
                        for (int i = 0; i < n; i++) {
                                char p[300];
                                const char *g = list[i]->d_name;
                                if (rc == 0 && g[0] != '.' && strcmp(g, "machine.slice") && strcmp(g, "machine") &&
                                    path_fmt(p, sizeof(p), "sys/fs/cgroup/%s/cpuset.cpus", g) && fs_exists(r, p)) {
                                        rc = journal_hold_exclude(j, p, &d->vcpus, &online, false, ncpus);
                                        if (rc == 0)
                                                groups++;
                                        else
                                                msg("%s: isolate: /%s: %s", d->name, p, strerror(-rc));
                                }
                                free(list[i]);
                        }
                        if (n >= 0)
                                free(list);
                }
        }
        if (rc < 0)
                return rc;
        char hl[256];
        cpulist_format(&host, hl, sizeof(hl));
        msg("%s: isolate: host work on CPUs %s: %d IRQs moved (%d managed ones skipped), %d cgroups", d->name, hl, irqs, managed, groups);
        if (proc_running(r, "irqbalance"))
                msg("%s: isolate: warning: irqbalance is running and will rewrite IRQ masks; stop it while the VM runs, or ban these CPUs (IRQBALANCE_BANNED_CPULIST)",
                    d->name);
        return 0;
}

/* the size a GVT-g type gives (low + high graphics memory, from its description) */
static unsigned long mdev_type_size(struct pgs_root *r, const char *typedir)
{
        char p[400], buf[1024];
        unsigned long lo = 0, hi = 0;
        if (path_fmt(p, sizeof(p), "%s/description", typedir) && fs_read_str(r, p, buf, sizeof(buf)) >= 0) {
                char *a = strstr(buf, "low_gm_size:"), *b = strstr(buf, "high_gm_size:");
                if (a)
                        sscanf(a, "low_gm_size: %lu", &lo);
                if (b)
                        sscanf(b, "high_gm_size: %lu", &hi);
        }
        return lo + hi;
}

/* GVT-g: create each <hostdev type='mdev'> UUID on the iGPU, with the type
 * pgs's metadata names or the largest one that still has instances. */
static int mdev_prepare(struct pgs_root *r, struct journal *j, const struct domain *d)
{
        /* the parent: the first PCI device offering mdev types (the iGPU, 00:02.0) */
        struct dirent **list;
        char parent[64] = "";
        int n = fs_scandir(r, "sys/bus/pci/devices", &list, NULL, alphasort);
        for (int i = 0; i < n; i++) {
                char p[300];
                if (!parent[0] && list[i]->d_name[0] != '.' && path_fmt(p, sizeof(p), "sys/bus/pci/devices/%s/mdev_supported_types", list[i]->d_name) &&
                    fs_exists(r, p))
                        snprintf(parent, sizeof(parent), "%s", list[i]->d_name);
                free(list[i]);
        }
        if (n >= 0)
                free(list);
        if (!parent[0]) {
                msg("%s: mdev: no device offers mediated types (GVT-g needs i915.enable_gvt=1 and kvmgt loaded: pgs boot apply --mode gvtg)", d->name);
                return -ENODEV;
        }
        for (size_t k = 0; k < d->n_mdevs; k++) {
                const char *u = d->mdevs[k];
                char p[400], best[300] = "";
                if (!uuid_valid(u)) {
                        msg("%s: mdev: '%s' is not a UUID", d->name, u);
                        return -EINVAL;
                }
                snprintf(p, sizeof(p), "sys/bus/mdev/devices/%s", u);
                if (fs_exists(r, p)) {
                        msg("%s: mdev %s exists already; using it", d->name, u);
                        continue;
                }
                snprintf(p, sizeof(p), "sys/bus/pci/devices/%s/mdev_supported_types", parent);
                int m = fs_scandir(r, p, &list, NULL, alphasort);
                unsigned long best_size = 0;
                for (int i = 0; i < m; i++) {
                        char td[400], av[32];
                        uint64_t inst = 0;
                        snprintf(td, sizeof(td), "%s/%s", p, list[i]->d_name);
                        char ap[500];
                        snprintf(ap, sizeof(ap), "%s/available_instances", td);
                        bool named = d->mdev_type[0] && !strcmp(list[i]->d_name, d->mdev_type);
                        if (list[i]->d_name[0] != '.' && fs_read_str(r, ap, av, sizeof(av)) >= 0 && parse_u64(av, 10, &inst) == 0 && inst > 0 &&
                            (named || (!d->mdev_type[0] && mdev_type_size(r, td) >= best_size))) {
                                best_size = mdev_type_size(r, td);
                                snprintf(best, sizeof(best), "%s", list[i]->d_name);
                        }
                        free(list[i]);
                }
                if (m >= 0)
                        free(list);
                if (!best[0]) {
                        msg("%s: mdev: %s offers no instance of %s; is another VM using them?", d->name, parent,
                            d->mdev_type[0] ? d->mdev_type : "any type");
                        return -ENOSPC;
                }
                int rc = journal_mdev(j, u);
                snprintf(p, sizeof(p), "sys/bus/pci/devices/%s/mdev_supported_types/%s/create", parent, best);
                if (rc == 0)
                        rc = fs_write_str(r, p, u);
                snprintf(p, sizeof(p), "sys/bus/mdev/devices/%s", u);
                if (rc == 0 && !fs_exists(r, p))
                        rc = -EIO;
                if (rc < 0) {
                        msg("%s: mdev: creating %s (%s) on %s failed: %s", d->name, u, best, parent, strerror(-rc));
                        return rc;
                }
                msg("%s: mdev %s created (%s on %s)", d->name, u, best, parent);
        }
        return 0;
}

struct holders {
        const struct pgs_root *r;
        int ne, np;
        char (*exact)[64], (*prefix)[64];
        char *out;
        size_t size, k;
        int found;
};

static int node_match(const char *pid, const char *t, void *ud)
{
        struct holders *h = ud;
        for (int e = 0; e < h->ne; e++)
                if (!strcmp(t, h->exact[e]))
                        return 1;
        for (int q = 0; q < h->np; q++)
                if (!strncmp(t, h->prefix[q], strlen(h->prefix[q])))
                        return 1;
        return 0;
}

/* one process: does it hold one of the nodes? then it is named in out */
static int holder_check(const char *pid, void *ud)
{
        struct holders *h = ud;
        if (proc_each_fd(h->r, pid, node_match, h)) {
                char p[300], comm[64] = "?";
                path_fmt(p, sizeof(p), "proc/%s/comm", pid);
                fs_read_str(h->r, p, comm, sizeof(comm));
                h->k += (size_t)snprintf(h->out + h->k, h->k < h->size ? h->size - h->k : 0, "%s%s (%s)", h->found ? ", " : "", pid, comm);
                h->found++;
        }
        return 0;
}

/* Who holds a device open: processes with its DRM nodes (drm/cardN,
 * renderDN), its ALSA nodes (sound/cardN: /dev/snd/controlCN, pcmCN…) or NVIDIA's nodes
 * open. An unbind would wait for them, uninterruptibly. */
static int device_holders(struct pgs_root *r, const struct pci_dev *d, char *out, size_t size)
{
        char exact[16][64], prefix[24][64];
        int ne = 0, np = 0;
        struct dirent **list;
        char p[300];
        snprintf(p, sizeof(p), "sys/bus/pci/devices/%s/drm", d->name);
        int n = fs_scandir(r, p, &list, NULL, alphasort);
        for (int i = 0; i < n; i++) {
                if (ne < 16 && (!strncmp(list[i]->d_name, "card", 4) || !strncmp(list[i]->d_name, "renderD", 7)))
                        snprintf(exact[ne++], 64, "/dev/dri/%s", list[i]->d_name);
                free(list[i]);
        }
        if (n >= 0)
                free(list);
        snprintf(p, sizeof(p), "sys/bus/pci/devices/%s/sound", d->name);
        n = fs_scandir(r, p, &list, NULL, alphasort);
        for (int i = 0; i < n; i++) {
                unsigned c;
                if (np < 21 && sscanf(list[i]->d_name, "card%u", &c) == 1) {
                        snprintf(prefix[np++], 64, "/dev/snd/controlC%u", c);
                        snprintf(prefix[np++], 64, "/dev/snd/pcmC%uD", c);
                        snprintf(prefix[np++], 64, "/dev/snd/hwC%uD", c);
                }
                free(list[i]);
        }
        if (n >= 0)
                free(list);
        if (!strncmp(d->driver, "nvidia", 6) && np < 24)
                snprintf(prefix[np++], 64, "/dev/nvidia");
        struct holders h = { r, ne, np, exact, prefix, out, size, 0, 0 };
        out[0] = '\0';
        proc_each(r, holder_check, &h);
        return h.found;
}

/* is "ADDR@VID:DID" (this device, with its id) among the words of allow? */
static bool handover_allowed(const char *allow, const struct pci_dev *dev)
{
        char want[64];
        snprintf(want, sizeof(want), "%s@%04x:%04x", dev->name, dev->vendor, dev->device);
        size_t wl = strlen(want);
        for (const char *p = allow; (p = strstr(p, want)); p += wl)
                if ((p == allow || p[-1] == ' ' || p[-1] == ',') && (!p[wl] || p[wl] == ' ' || p[wl] == ','))
                        return true;
        return false;
}

/* A late unbind (the hook stopped waiting for it): the VM's start has failed
 * and its release may already have run, so the device goes back to the driver
 * it came from, under the journal lock, with the override it had. */
static void unbind_late(struct pgs_root *r, const struct pci_dev *d)
{
        int lock = journal_lock(r, 60000);
        int rc = pci_dev_return(r, d->name, d->driver, d->driver_override);
        fprintf(stderr, "pgs-qemu-hook: %s: the unbind from %s returned late; %s\n", d->name, d->driver,
                rc == 0 ? "put back on it" : "could not put it back: see pgs restore");
        journal_unlock(lock);
}

/* echo ADDR > driver/unbind in a child: an unbind cannot be interrupted, so
 * the hook waits for it only until the deadline. The child holds nothing
 * libvirt or another hook waits on: not our stdout/stderr (libvirt reads them
 * to EOF), not the journal lock. A pipe tells it whether we still wait; when
 * we do not, it puts the device back itself (unbind_late). */
static int unbind_bounded(struct pgs_root *r, const struct pci_dev *d, int lockfd, unsigned deadline_ms)
{
        char p[300];
        snprintf(p, sizeof(p), "sys/bus/pci/drivers/%s/unbind", d->driver);
        int pfd[2];
        if (pipe2(pfd, O_CLOEXEC) < 0)
                return -errno;
        fflush(NULL);
        pid_t pid = fork();
        if (pid < 0) {
                int e = errno;
                close(pfd[0]);
                close(pfd[1]);
                return -e;
        }
        if (pid == 0) {
                close(pfd[0]);
                if (lockfd >= 0)
                        close(lockfd);
                int nul = open("/dev/null", O_RDWR);
                if (nul >= 0) {
                        dup2(nul, 0);
                        dup2(nul, 1);
                        dup2(nul, 2);
                        if (nul > 2)
                                close(nul);
                }
                for (int fd = 3; fd < 1024; fd++)
                        if (fd != r->fd && fd != pfd[1])
                                close(fd);
                setsid();
                signal(SIGPIPE, SIG_IGN);
                char res = fs_write_str(r, p, d->name) < 0 ? 1 : 0;
                if (write(pfd[1], &res, 1) == 1)
                        _exit(0);               /* the hook still waits: it goes on */
                unbind_late(r, d);
                _exit(0);
        }
        close(pfd[1]);
        struct pollfd pf = { .fd = pfd[0], .events = POLLIN };
        uint64_t deadline = now_usec() + (uint64_t)deadline_ms * 1000;
        int rc = -ETIMEDOUT;
        for (;;) {
                uint64_t now = now_usec();
                int left = now >= deadline ? 0 : (int)((deadline - now + 999) / 1000);
                int n = poll(&pf, 1, left);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n > 0) {
                        char res = 1;
                        rc = read(pfd[0], &res, 1) == 1 && res == 0 ? 0 : -EIO;
                        waitpid(pid, NULL, 0);
                        break;
                }
                if (left == 0 || n < 0)
                        break;
        }
        /* closing our end tells a child still in the kernel that nobody waits */
        close(pfd[0]);
        return rc;
}

/* PCI hostdevs: refuse when something holds the GPU (libvirt's own unbind
 * would hang); with managed='no' and <pgs:handover/>, move it to vfio-pci —
 * never the boot VGA device, and a device of a class other than display,
 * audio, USB or serial bus only when <pgs:handover allow='ADDR@VID:DID'/> names it */
static int handover_prepare(struct pgs_root *r, struct journal *j, const struct domain *d, int lockfd, unsigned unbind_ms)
{
        for (size_t i = 0; i < d->n_pci; i++) {
                struct pci_addr a;
                struct pci_dev dev;
                char who[512];
                if (pci_addr_parse(d->pci[i].addr, &a) < 0 || pci_dev_read(r, &a, &dev) < 0) {
                        msg("%s: hostdev %s: no such PCI device", d->name, d->pci[i].addr);
                        return -ENODEV;
                }
                if (!strcmp(dev.driver, "vfio-pci"))
                        continue;
                if (dev.driver[0] && device_holders(r, &dev, who, sizeof(who)) > 0) {
                        msg("%s: hostdev %s is on %s and held open by %s: close them (or stop the display manager) first; an unbind now would hang",
                            d->name, dev.name, dev.driver, who);
                        return -EBUSY;
                }
                if (d->pci[i].managed || !dev.driver[0])
                        continue;       /* libvirt moves it after the hook */
                if (!d->want_handover) {
                        msg("%s: hostdev %s has managed='no' but is on %s: libvirt will not move it; add <pgs:handover/> to pgs's metadata, or managed='yes'",
                            d->name, dev.name, dev.driver);
                        return -EBUSY;
                }
                if (dev.boot_vga == 1) {
                        msg("%s: hostdev %s is the boot VGA device (on %s): pgs never hands it over; nothing changed for it",
                            d->name, dev.name, dev.driver);
                        return -EPERM;
                }
                if (!pci_class_movable(dev.class) && !handover_allowed(d->handover_allow, &dev)) {
                        msg("%s: hostdev %s is class 0x%06x on %s, not display, audio, USB or serial bus: pgs hands it over only when "
                            "<pgs:handover allow='%s@%04x:%04x'/> names it",
                            d->name, dev.name, dev.class, dev.driver, dev.name, dev.vendor, dev.device);
                        return -EPERM;
                }
                if (!pci_driver_loaded(r, "vfio-pci")) {
                        char *argv[] = { "modprobe", "-q", "vfio-pci", NULL };
                        if (run_cmd(argv, 15000, true) != 0 || !pci_driver_loaded(r, "vfio-pci")) {
                                msg("%s: hostdev %s: vfio-pci cannot be loaded (modprobe vfio-pci)", d->name, dev.name);
                                return -ENOENT;
                        }
                }
                int rc = journal_handover(j, dev.name, dev.driver, dev.driver_override);
                if (rc == 0) {
                        char p[300];
                        snprintf(p, sizeof(p), "sys/bus/pci/devices/%s/driver_override", dev.name);
                        rc = fs_write_str(r, p, "vfio-pci");
                }
                if (rc == 0 && (rc = unbind_bounded(r, &dev, lockfd, unbind_ms)) == -ETIMEDOUT) {
                        msg("%s: hostdev %s: unbinding it from %s did not finish in %u s; when the kernel finishes it, pgs puts it back on %s",
                            d->name, dev.name, dev.driver, unbind_ms / 1000, dev.driver);
                        return rc;
                }
                const char *step = "unbind";
                if (rc == 0) {
                        pci_dev_read(r, &a, &dev);
                        rc = pci_dev_bind(r, &dev, "vfio-pci", 3000, &step);
                }
                if (rc < 0) {
                        msg("%s: hostdev %s: moving it to vfio-pci failed at %s: %s", d->name, dev.name, step, strerror(-rc));
                        return rc;
                }
                msg("%s: hostdev %s moved to vfio-pci; it goes back on release", d->name, dev.name);
        }
        return 0;
}

int main(int argc, char **argv)
{
        if (argc < 3) {
                msg("run by pgs-qemu-hook only");
                return 1;
        }
        const char *name = argv[1], *op = argv[2], *sub = argc > 3 ? argv[3] : "-";
        static char xml[1024 * 1024 + 1];
        size_t len = 0;
        ssize_t n;
        while ((n = read(0, xml + len, sizeof(xml) - 1 - len)) > 0)
                len += (size_t)n;
        struct pgs_root root;
        const char *sysroot = getenv("PGS_SYSROOT");
        if (root_open(&root, sysroot) < 0) {
                msg("PGS_SYSROOT=%s: cannot open it", sysroot ? sysroot : "");
                return 1;
        }
        char sh[600];
        shown(name, sh, sizeof(sh));
        struct domain d;
        char err[512];
        if (domain_parse(xml, len, &d, err, sizeof(err)) < 0) {
                msg("%s: %s", sh, err);
                return 1;
        }
        if (!uuid_valid(d.uuid)) {
                msg("%s: the domain XML's <uuid> is not a UUID; nothing changed", sh);
                return 1;
        }
        /* the name is only ever shown, but a hostile one gets no further */
        bool bad_form = strlen(name) > 200;
        for (const char *s = name; *s; s++)
                if ((unsigned char)*s < 0x20 || *s == 0x7f || *s == '/')
                        bad_form = true;
        if (bad_form || strcmp(name, d.name) != 0) {
                msg("domain name '%.80s%s': %s; nothing changed", sh, strlen(sh) > 80 ? "..." : "",
                    bad_form ? "has '/', control characters or over 200 characters" : "does not match the XML's <name>");
                return 1;
        }
        /* how long an unbind may take (10 s; the tests make it short) */
        unsigned unbind_ms = 10000;
        const char *um = getenv("PGS_TEST_UNBIND_MS");
        uint64_t v;
        if (um && parse_u64(um, 10, &v) == 0 && v > 0 && v <= 60000)
                unbind_ms = (unsigned)v;
        int lock = journal_lock(&root, LOCK_TIMEOUT_MS);
        if (lock < 0) {
                msg("%s: cannot take /run/pgs/lock: %s; nothing changed", sh,
                    lock == -EPERM ? "/run/pgs or /run/pgs/shared is a link, not ours, or writable by others; not trusting it"
                                   : strerror(-lock));
                return 1;
        }
        int rc = 0;
        if (!strcmp(op, "prepare") && !strcmp(sub, "begin") && d.managed) {
                struct journal j;
                rc = journal_open(&j, &root, d.uuid, d.name);
                if (rc == 0 && d.want_hugepages && d.hugepages)
                        rc = hugepages_prepare(&root, &j, &d);
                if (rc == 0 && d.want_governor)
                        rc = governor_prepare(&root, &j, &d);
                if (rc == 0 && d.want_isolate)
                        rc = isolate_prepare(&root, &j, &d);
                if (rc == 0 && d.n_mdevs)
                        rc = mdev_prepare(&root, &j, &d);
                if (rc == 0 && d.n_pci)
                        rc = handover_prepare(&root, &j, &d, lock, unbind_ms);
                if (rc < 0) {
                        /* nothing half-done: what this prepare changed goes back */
                        journal_undo(&root, d.uuid, report, sh);
                        msg("%s: prepare failed; everything pgs changed for it is back as it was", sh);
                }
        } else if (!strcmp(op, "release") && !strcmp(sub, "end")) {
                rc = journal_undo(&root, d.uuid, report, sh);
                if (rc < 0)
                        msg("%s: release: some values could not be put back (%s); the journal /run/pgs/%s stays for pgs restore", sh,
                            strerror(-rc), d.uuid);
        }
        journal_unlock(lock);
        return rc < 0 ? 1 : 0;
}
