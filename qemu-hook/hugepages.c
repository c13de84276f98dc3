/* SPDX-License-Identifier: GPL-2.0-or-later */
/* qemu-hook/hugepages.c — <pgs:hugepages/>: the domain's RAM in hugepages,
 * allocated at prepare (only the shortfall, verified) and given back at
 * release. Pools are counted, not restored: each domain gives back only the
 * pages it added (journal kinds "pages-begin" and "pages"). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qemu-hook/hook.h"
#include "shared/memory.h"
#include "shared/proc.h"

#define HUGEPAGE_DEADLINE_MS 2000

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
static int pool_grow(const struct hook *h, const char *pool, const char *where, unsigned long need, unsigned long kib, const char *sz)
{
        const struct pgs_root *r = h->root;
        uint64_t nr, fr;
        char p[200], nrp[200];
        snprintf(p, sizeof(p), "%s/free_hugepages", pool);
        int rc = fs_read_u64(r, p, 10, &fr);
        snprintf(nrp, sizeof(nrp), "%s/nr_hugepages", pool);
        if (rc == 0)
                rc = fs_read_u64(r, nrp, 10, &nr);
        if (rc < 0) {
                hook_say(h, "hugepages: cannot read /%s: %s", pool, strerror(-rc));
                return rc;
        }
        if (fr >= need) {
                hook_say(h, "hugepages: %lu × %s needed%s, %lu free already (a boot reservation or pages no VM uses): nothing to allocate", need, sz, where, (unsigned long)fr);
                return 0;
        }
        unsigned long shortfall = need - (unsigned long)fr, target = (unsigned long)nr + shortfall;
        rc = journal_append(h->j, "pages-begin %s %lu\n", nrp, (unsigned long)nr);
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
        int rc2 = journal_append(h->j, "pages %s %lu\n", nrp, added);
        if (got < target) {
                hook_say(h, "hugepages: needs %lu × %s%s (%lu MiB); %lu were free and only %lu more could be allocated (%lu short) after dropping caches and compacting memory. Reserve them at boot: %shugepages=%lu on the kernel command line (pgs boot apply --hugepages %s:%lu)",  need, sz, where, need * kib / 1024, (unsigned long)fr, added, target - (unsigned long)got,
                    kib >= 1024 * 1024 ? "default_hugepagesz=1G hugepagesz=1G " : "", need, kib >= 1024 * 1024 ? "1G" : "2M", need);
                return -ENOMEM;
        }
        if (rc2 < 0)
                return rc2;
        hook_say(h, "hugepages: %lu × %s ready%s (%lu were free, %lu added)", need, sz, where, (unsigned long)fr, added);
        return 0;
}

int hugepages_prepare(const struct hook *h)
{
        const struct pgs_root *r = h->root;
        const struct domain *d = h->d;
        unsigned long dflt = (unsigned long)meminfo_kib(r, "Hugepagesize"), kib = d->page_kib ? d->page_kib : dflt;
        char sz[32], pool[160];
        size_str(kib, sz, sizeof(sz));
        if (!kib) {
                hook_say(h, "hugepages: this kernel has no hugepage support (no Hugepagesize in /proc/meminfo)");
                return -ENOTSUP;
        }
        snprintf(pool, sizeof(pool), "sys/kernel/mm/hugepages/hugepages-%lukB", kib);
        if (!fs_exists(r, pool)) {
                hook_say(h, "hugepages: the kernel offers no %s pages (/%s is missing; boot with hugepagesz=%s)",  sz, pool,
                    kib >= 1024 * 1024 ? "1G" : "2M");
                return -ENOENT;
        }
        if (!hugetlbfs_mounted(r, kib)) {
                hook_say(h, "hugepages: no hugetlbfs is mounted for %s pages; mount one (mount -t hugetlbfs -o pagesize=%s none /dev/hugepages%s) and restart libvirtd, which looks for them when it starts",  sz, kib >= 1024 * 1024 ? "1G" : "2M", kib >= 1024 * 1024 ? "1G" : "");
                return -ENOENT;
        }
        unsigned long need = (unsigned long)((d->mem_kib + kib - 1) / kib);
        if (cpuset_empty(&d->numa_nodes))
                return pool_grow(h, pool, "", need, kib, sz);
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
                        hook_say(h, "hugepages: NUMA node %u has no %s pool (/%s)", nodes[i], sz, np);
                        return -ENOENT;
                }
                int rc = pool_grow(h, np, where, need / nn + (i < need % nn), kib, sz);
                if (rc < 0)
                        return rc;
        }
        return 0;
}

/* pages PATH DELTA: the domain added DELTA pages to the pool; give back
 * exactly those (the pool may have grown or shrunk since for others) */
int pages_undo(const struct journal_step *s, const char *args)
{
        char path[512];
        unsigned long delta;
        uint64_t cur;
        if (sscanf(args, "%511s %lu", path, &delta) != 2 || !delta)
                return 0;
        int rc = fs_read_u64(s->root, path, 10, &cur);
        if (rc < 0)
                return rc;
        unsigned long target = cur > delta ? (unsigned long)(cur - delta) : 0;
        char v[32];
        snprintf(v, sizeof(v), "%lu", target);
        rc = fs_write_str(s->root, path, v);
        journal_say(s, rc == 0 ? "%s: gave back %lu pages (%lu -> %lu)" : "%s: could not give back %lu pages (%lu -> %lu)", path, delta,
                    (unsigned long)cur, target);
        return rc;
}

/* pages-begin PATH PREV: a growth that never reached its `pages` line (the
 * hook was killed mid-way) goes back to where it began */
int pages_begin_undo(const struct journal_step *s, const char *args)
{
        char path[512];
        unsigned long prev;
        if (sscanf(args, "%511s %lu", path, &prev) != 2)
                return 0;
        for (size_t k = s->i + 1; k < s->n; k++)
                if (!strncmp(s->lines[k], "pages ", 6) && strstr(s->lines[k], path))
                        return 0;
        char val[32];
        snprintf(val, sizeof(val), "%lu", prev);
        int rc = fs_write_str(s->root, path, val);
        journal_say(s, "%s: back to %lu (an unfinished allocation)", path, prev);
        return rc;
}
