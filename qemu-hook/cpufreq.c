/* SPDX-License-Identifier: GPL-2.0-or-later */
/* qemu-hook/cpufreq.c — <pgs:governor/>: the performance governor (and EPP)
 * on the cpufreq policies covering the vCPUs, held in the journal so that
 * two VMs share it and the original comes back with the last one. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qemu-hook/hook.h"
#include "shared/strutil.h"

int governor_prepare(const struct hook *h)
{
        const struct pgs_root *r = h->root;
        const struct domain *d = h->d;
        if (cpuset_empty(&d->vcpus)) {
                hook_say(h, "governor: the domain pins no vCPUs (<cputune><vcpupin>); left alone");
                return 0;
        }
        struct dirent **list;
        int n = fs_scandir(r, "sys/devices/system/cpu/cpufreq", &list, NULL, alphasort), rc = 0, done = 0;
        if (n < 0) {
                hook_say(h, "governor: no cpufreq on this machine; left alone");
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
                        if (cpuset_intersects(&pc, &d->vcpus) && fs_read_str(r, p, buf, sizeof(buf)) >= 0 && str_has_word(buf, "performance", " \n")) {
                                /* EPP first: under intel_pstate a performance governor refuses EPP writes */
                                snprintf(p, sizeof(p), "%s/energy_performance_available_preferences", base);
                                if (fs_read_str(r, p, buf, sizeof(buf)) >= 0 && str_has_word(buf, "performance", " \n")) {
                                        snprintf(p, sizeof(p), "%s/energy_performance_preference", base);
                                        int e = journal_hold_set(h->j, p, "performance");
                                        if (e < 0 && e != -EBUSY)
                                                rc = e;
                                }
                                snprintf(p, sizeof(p), "%s/scaling_governor", base);
                                if (rc == 0)
                                        rc = journal_hold_set(h->j, p, "performance");
                                if (rc < 0)
                                        hook_say(h, "governor: /%s: %s", p, strerror(-rc));
                                else
                                        done++;
                        }
                }
                free(list[i]);
        }
        free(list);
        if (rc == 0)
                hook_say(h, "governor: performance on %d cpufreq polic%s covering the vCPUs", done, done == 1 ? "y" : "ies");
        return rc;
}
