/* SPDX-License-Identifier: GPL-2.0-or-later */
/* qemu-hook/worker.c — pgs-qemu-hook-xml, the part of the libvirt hook that
 * reads domain XML (libxml2) and tunes the host for a managed domain:
 *
 *   prepare begin   each feature the domain asks for, in order: hugepages,
 *                   governor, isolate, mdev, handover (one file each in
 *                   qemu-hook/). Done at prepare, before QEMU exists, so that
 *                   anything that cannot be had fails the start with pgs's
 *                   message, and one journal covers it all.
 *   release end     undo, newest first, exactly what this domain changed.
 *
 * Every change is journaled before it is made (shared/journal.c); a failing
 * prepare undoes what it did so far. Never calls libvirt; never sleeps to wait
 * for the kernel. Messages go to stderr, which virsh start shows. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "qemu-hook/hook.h"
#include "shared/strutil.h"

#define LOCK_TIMEOUT_MS 30000

struct report_to {
        const struct pgs_log *log;
        const char *name;
};

static void report(void *ud, const char *m)
{
        const struct report_to *t = ud;
        log_msg(t->log, PGS_LOG_INFO, "%s: %s", t->name, m);
}

int main(int argc, char **argv)
{
        struct pgs_log log;
        log_init_stderr(&log, "pgs-qemu-hook");
        if (argc < 3) {
                log_msg(&log, PGS_LOG_INFO, "run by pgs-qemu-hook only");
                return 1;
        }
        const char *name = argv[1], *op = argv[2], *sub = argc > 3 ? argv[3] : "-";
        static char xml[1024 * 1024 + 1];
        size_t len = 0;
        ssize_t n;
        while ((n = read(0, xml + len, sizeof(xml) - 1 - len)) > 0)
                len += (size_t)n;
        struct pgs_root root;
        const char *sysroot = getenv("PGS_SYSROOT");
        if (root_open(&root, sysroot) < 0) {
                log_msg(&log, PGS_LOG_INFO, "PGS_SYSROOT=%s: cannot open it", sysroot ? sysroot : "");
                return 1;
        }
        char sh[600];
        str_shown(name, strlen(name), sh, sizeof(sh));
        struct domain d;
        char err[512];
        if (domain_parse(xml, len, &d, err, sizeof(err)) < 0) {
                log_msg(&log, PGS_LOG_INFO, "%s: %s", sh, err);
                return 1;
        }
        if (!uuid_valid(d.uuid)) {
                log_msg(&log, PGS_LOG_INFO, "%s: the domain XML's <uuid> is not a UUID; nothing changed", sh);
                return 1;
        }
        /* the name is only ever shown, but a hostile one gets no further */
        bool bad_form = strlen(name) > 200;
        for (const char *s = name; *s; s++)
                if ((unsigned char)*s < 0x20 || *s == 0x7f || *s == '/')
                        bad_form = true;
        if (bad_form || strcmp(name, d.name) != 0) {
                log_msg(&log, PGS_LOG_INFO, "domain name '%.80s%s': %s; nothing changed", sh, strlen(sh) > 80 ? "..." : "",
                    bad_form ? "has '/', control characters or over 200 characters" : "does not match the XML's <name>");
                return 1;
        }
        /* how long an unbind may take (10 s; the tests make it short) */
        unsigned unbind_ms = 10000;
        const char *um = getenv("PGS_TEST_UNBIND_MS");
        uint64_t v;
        if (um && parse_u64(um, 10, &v) == 0 && v > 0 && v <= 60000)
                unbind_ms = (unsigned)v;
        struct report_to rep = { &log, sh };
        int lock = journal_lock(&root, LOCK_TIMEOUT_MS);
        if (lock < 0) {
                log_msg(&log, PGS_LOG_INFO, "%s: cannot take /run/pgs/lock: %s; nothing changed", sh,
                    lock == -EPERM ? "/run/pgs or /run/pgs/shared is a link, not ours, or writable by others; not trusting it"
                                   : strerror(-lock));
                return 1;
        }
        int rc = 0;
        if (!strcmp(op, "prepare") && !strcmp(sub, "begin") && d.managed) {
                struct journal j;
                struct hook h = { &root, &j, &d, &log, lock, unbind_ms };
                rc = journal_open(&j, &root, &hook_journal_ops, d.uuid, d.name);
                if (rc == 0 && d.want_hugepages && d.hugepages)
                        rc = hugepages_prepare(&h);
                if (rc == 0 && d.want_governor)
                        rc = governor_prepare(&h);
                if (rc == 0 && d.want_isolate)
                        rc = isolate_prepare(&h);
                if (rc == 0 && d.n_mdevs)
                        rc = mdev_prepare(&h);
                if (rc == 0 && d.n_pci)
                        rc = handover_prepare(&h);
                if (rc < 0) {
                        /* nothing half-done: what this prepare changed goes back */
                        journal_undo(&root, &hook_journal_ops, d.uuid, report, &rep);
                        log_msg(&log, PGS_LOG_INFO, "%s: prepare failed; everything pgs changed for it is back as it was", sh);
                }
        } else if (!strcmp(op, "release") && !strcmp(sub, "end")) {
                rc = journal_undo(&root, &hook_journal_ops, d.uuid, report, &rep);
                if (rc < 0)
                        log_msg(&log, PGS_LOG_INFO, "%s: release: some values could not be put back (%s); the journal /run/pgs/%s stays for pgs restore", sh,
                            strerror(-rc), d.uuid);
        }
        journal_unlock(lock);
        return rc < 0 ? 1 : 0;
}
