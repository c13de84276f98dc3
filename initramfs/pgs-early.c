/* SPDX-License-Identifier: GPL-2.0-or-later */
/* initramfs/pgs-early.c — main() of pgs-early, the static initramfs program.
 *
 * Runs before udev loads any GPU driver: binds the configured devices to
 * vfio-pci and creates SR-IOV VFs. It never stops a boot: every error is logged
 * to the kernel log and the next device is tried; it always returns. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "initramfs/early.h"
#include "shared/proc.h"
#include "shared/root.h"

#ifndef PGS_VERSION
#define PGS_VERSION "0"
#endif

static const char usage[] =
        "Usage: pgs-early [--sysroot DIR] [--dry-run] [--sriov ADDR] [--modprobe PROG] [--stderr]\n"
        "\n"
        "Bind the devices /etc/pgs.conf selects to vfio-pci before any host driver\n"
        "takes them, and create the SR-IOV virtual functions it asks for.\n"
        "Runs in the initramfs before udev; the kernel command line can override it:\n"
        "pgs.off, pgs.bind=LIST, pgs.vfs=ADDR=N[,...], pgs.debug.\n"
        "\n"
        "  --dry-run       print what would be bound, created and refused, and why;\n"
        "                  change nothing (check a config before rebooting)\n"
        "  --sriov ADDR    only the SR-IOV step of this PF (the udev rule's call\n"
        "                  when a driver binds to it)\n"
        "  --sysroot DIR   take every path (/sys, /proc, /etc, /run, /dev) under DIR\n"
        "  --modprobe PROG program that loads vfio-pci (default: modprobe from PATH)\n"
        "  --from-modprobe run by a modprobe.d install line for vfio-pci: load it\n"
        "                  with 'modprobe --ignore-install'\n"
        "  --stderr        log to stderr as well as the kernel log\n"
        "  --help, --version\n"
        "\n"
        "Logs to the kernel log as 'pgs-early: ...'; writes /run/pgs/early.\n"
        "Exit status: 0 done (or nothing to do), 1 failed, 2 partly done,\n"
        "64 usage error.\n";

struct opts {
        const char *sysroot, *sriov, *modprobe;
        bool dry_run, to_stderr, from_modprobe;
};

/* -1 to go on, else the exit status */
static int parse_options(int argc, char **argv, struct opts *op, struct pgs_log *log)
{
        static const struct option opts[] = {
                { "sysroot", required_argument, NULL, 'r' }, { "dry-run", no_argument, NULL, 'n' },
                { "sriov", required_argument, NULL, 's' },   { "modprobe", required_argument, NULL, 'm' },
                { "stderr", no_argument, NULL, 'e' },         { "help", no_argument, NULL, 'h' },
                { "from-modprobe", no_argument, NULL, 'f' },
                { "version", no_argument, NULL, 'V' },       { 0 },
        };
        *op = (struct opts){ .modprobe = "modprobe" };
        int o;
        while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
                switch (o) {
                case 'r': op->sysroot = optarg; break;
                case 'n': op->dry_run = true; break;
                case 's': op->sriov = optarg; break;
                case 'm': op->modprobe = optarg; break;
                case 'e': op->to_stderr = true; break;
                case 'f': op->from_modprobe = true; break;
                case 'h': fputs(usage, stdout); return 0;
                case 'V': puts("pgs-early " PGS_VERSION); return 0;
                default: fputs(usage, stderr); return PGS_EXIT_USAGE;
                }
        }
        if (optind < argc) {
                log_msg(log, PGS_LOG_INFO, "unexpected argument '%s'", argv[optind]);
                fputs(usage, stderr);
                return PGS_EXIT_USAGE;
        }
        return -1;
}

/* plan, then print it (dry run) or carry it out and report it */
static void run(struct early_ctx *c)
{
        /* udev and modprobe.d may start several at once: one at a time, and
         * never wait longer than 20 s for the other */
        int lock = -1;
        if (!c->dry_run && (fs_exists(c->root, "run/pgs") || fs_mkdir_p(c->root, "run/pgs", 0755) == 0)) {
                lock = lock_open(c->root, "run/pgs/early.lock", 20000);
                if (lock == -ETIMEDOUT)
                        log_msg(c->log, PGS_LOG_WARNING, "another pgs-early holds /run/pgs/early.lock for 20 s; going on");
        }
        int rc = early_plan(c);
        if (rc < 0)
                log_msg(c->log, PGS_LOG_ERR, "cannot list PCI devices (/sys/bus/pci/devices): %s", strerror(-rc));
        else if (c->dry_run)
                early_print_plan(c, stdout);
        else
                early_apply(c);
        if (!c->dry_run && c->n_out > 0) {
                rc = early_report(c);
                if (rc < 0)
                        log_msg(c->log, PGS_LOG_WARNING, "cannot write /run/pgs/early: %s", strerror(-rc));
        }
        if (lock >= 0)
                close(lock);
}

int main(int argc, char **argv)
{
        struct pgs_log log;
        log_init_stderr(&log, "pgs-early");
        struct opts op;
        int rc = parse_options(argc, argv, &op, &log);
        if (rc >= 0)
                return rc;
        /* our own `modprobe vfio-pci` runs the modprobe.d install line, which
         * calls pgs-early --from-modprobe again: that one has nothing to do
         * (the trailing modprobe --ignore-install of the line loads vfio-pci) */
        if (op.from_modprobe && getenv("PGS_EARLY_RUNNING"))
                return PGS_EXIT_OK;
        setenv("PGS_EARLY_RUNNING", "1", 1);

        struct pci_addr a;
        /* udev passes %k: the kernel name, which for PCI is the full address */
        if (op.sriov && pci_addr_parse(op.sriov, &a) < 0) {
                log_msg(&log, PGS_LOG_ERR, "--sriov '%.64s': not a PCI address (DDDD:BB:SS.F)", op.sriov);
                return PGS_EXIT_USAGE;
        }
        struct pgs_root root;
        rc = root_open(&root, op.sysroot);
        if (rc < 0) {
                log_msg(&log, PGS_LOG_ERR, "--sysroot %s: %s", op.sysroot ? op.sysroot : "/", strerror(-rc));
                return PGS_EXIT_USAGE;
        }
        /* the kernel log when there is one; a dry run talks to the person */
        int kfd = op.dry_run ? -1 : root_openat(&root, "dev/kmsg", O_WRONLY | O_APPEND, 0);
        if (kfd >= 0) {
                log_init_kmsg(&log, "pgs-early", kfd);
                log.also_stderr = op.to_stderr;
        }
        char sriov_name[PCI_ADDR_STR];
        struct early_ctx c = {
                .root = &root,
                .log = &log,
                .dry_run = op.dry_run,
                .sriov_only = op.sriov ? pci_addr_fmt(&a, sriov_name) : NULL,
                .modprobe = op.modprobe,
                .from_modprobe = op.from_modprobe,
        };
        int code = PGS_EXIT_OK;
        if (early_load_config(&c)) {
                if (c.debug)
                        log.max_level = PGS_LOG_DEBUG;
                run(&c);
                code = early_exit_code(&c);
                early_free(&c);
        }
        root_close(&root);
        return code;
}
