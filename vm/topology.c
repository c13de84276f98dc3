/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vm/topology.c — the host's CPUs and which of them the guest gets.
 *
 * Read (Documentation/ABI/stable/sysfs-devices-system-cpu):
 *   sys/devices/system/cpu/online                        "0-11"
 *   cpuN/topology/thread_siblings_list                   "1,7" or "0-1"
 *   cpuN/cache/index3/{size,shared_cpu_list}             "98304K", "0-7,16-23"
 *   cpuN/cache/index2/shared_cpu_list                    an E-core cluster
 *   sys/devices/cpu_core/cpus, sys/devices/cpu_atom/cpus  hybrid Intel
 *
 * A core is a set of thread siblings; cores are ordered by their lowest CPU.
 * The rules (docs/vm.md):
 *   default  the first core is the host's (emulator, iothread); the guest
 *            gets the others, one L3 domain filled before the next
 *   hybrid   the guest gets the P-cores, the host the first E-core cluster
 *   x3d      L3 domains of unequal size: the guest gets the largest, the host
 *            the lowest core of another */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vm/vm.h"

#define C "sys/devices/system/cpu"

static unsigned lowest(const struct cpuset *s)
{
        for (unsigned i = 0; i < CPU_MAX; i++)
                if (cpuset_has(s, i))
                        return i;
        return CPU_MAX;
}

static int read_set(const struct pgs_root *r, const char *path, struct cpuset *ret)
{
        char buf[1024];
        int n = fs_read_str(r, path, buf, sizeof(buf));
        if (n < 0)
                return n;
        memset(ret, 0, sizeof(*ret));
        return cpulist_parse(buf, ret);
}

/* "98304K" → 98304 */
static unsigned long read_kib(const struct pgs_root *r, const char *path)
{
        char buf[64];
        if (fs_read_str(r, path, buf, sizeof(buf)) <= 0)
                return 0;
        char *end;
        unsigned long v = strtoul(buf, &end, 10);
        if (*end == 'M')
                v *= 1024;
        return v;
}

int topo_read(const struct pgs_root *r, struct topo *ret, char *msg, size_t msgsize)
{
        struct cpuset online, atom = { 0 }, seen = { 0 };
        char p[256];
        int k = read_set(r, C "/online", &online);
        if (k < 0) {
                snprintf(msg, msgsize, "/%s/online: %s", C, strerror(-k));
                return k;
        }
        bool hybrid = read_set(r, "sys/devices/cpu_atom/cpus", &atom) == 0 && !cpuset_empty(&atom);
        struct topo *t = calloc(1, sizeof(*t));
        if (!t)
                return -ENOMEM;
        t->hybrid = hybrid;
        for (unsigned cpu = 0; cpu < CPU_MAX; cpu++) {
                if (!cpuset_has(&online, cpu))
                        continue;
                t->n_cpus++;
                if (cpuset_has(&seen, cpu))
                        continue;
                struct cpuset sib = { 0 }, l3 = { 0 };
                k = read_set(r, path_fmt(p, sizeof(p), C "/cpu%u/topology/thread_siblings_list", cpu), &sib);
                if (k < 0) {
                        snprintf(msg, msgsize, "/%s: %s", p, strerror(-k));
                        free(t);
                        return k;
                }
                if (t->n_cores == TOPO_MAX_CPUS) {
                        snprintf(msg, msgsize, "more than %d cores", TOPO_MAX_CPUS);
                        free(t);
                        return -E2BIG;
                }
                struct topo_core *c = &t->core[t->n_cores++];
                for (unsigned s = 0; s < CPU_MAX && c->n < 4; s++)
                        if (cpuset_has(&sib, s) && cpuset_has(&online, s)) {
                                c->cpus[c->n++] = s;
                                seen.bits[s / 64] |= 1ULL << (s % 64);
                        }
                if (!c->n || c->cpus[0] != cpu)         /* siblings listed oddly: the CPU alone */
                        c->cpus[0] = cpu, c->n = 1;
                c->atom = hybrid && cpuset_has(&atom, cpu);
                /* its L3 domain, known by the domain's lowest CPU; no L3: one domain */
                unsigned first = 0;
                unsigned long kib = 0;
                if (read_set(r, path_fmt(p, sizeof(p), C "/cpu%u/cache/index3/shared_cpu_list", cpu), &l3) == 0) {
                        first = lowest(&l3);
                        kib = read_kib(r, path_fmt(p, sizeof(p), C "/cpu%u/cache/index3/size", cpu));
                }
                unsigned d = 0;
                while (d < t->n_l3 && t->l3[d].first != first)
                        d++;
                if (d == t->n_l3 && d < sizeof(t->l3) / sizeof(t->l3[0])) {
                        t->l3[d].first = first;
                        t->l3[d].kib = kib;
                        t->n_l3++;
                }
                c->l3 = (int)(d < t->n_l3 ? d : 0);
                if (c->atom && cpuset_empty(&t->ecluster)
                    && read_set(r, path_fmt(p, sizeof(p), C "/cpu%u/cache/index2/shared_cpu_list", cpu), &t->ecluster) < 0)
                        memset(&t->ecluster, 0, sizeof(t->ecluster)), t->ecluster.bits[cpu / 64] |= 1ULL << (cpu % 64);
        }
        if (!t->n_cores) {
                snprintf(msg, msgsize, "/%s/online lists no CPU", C);
                free(t);
                return -ENOENT;
        }
        memcpy(ret, t, sizeof(*t));
        free(t);
        return 0;
}

