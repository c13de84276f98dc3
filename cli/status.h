/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cli/status.h — the parts of `pgs status`: what pgs-early did (status.c)
 * and what the hook holds for each VM (statusvm.c). */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "shared/host/pcinames.h"
#include "shared/root.h"

/* A device's name from the root's pci.ids into buf, NULL when unknown. */
const char *status_dev_name(const struct pgs_root *r, struct hpci *names, const char *addr, char *buf, size_t size);

/* Each domain journal under run/pgs, summed up (text, or a ,"vms":… member).
 * Returns how many were shown, -EACCES when some could not be read as this
 * user, or -errno when run/pgs cannot be listed. */
int status_vms(const struct pgs_root *r, struct hpci *names, bool json);
