/* SPDX-License-Identifier: GPL-2.0-or-later */
/* shared/host/pcinames.c — see pcinames.h. */
#include "shared/host/pcinames.h"

#include <errno.h>
#include <pci/pci.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* libpci's default handlers print, and its error handler exits: a library
 * of ours does neither */
static void quiet(char *msg, ...)
{
        (void)msg;
}

int hpci_open(struct hpci *h, const struct pgs_root *r)
{
        static const char *const lists[] = { "usr/share/hwdata/pci.ids", "usr/share/misc/pci.ids" };
        h->pacc = NULL;
        for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
                if (!fs_exists(r, lists[i]))
                        continue;
                /* libpci keeps the pointer and reads the list at the first
                 * lookup: the path must outlive this call (it frees it) */
                char *path;
                if (asprintf(&path, "%s/%s", strcmp(r->dir, "/") ? r->dir : "", lists[i]) < 0)
                        return -ENOMEM;
                struct pci_access *a = pci_alloc();
                if (!a) {
                        free(path);
                        return -ENOMEM;
                }
                a->warning = quiet;
                a->debug = quiet;
                pci_set_name_list_path(a, path, 1);
                h->pacc = a;
                return 0;
        }
        return -ENOENT;
}

void hpci_close(struct hpci *h)
{
        if (h->pacc)
                pci_cleanup(h->pacc);
        h->pacc = NULL;
}

int hpci_name(struct hpci *h, uint16_t vendor, uint16_t device, char *buf, size_t size)
{
        buf[0] = '\0';
        if (!h->pacc)
                return -ENOENT;
        char v[256], d[256];
        int f = PCI_LOOKUP_NO_NUMBERS | PCI_LOOKUP_NO_HWDB;
        const char *vn = pci_lookup_name(h->pacc, v, sizeof(v), PCI_LOOKUP_VENDOR | f, vendor);
        const char *dn = pci_lookup_name(h->pacc, d, sizeof(d), PCI_LOOKUP_DEVICE | f, vendor, device);
        if (!vn)
                return -ENOENT;
        snprintf(buf, size, "%s%s%s", vn, dn ? " " : "", dn ? dn : "");
        return 0;
}
