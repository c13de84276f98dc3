/* SPDX-License-Identifier: GPL-2.0-or-later */
/* qemu-hook/front.c — pgs-qemu-hook, libvirt's /etc/libvirt/hooks/qemu.
 *
 * libvirt runs it for every domain event: argv = NAME OP SUBOP EXTRA (all
 * positional: a domain may be called --help), the live domain XML on stdin.
 * The common case is a domain pgs does not manage; this static front answers
 * it at the cost of starting a small static program, and hands only managed
 * domains (their XML carries urn:pgs:domain:1), or a release for which a
 * journal exists, to the libxml2-linked worker, pgs-qemu-hook-xml. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "shared/journal.h"
#include "shared/log.h"
#include "shared/pgsmeta.h"
#include "shared/root.h"

#ifndef PGS_LIBDIR
#define PGS_LIBDIR "/usr/lib/pgs"
#endif
#define XML_MAX (1024 * 1024)

static void die_msg(const char *msg)
{
        /* libvirt shows a failing hook's stderr in virsh start's error */
        log_stderr("pgs-qemu-hook", "%s", msg);
}

int main(int argc, char **argv)
{
        /* libvirt always passes four words: only a lone one is an option (a
         * domain may well be named --help) */
        if (argc == 2 && !strcmp(argv[1], "--version")) {
                puts("pgs-qemu-hook " PGS_VERSION);
                return 0;
        }
        if (argc == 2 && !strcmp(argv[1], "--help")) {
                puts("Usage: pgs-qemu-hook NAME OPERATION SUB-OPERATION EXTRA < domain.xml\n\n"
                     "libvirt's qemu hook (/etc/libvirt/hooks/qemu or qemu.d/pgs): on prepare it\n"
                     "applies what a domain's <pgs:vm> metadata asks for, on release it undoes it.\n"
                     "PGS_SYSROOT=DIR: work under DIR. See docs/hook.md; pgs setup installs it.");
                return 0;
        }
        if (argc < 3) {
                die_msg("usage: qemu NAME OPERATION SUB-OPERATION EXTRA (libvirt's hook protocol), domain XML on stdin");
                return 1;
        }
        const char *op = argv[2];
        static char xml[XML_MAX + 1];
        size_t len = 0;
        for (;;) {
                ssize_t n = read(0, xml + len, sizeof(xml) - len);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        die_msg("cannot read the domain XML on stdin");
                        return 1;
                }
                if (n == 0)
                        break;
                len += (size_t)n;
                if (len > XML_MAX) {
                        die_msg("domain XML over 1 MiB on stdin; refusing it, nothing changed");
                        return 1;
                }
        }
        bool setup = !strcmp(op, "prepare") || !strcmp(op, "start") || !strcmp(op, "started");
        bool teardown = !strcmp(op, "stopped") || !strcmp(op, "release");
        if (!setup && !teardown)
                return 0;
        if (setup && !memmem(xml, len, PGS_META_NS, sizeof(PGS_META_NS) - 1))
                return 0;       /* the common case: not a pgs domain */
        if (teardown) {
                /* release is driven by the journal for the domain's UUID */
                const char *u = memmem(xml, len, "<uuid>", 6);
                char uuid[37] = "";
                if (u && (size_t)(u - xml) + 6 + 36 <= len) {
                        memcpy(uuid, u + 6, 36);
                        uuid[36] = '\0';
                }
                struct pgs_root root;
                const char *sysroot = getenv("PGS_SYSROOT");
                if (!uuid_valid(uuid) || root_open(&root, sysroot) < 0 || !journal_exists(&root, uuid))
                        return 0;
        }
        /* hand the XML to the worker on its stdin */
        int fd = memfd_create("domain.xml", 0);
        if (fd < 0 || write(fd, xml, len) != (ssize_t)len || lseek(fd, 0, SEEK_SET) < 0 || dup2(fd, 0) < 0) {
                die_msg("cannot pass the domain XML on");
                return 1;
        }
        const char *worker = getenv("PGS_HOOK_WORKER");
        if (!worker)
                worker = PGS_LIBDIR "/pgs-qemu-hook-xml";
        argv[0] = (char *)worker;
        execv(worker, argv);
        log_stderr("pgs-qemu-hook", "cannot run %s: %s", worker, strerror(errno));
        return 1;
}