static void set_core(struct cpuset *s, const struct topo_core *c)
{
        for (unsigned i = 0; i < c->n; i++)
                s->bits[c->cpus[i] / 64] |= 1ULL << (c->cpus[i] % 64);
}

int topo_plan(const struct topo *t, unsigned want, struct pin *ret, char *msg, size_t msgsize)
{
        /* the guest's candidate cores, in the order they are given */
        unsigned cand[TOPO_MAX_CPUS];
        unsigned n = 0;
        struct pin p = { 0 };
        bool unequal = false;
        for (unsigned d = 1; d < t->n_l3; d++)
                unequal |= t->l3[d].kib != t->l3[0].kib;
        if (t->hybrid) {
                p.rule = "hybrid";
                for (unsigned i = 0; i < t->n_cores; i++)
                        if (!t->core[i].atom)
                                cand[n++] = i;
                p.housekeeping = t->ecluster;
        } else if (unequal) {
                p.rule = "x3d";
                unsigned big = 0;
                for (unsigned d = 1; d < t->n_l3; d++)
                        if (t->l3[d].kib > t->l3[big].kib)
                                big = d;
                bool hk = false;
                for (unsigned i = 0; i < t->n_cores; i++) {
                        if (t->core[i].l3 == (int)big)
                                cand[n++] = i;
                        else if (!hk) {
                                set_core(&p.housekeeping, &t->core[i]);
                                hk = true;
                        }
                }
        } else {
                p.rule = "default";
                set_core(&p.housekeeping, &t->core[0]);
                for (unsigned d = 0; d < t->n_l3; d++)
                        for (unsigned i = 1; i < t->n_cores; i++)
                                if (t->core[i].l3 == (int)d)
                                        cand[n++] = i;
        }
        if (!n) {
                snprintf(msg, msgsize, "this host has %u core%s: the host keeps one, so none is left for a guest",
                         t->n_cores, t->n_cores == 1 ? "" : "s");
                return -EINVAL;
        }
        p.threads = t->core[cand[0]].n;
        for (unsigned i = 1; i < n; i++)
                if (t->core[cand[i]].n < p.threads)
                        p.threads = t->core[cand[i]].n;
        if (p.threads == 1)
                snprintf(p.warning, sizeof(p.warning), "this host has no SMT (one thread per core): the guest gets threads='1'");
        unsigned max = n * p.threads, cores = n;
        if (want) {
                if (want % p.threads) {
                        snprintf(msg, msgsize, "--cpus %u: this host has %u threads per core and --cpus counts whole cores; "
                                 "give a multiple of %u (libvirt refuses a topology that does not multiply to the vCPU count)",
                                 want, p.threads, p.threads);
                        return -EINVAL;
                }
                if (want > max) {
                        snprintf(msg, msgsize, "--cpus %u: the guest can have at most %u (%s)", want, max,
                                 t->hybrid ? "the P-cores' threads; E-cores are the host's"
                                 : !strcmp(p.rule, "x3d") ? "the V-Cache CCD's threads" : "every core but the host's first");
                        return -EINVAL;
                }
                cores = want / p.threads;
        }
        for (unsigned i = 0; i < cores; i++)
                for (unsigned j = 0; j < p.threads; j++)
                        p.cpu[p.vcpus++] = t->core[cand[i]].cpus[j];
        p.cores = cores;
        *ret = p;
        return 0;
}
