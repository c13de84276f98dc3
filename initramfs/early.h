/* SPDX-License-Identifier: GPL-2.0-or-later */
/* initramfs/early.h — what pgs-early decides and does.
 *
 *   early_load_config()  /proc/cmdline and /etc/pgs.conf (plan.c)
 *   early_plan()         reads the devices and decides: no output, no writes
 *                        (plan.c); what `pgs check` runs as a dry plan
 *   early_print_plan()   the --dry-run listing of those decisions (report.c)
 *   early_apply()        logs the plan's refusals, loads vfio-pci, binds, creates
 *                        VFs and binds them (apply.c)
 *   early_report()       writes /run/pgs/early (report.c) */
#pragma once
#include <stdbool.h>
#include <stdio.h>

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
        ST_PLAN_VFS,    /* planned: set a PF's VF count (vfs_want) and bind the VFs */
};

struct early_dev {
        struct pci_dev dev;
        enum early_state state;
        int sriov_item;         /* PF entries: index in conf.sriov; -1 otherwise */
        unsigned vfs_want;      /* ST_PLAN_VFS: the count asked for */
        char why[200];
};

/* A decision about a config item rather than a device (a typo, an id that
 * matches nothing, auto finding two boot GPUs) or a debug note. */
enum early_note_kind { NOTE_REFUSE, NOTE_DEBUG };
struct early_note {
        enum early_note_kind kind;
        int sriov_item;         /* -1: a bind item */
        char msg[256];
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
        struct early_note *notes;       /* item decisions and debug notes, in order */
        size_t n_notes, cap_notes;
        unsigned asked, done, failed;   /* for the exit code */
        unsigned missing;               /* items naming no device present */
        unsigned conf_errors;           /* config or command-line items that could not be used */
};


/* Read /proc/cmdline and /etc/pgs.conf into ctx->conf. Returns false when
 * pgs.off says to do nothing. */
bool early_load_config(struct early_ctx *c);
/* Decide: c->out and c->notes. Reads only; 0 or -errno when the PCI devices
 * cannot be listed. With c->sriov_only, only that PF's SR-IOV step. */
int early_plan(struct early_ctx *c);
/* The plan as --dry-run shows it, one line per decision. */
void early_print_plan(const struct early_ctx *c, FILE *f);
/* Carry the plan out (never after a dry run's plan). */
void early_apply(struct early_ctx *c);
/* /run/pgs/early: what this run did. */
int early_report(struct early_ctx *c);
int early_exit_code(const struct early_ctx *c);
void early_free(struct early_ctx *c);
const char *early_state_name(enum early_state s);

/* pgs-early's log lines (DEBUG only with pgs.debug) */
#define INFO(c, ...)  log_msg((c)->log, PGS_LOG_INFO, __VA_ARGS__)
#define WARN(c, ...)  log_msg((c)->log, PGS_LOG_WARNING, __VA_ARGS__)
#define ERR(c, ...)   log_msg((c)->log, PGS_LOG_ERR, __VA_ARGS__)
#define DEBUG(c, ...) do { if ((c)->debug) log_msg((c)->log, PGS_LOG_INFO, __VA_ARGS__); } while (0)

/* Between the files of pgs-early: plan.c keeps the lists and the device
 * cache, select.c decides the binding, sriov.c plans and applies SR-IOV,
 * bind.c applies, report.c prints and records. */
struct early_dev *early_out_add(struct early_ctx *c, const struct pci_dev *d);
void early_set(struct early_dev *e, enum early_state s, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void early_note(struct early_ctx *c, enum early_note_kind kind, int sriov_item, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
struct pci_dev *early_dev_at(struct early_ctx *c, size_t i);            /* read lazily; NULL: gone */
struct pci_dev *early_find_dev(struct early_ctx *c, const struct pci_addr *a);
void early_select(struct early_ctx *c);
void early_plan_sriov(struct early_ctx *c);
int early_load_vfio(struct early_ctx *c);
void early_bind_one(struct early_ctx *c, struct early_dev *e, bool vfio_ok);
void early_apply_sriov_pf(struct early_ctx *c, size_t ei);
