/* SPDX-License-Identifier: GPL-2.0-or-later */
/* initramfs/early.h — what pgs-early decides and does.
 *
 * early_plan() reads the devices and decides (pure reads); early_apply() binds
 * and creates VFs; early_report() writes /run/pgs/early. pgs check can call
 * early_plan() for a dry run of the same decisions. */
#pragma once
#include <stdbool.h>

#include "shared/command.h"
#include "shared/config.h"
#include "shared/log.h"
#include "shared/pci.h"
#include "shared/root.h"

enum early_state {
        ST_BIND,        /* planned: bind to vfio-pci */
        ST_BOUND,       /* done */
        ST_ALREADY,     /* was on vfio-pci already */
        ST_REFUSED,     /* policy: left to its host driver */
        ST_FAILED,      /* tried, did not work; left as it was */
        ST_VFS,         /* a PF whose VFs were set up */
        ST_WAITING,     /* a PF whose driver is not bound yet */
};

struct early_dev {
        struct pci_dev dev;
        enum early_state state;
        char why[200];
};

struct early_ctx {
        struct pgs_root *root;
        struct pgs_log *log;
        bool dry_run, debug;
        const char *sriov_only;         /* --sriov ADDR: this PF's step only */
        const char *modprobe;           /* program that loads vfio-pci */
        bool from_modprobe;             /* run by modprobe.d's install line for
                                         * vfio-pci: load it with --ignore-install */
        struct pgs_config conf;         /* effective: file + command line */

        struct pci_addr *addrs;         /* every PCI device's address, sorted */
        size_t n_addrs;
        struct pci_dev *devs;           /* devs[i] read lazily: a device is read
                                         * only when a decision needs it */
        unsigned char *loaded;          /* 1 read, 2 does not exist any more */
        struct early_dev *out;          /* every decision, in order */
        size_t n_out, cap_out;
        unsigned asked, done, failed;   /* for the exit code */
        unsigned missing;               /* items naming no device present */
        unsigned conf_errors;           /* config or command-line items that could not be used */
};


/* Read /proc/cmdline and /etc/pgs.conf into ctx->conf. Returns false when
 * pgs.off says to do nothing. */
bool early_load_config(struct early_ctx *c);
int early_run(struct early_ctx *c);       /* plan + apply (or print, dry run) */
int early_write_state(struct early_ctx *c);
int early_exit_code(const struct early_ctx *c);
void early_free(struct early_ctx *c);
const char *early_state_name(enum early_state s);
