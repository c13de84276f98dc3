/* SPDX-License-Identifier: GPL-2.0-or-later */
/* qemu-hook/isolate.c — <pgs:isolate/>: host work kept off the vCPUs' CPUs
 * (IRQ affinity, the unbound workqueue mask, top-level cgroup cpusets or
 * systemd's AllowedCPUs), as exclusion holds shared between domains. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qemu-hook/hook.h"
#include "shared/proc.h"
#include "shared/procscan.h"
#include "shared/strutil.h"

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

static bool proc_running(const struct pgs_root *r, const char *comm)
{
        return proc_each(r, comm_is, &(struct comm_match){ r, comm }) != 0;
}

/* Keep host work off the vCPUs' CPUs: every IRQ's affinity, the unbound
 * workqueue cpumask, and the cpusets of the top-level cgroups (all but
 * machine.slice, where libvirt runs the VMs) exclude them while the domain
 * runs. Shared between domains: each one's CPUs stay excluded until it goes. */
/* the CPUs the kernel may bring up (cpumask width) */
static unsigned possible_cpus(const struct pgs_root *r)
{
        char buf[1024];
        struct cpuset possible = { 0 };
        unsigned ncpus = 0;
        if (fs_read_str(r, "sys/devices/system/cpu/possible", buf, sizeof(buf)) >= 0 && cpulist_parse(buf, &possible) == 0)
                for (unsigned c = 0; c < CPU_MAX; c++)
                        if (cpuset_has(&possible, c))
                                ncpus = c + 1;
        return ncpus;
}

/* every IRQ's affinity off the guest's CPUs; managed IRQs refuse (skipped),
 * an IRQ bound to guest CPUs only is left where it is */
static int move_irqs(const struct hook *h, const struct cpuset *online, unsigned ncpus, int *irqs, int *managed)
{
        struct dirent **list;
        int rc = 0, n = fs_scandir(h->root, "proc/irq", &list, NULL, alphasort);
        for (int i = 0; i < n; i++) {
                char p[300];
                if (rc == 0 && list[i]->d_name[0] >= '0' && list[i]->d_name[0] <= '9' &&
                    path_fmt(p, sizeof(p), "proc/irq/%s/smp_affinity_list", list[i]->d_name) && fs_exists(h->root, p)) {
                        int e = journal_hold_exclude(h->j, p, &h->d->vcpus, online, false, ncpus);
                        if (e == -EIO || e == -EINVAL)
                                (*managed)++;
                        else if (e < 0 && e != -ENOSPC)
                                rc = e;
                        else if (e >= 0)
                                (*irqs)++;
                }
                free(list[i]);
        }
        if (n >= 0)
                free(list);
        return rc;
}

/* systemd owns the cgroups: ask it (AllowedCPUs), so it does not write them
 * back behind us; else every top-level cgroup but the VMs' own */
static int move_cgroups(const struct hook *h, const struct cpuset *online, unsigned ncpus, int *groups)
{
        const struct pgs_root *r = h->root;
        char buf[1024];
        int rc = 0;
        if (fs_exists(r, "run/systemd/system")) {
                static const char *const units[] = { "system.slice", "user.slice", "init.scope" };
                for (int i = 0; i < 3 && rc == 0; i++) {
                        char key[128];
                        snprintf(key, sizeof(key), "systemd:%s:AllowedCPUs", units[i]);
                        rc = journal_hold_exclude(h->j, key, &h->d->vcpus, online, false, ncpus);
                        if (rc == 0)
                                (*groups)++;
                        else
                                hook_say(h, "isolate: systemctl set-property %s AllowedCPUs: %s", units[i], strerror(-rc));
                }
                return rc;
        }
        if (fs_read_str(r, "sys/fs/cgroup/cgroup.subtree_control", buf, sizeof(buf)) < 0)
                return 0;
        if (!str_has_word(buf, "cpuset", " \n")) {
                hook_say(h, "isolate: the cpuset controller is not enabled in /sys/fs/cgroup; cgroups left alone");
                return 0;
        }
        struct dirent **list;
        int n = fs_scandir(r, "sys/fs/cgroup", &list, NULL, alphasort);
        for (int i = 0; i < n; i++) {
                char p[300];
                const char *g = list[i]->d_name;
                if (rc == 0 && g[0] != '.' && strcmp(g, "machine.slice") && strcmp(g, "machine") &&
                    path_fmt(p, sizeof(p), "sys/fs/cgroup/%s/cpuset.cpus", g) && fs_exists(r, p)) {
                        rc = journal_hold_exclude(h->j, p, &h->d->vcpus, online, false, ncpus);
                        if (rc == 0)
                                (*groups)++;
                        else
                                hook_say(h, "isolate: /%s: %s", p, strerror(-rc));
                }
                free(list[i]);
        }
        if (n >= 0)
                free(list);
        return rc;
}

