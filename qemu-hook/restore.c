/* SPDX-License-Identifier: GPL-2.0-or-later */
/* qemu-hook/restore.c — `pgs restore [DOMAIN]`: undo what pgs-qemu-hook left
 * behind when libvirtd crashed or the hook was killed before release. Never
 * while that domain's QEMU still runs: libvirt reconnects to running guests
 * and will call release itself. */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>

#include "qemu-hook/hook.h"
#include "shared/command.h"
#include "shared/journal.h"
#include "shared/procscan.h"
#include "shared/log.h"
#include "shared/root.h"
#include "shared/sysroot.h"

/* is pid a QEMU? its executable is a QEMU binary (qemu-system-*, qemu-kvm) */
static bool is_qemu(const struct pgs_root *r, const char *pid)
{
        char p[300], exe[512];
        snprintf(p, sizeof(p), "proc/%s/exe", pid);
        if (fs_readlink(r, p, exe, sizeof(exe)) < 0)
                return false;
        const char *b = strrchr(exe, '/');
        b = b ? b + 1 : exe;
        return !strncmp(b, "qemu-system-", 12) || !strncmp(b, "qemu-kvm", 8);
}

/* libvirt's pid file for the domain names a live QEMU */
static long pidfile_qemu(const struct pgs_root *r, const char *name)
{
        char p[512], buf[32];
        uint64_t pid;
        if (!name[0] || strchr(name, '/'))
                return 0;
        snprintf(p, sizeof(p), "run/libvirt/qemu/%s.pid", name);
        if (fs_read_str(r, p, buf, sizeof(buf)) < 0 || parse_u64(buf, 10, &pid) < 0 || pid == 0 || pid > 1u << 22)
                return 0;
        snprintf(buf, sizeof(buf), "%llu", (unsigned long long)pid);
        return is_qemu(r, buf) ? (long)pid : 0;
}

/* The pid of the domain's running QEMU, or 0: a QEMU binary whose argv has
 * "-uuid" as an element followed by exactly UUID (any user can start a
 * `sleep` with "-uuid UUID" in its argv: that must not block a restore), or
 * the one libvirt's pid file names. */
struct qemu_find {
        const struct pgs_root *r;
        const char *uuid;
};

static int qemu_with_uuid(const char *pid, void *ud)
{
        struct qemu_find *q = ud;
        char p[300], *t;
        size_t len;
        snprintf(p, sizeof(p), "proc/%s/cmdline", pid);
        if (fs_read_file(q->r, p, 1 << 20, &t, &len) < 0)
                return 0;
        bool match = false;
        /* argv elements are NUL-separated: walk them whole */
        for (size_t k = 0; k < len && !match; k += strlen(t + k) + 1) {
                size_t l = strlen(t + k);
                match = !strcmp(t + k, "-uuid") && k + l + 1 < len && !strcmp(t + k + l + 1, q->uuid);
        }
        free(t);
        return match && is_qemu(q->r, pid) ? (int)strtol(pid, NULL, 10) : 0;
}

static long qemu_running(const struct pgs_root *r, const char *uuid, const char *name)
{
        long found = pidfile_qemu(r, name);
        return found ? found : proc_each(r, qemu_with_uuid, &(struct qemu_find){ r, uuid });
}

static void say(void *ud, const char *m)
{
        printf("  %s\n", m);
}

int cmd_restore(int argc, char **argv)
{
        static const struct option opts[] = {
                SYSROOT_OPTION, { "dry-run", no_argument, NULL, 'n' },
                { "help", no_argument, NULL, 'h' }, { 0 },
        };
        const char *sysroot = NULL;
        bool dry = false;
        int o;
        optind = 1;
        while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
                switch (o) {
                case 'r': sysroot = optarg; break;
                case 'n': dry = true; break;
                case 'h':
                        puts("Usage: pgs restore [DOMAIN|UUID] [--dry-run] [--sysroot DIR]\n\n"
                             "Undo what pgs-qemu-hook changed for domains that were never released\n"
                             "(libvirtd crashed, the hook was killed): hugepages, governors, EPP.\n"
                             "A domain whose QEMU still runs is left alone.");
                        return PGS_EXIT_OK;
                default:
                        fputs("Usage: pgs restore [DOMAIN|UUID] [--dry-run] [--sysroot DIR]\n", stderr);
                        return PGS_EXIT_USAGE;
                }
        }
        if (optind + 1 < argc) {
                log_stderr("pgs restore", "unexpected '%.64s': one domain at a time", argv[optind + 1]);
                return PGS_EXIT_USAGE;
        }
        const char *want = optind < argc ? argv[optind] : NULL;
        struct pgs_root root;
        if (sysroot_open(&root, "pgs restore", sysroot))
                return PGS_EXIT_USAGE;
        int lock = dry ? -1 : journal_lock(&root, 30000);
        if (!dry && lock < 0) {
                log_stderr("pgs restore", "cannot take /run/pgs/lock: %s",
                        lock == -EPERM ? "/run/pgs or /run/pgs/shared is a link, not ours, or writable by others; not trusting it"
                                       : strerror(-lock));
                return PGS_EXIT_FAILED;
        }
        struct dirent **list;
        int n = fs_scandir(&root, "run/pgs", &list, NULL, alphasort), found = 0, failed = 0, done = 0;
        for (int i = 0; i < n; i++) {
                const char *u = list[i]->d_name;
                char name[256] = "?";
                if (uuid_valid(u)) {
                        journal_name(&root, u, name, sizeof(name));
                        if (!want || !strcmp(want, u) || !strcmp(want, name)) {
                                found++;
                                long pid = qemu_running(&root, u, name);
                                if (pid) {
                                        log_stderr("pgs restore", "%s (%s): its QEMU is still running (pid %ld); libvirt releases it when it stops",
                                                name, u, pid);
                                        failed++;
                                } else if (dry) {
                                        printf("would restore %s (%s)\n", name, u);
                                } else {
                                        printf("restoring %s (%s)\n", name, u);
                                        int rc = journal_undo(&root, &hook_journal_ops, u, say, NULL);
                                        if (rc < 0) {
                                                log_stderr("pgs restore", "%s: %s; the journal stays", name, strerror(-rc));
                                                failed++;
                                        } else {
                                                printf("restored %s (%s)\n", name, u);
                                                done++;
                                        }
                                }
                        }
                }
                free(list[i]);
        }
        if (n >= 0)
                free(list);
        journal_unlock(lock);
        if (want && !found) {
                log_stderr("pgs restore", "no journal for '%.64s' in /run/pgs", want);
                return PGS_EXIT_FAILED;
        }
        if (!found)
                puts("pgs restore: nothing to restore");
        return failed ? (done ? PGS_EXIT_PARTIAL : PGS_EXIT_FAILED) : PGS_EXIT_OK;
}
