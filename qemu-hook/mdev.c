/* SPDX-License-Identifier: GPL-2.0-or-later */
/* qemu-hook/mdev.c — GVT-g: each <hostdev type='mdev'> UUID created on the
 * iGPU at prepare (journal kind "mdev UUID"), removed at release. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qemu-hook/hook.h"

/* the size a GVT-g type gives (low + high graphics memory, from its description) */
static unsigned long mdev_type_size(const struct pgs_root *r, const char *typedir)
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
int mdev_prepare(const struct hook *h)
{
        const struct pgs_root *r = h->root;
        const struct domain *d = h->d;
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
                hook_say(h, "mdev: no device offers mediated types (GVT-g needs i915.enable_gvt=1 and kvmgt loaded: pgs boot apply --mode gvtg)");
                return -ENODEV;
        }
        for (size_t k = 0; k < d->n_mdevs; k++) {
                const char *u = d->mdevs[k];
                char p[400], best[300] = "";
                if (!uuid_valid(u)) {
                        hook_say(h, "mdev: '%s' is not a UUID", u);
                        return -EINVAL;
                }
                snprintf(p, sizeof(p), "sys/bus/mdev/devices/%s", u);
                if (fs_exists(r, p)) {
                        hook_say(h, "mdev %s exists already; using it",  u);
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
                        hook_say(h, "mdev: %s offers no instance of %s; is another VM using them?",  parent,
                            d->mdev_type[0] ? d->mdev_type : "any type");
                        return -ENOSPC;
                }
                int rc = journal_append(h->j, "mdev %s\n", u);
                snprintf(p, sizeof(p), "sys/bus/pci/devices/%s/mdev_supported_types/%s/create", parent, best);
                if (rc == 0)
                        rc = fs_write_str(r, p, u);
                snprintf(p, sizeof(p), "sys/bus/mdev/devices/%s", u);
                if (rc == 0 && !fs_exists(r, p))
                        rc = -EIO;
                if (rc < 0) {
                        hook_say(h, "mdev: creating %s (%s) on %s failed: %s", u, best, parent, strerror(-rc));
                        return rc;
                }
                hook_say(h, "mdev %s created (%s on %s)", u, best, parent);
        }
        return 0;
}

/* mdev UUID: remove it if it still exists */
int mdev_undo(const struct journal_step *s, const char *args)
{
        char u[40], p[128];
        if (sscanf(args, "%39s", u) != 1 || !uuid_valid(u))
                return 0;
        snprintf(p, sizeof(p), "sys/bus/mdev/devices/%s/remove", u);
        if (!fs_exists(s->root, p))
                return 0;
        int rc = fs_write_str(s->root, p, "1");
        journal_say(s, rc == 0 ? "mdev %s: removed" : "mdev %s: could not remove it", u);
        return rc;
}