int isolate_prepare(const struct hook *h)
{
        const struct pgs_root *r = h->root;
        const struct domain *d = h->d;
        if (cpuset_empty(&d->vcpus)) {
                hook_say(h, "isolate: the domain pins no vCPUs (<cputune><vcpupin>); nothing to isolate");
                return 0;
        }
        char buf[1024];
        struct cpuset online = { 0 }, host;
        if (fs_read_str(r, "sys/devices/system/cpu/online", buf, sizeof(buf)) < 0 || cpulist_parse(buf, &online) < 0) {
                hook_say(h, "isolate: cannot read /sys/devices/system/cpu/online");
                return -EIO;
        }
        unsigned ncpus = possible_cpus(r);
        host = online;
        cpuset_andnot(&host, &d->vcpus);
        if (cpuset_empty(&host)) {
                hook_say(h, "isolate: the vCPUs are pinned to every online CPU (%s); none would be left for the host",  buf);
                return -EINVAL;
        }
        int irqs = 0, managed = 0, groups = 0;
        int rc = move_irqs(h, &online, ncpus, &irqs, &managed);
        if (rc == 0 && fs_exists(r, "sys/devices/virtual/workqueue/cpumask"))
                rc = journal_hold_exclude(h->j, "sys/devices/virtual/workqueue/cpumask", &d->vcpus, &online, true, ncpus);
        if (rc == 0)
                rc = move_cgroups(h, &online, ncpus, &groups);
        if (rc < 0)
                return rc;
        char hl[256];
        cpulist_format(&host, hl, sizeof(hl));
        hook_say(h, "isolate: host work on CPUs %s: %d IRQs moved (%d managed ones skipped), %d cgroups", hl, irqs, managed, groups);
        if (proc_running(r, "irqbalance"))
                hook_say(h, "isolate: warning: irqbalance is running and will rewrite IRQ masks; stop it while the VM runs, or ban these CPUs (IRQBALANCE_BANNED_CPULIST)");
        return 0;
}

/* "systemd:UNIT:PROPERTY": read with `systemctl show -p PROPERTY --value
 * UNIT`, set with `systemctl set-property --runtime UNIT PROPERTY=VALUE`
 * (systemctl taken from the root under --sysroot, a stand-in in tests) */
static const char *sysroot_of(const struct pgs_root *r)
{
        return strcmp(r->dir, "/") ? r->dir : NULL;
}

static int systemd_prop(const struct pgs_root *r, const char *key, char *unit, size_t usize, char *prop, size_t psize, char *prog,
                        size_t prsize)
{
        const char *u = key + 8, *c = strchr(u, ':');
        if (strncmp(key, "systemd:", 8) || !c || (size_t)(c - u) >= usize || strlen(c + 1) >= psize || strchr(u, '/'))
                return -EINVAL;
        snprintf(unit, usize, "%.*s", (int)(c - u), u);
        snprintf(prop, psize, "%s", c + 1);
        if (!prog_find(r, sysroot_of(r), "systemctl", prog, prsize))
                return -ENOENT;
        return 0;
}

int systemd_prop_read(const struct pgs_root *r, const char *key, char *buf, size_t size)
{
        char unit[128], prop[64], prog[512];
        int rc = systemd_prop(r, key, unit, sizeof(unit), prop, sizeof(prop), prog, sizeof(prog));
        if (rc < 0)
                return rc;
        char *argv[] = { prog, "show", "-p", prop, "--value", unit, NULL };
        rc = run_capture(argv, sysroot_of(r), 10000, buf, size);
        return rc == 0 ? (int)strlen(buf) : rc < 0 ? rc : -EIO;
}

int systemd_prop_write(const struct pgs_root *r, const char *key, const char *value)
{
        char unit[128], prop[64], prog[512], arg[1200];
        int rc = systemd_prop(r, key, unit, sizeof(unit), prop, sizeof(prop), prog, sizeof(prog));
        if (rc < 0)
                return rc;
        snprintf(arg, sizeof(arg), "%s=%s", prop, value);
        char *argv[] = { prog, "set-property", "--runtime", unit, arg, NULL };
        rc = run_prog(argv, NULL, sysroot_of(r), 10000);
        return rc == 0 ? 0 : rc < 0 ? rc : -EIO;
}
