/* SPDX-License-Identifier: GPL-2.0-or-later */
/* shared/host/pcinames.h — device names for people, from libpci and the
 * root's own pci.ids (usr/share/hwdata or usr/share/misc), never the running
 * host's udev hwdb: under --sysroot the names are the tree's, and do not
 * drift with the machine the tests run on. Host tier (dynamic programs). */
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "shared/root.h"

struct pci_access;

struct hpci {
        struct pci_access *pacc;        /* NULL: no pci.ids under the root */
};

int hpci_open(struct hpci *h, const struct pgs_root *r);
void hpci_close(struct hpci *h);
/* "Vendor Device" ("NVIDIA Corporation TU116M [GeForce GTX 1660 Ti Mobile]");
 * -ENOENT when the ids are not in the list (buf then empty). */
int hpci_name(struct hpci *h, uint16_t vendor, uint16_t device, char *buf, size_t size);
