/* SPDX-License-Identifier: GPL-2.0-or-later */
/* qemu-hook/hook.h — what the hook's features share.
 *
 * One file per feature (hugepages.c, cpufreq.c, isolate.c, mdev.c,
 * handover.c), each with its undo beside its action: a feature journals every
 * change before making it, through the generic hold records of
 * shared/journal.h or a journal kind of its own, listed in hook_journal_ops
 * (kinds.c) so that release and `pgs restore` can take it back. */
#pragma once
#include "qemu-hook/domain.h"
#include "shared/journal.h"
#include "shared/log.h"
#include "shared/root.h"

/* one managed domain's prepare */
struct hook {
        const struct pgs_root *root;
        struct journal *j;
        const struct domain *d;
        const struct pgs_log *log;
        int lockfd;             /* run/pgs/lock, which a forked helper must not keep */
        unsigned unbind_ms;     /* how long an unbind may take */
};

/* "NAME: message" to the hook's log (stderr, which virsh start shows) */
void hook_say(const struct hook *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Each returns 0, or -errno after saying why; what it changed is journaled. */
int hugepages_prepare(const struct hook *h);   /* <pgs:hugepages/> */
int governor_prepare(const struct hook *h);    /* <pgs:governor/> */
int isolate_prepare(const struct hook *h);     /* <pgs:isolate/> */
int mdev_prepare(const struct hook *h);        /* <hostdev type='mdev'> */
int handover_prepare(const struct hook *h);    /* <hostdev type='pci'>, <pgs:handover/> */

/* Undo of each feature's journal kind (lines "WORD ARGS"; see kinds.c) */
int pages_undo(const struct journal_step *s, const char *args);        /* pages PATH DELTA */
int pages_begin_undo(const struct journal_step *s, const char *args);  /* pages-begin PATH PREV */
int mdev_undo(const struct journal_step *s, const char *args);         /* mdev UUID */
int handover_undo(const struct journal_step *s, const char *args);     /* handover ADDR DRIVER OVERRIDE|- */

/* "systemd:UNIT:PROPERTY" values (isolate.c): systemctl show / set-property */
int systemd_prop_read(const struct pgs_root *r, const char *key, char *buf, size_t size);
int systemd_prop_write(const struct pgs_root *r, const char *key, const char *value);

/* the kinds and stores above, for journal_open/journal_undo */
extern const struct journal_ops hook_journal_ops;

/* setup.c, for pgs check: where pgs-qemu-hook is linked as libvirt's hook
 * ("etc/libvirt/hooks/qemu" or "etc/libvirt/hooks/qemu.d/pgs"), NULL when it
 * is not; the daemon that runs the hooks here ("virtqemud" or "libvirtd") */
const char *hook_installed_at(const struct pgs_root *r);
const char *hook_daemon_name(const struct pgs_root *r);
/* setup.c, for pgs setup (cli/setup.c): link the hook or, remove, take it
 * away; *changed says whether that was (in a dry run: would be) done.
 * PGS_EXIT_OK or PGS_EXIT_FAILED (said why). cmd_setup_hook is `pgs setup
 * hook [--remove] [--dry-run]`, argv[0] "hook". */
int hook_link(const struct pgs_root *r, bool remove, bool dry, bool *changed);
int cmd_setup_hook(int argc, char **argv);
