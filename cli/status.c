/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cli/status.c — `pgs status`: what pgs-early did at boot, next to where each
 * of those devices is now. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/status.h"
#include "shared/alloc.h"
#include "shared/command.h"
#include "shared/host/pcinames.h"
#include "shared/earlystate.h"
#include "shared/pci.h"
#include "shared/log.h"
#include "shared/root.h"
#include "shared/strutil.h"
#include "shared/sysroot.h"

static const char status_usage[] =
        "Usage: pgs status [--sysroot DIR] [--json]\n"
        "\n"
        "Show what pgs-early did at boot (/run/pgs/early): each device, what\n"
        "happened to it and why, and the driver it is on now; then, for each VM\n"
        "the hook prepared (/run/pgs/<uuid>), the hugepages, CPUs, governors,\n"
        "mdevs and devices it holds. The journals are root's: another user is\n"
        "told what it cannot read. --json: {\"early\":[…]|null,\"vms\":[…]|null}.\n";

const char *status_dev_name(const struct pgs_root *r, struct hpci *names, const char *addr, char *buf, size_t size)
{
        struct pci_addr a;
        struct pci_dev ids = { 0 };
        if (pci_addr_parse(addr, &a) == 0 && pci_dev_read_ids(r, addr, &ids) == 0 &&
            hpci_name(names, ids.vendor, ids.device, buf, size) == 0)
                return buf;
        return NULL;
}

/* one device of /run/pgs/early, as a JSON object */
static void json_device(const struct pgs_root *root, struct hpci *names, const struct early_line *el, const char *now)
{
        fputs("{\"device\":", stdout);
        json_str(stdout, el->name);
        fputs(",\"state\":", stdout);
        json_str(stdout, el->state);
        fputs(",\"driver_at_boot\":", stdout);
        json_str(stdout, el->driver);
        fputs(",\"driver_now\":", stdout);
        json_str(stdout, now);
        fputs(",\"why\":", stdout);
        json_str(stdout, el->why);
        /* the device's name from the root's pci.ids (libpci), null when unknown */
        char name[512];
        fputs(",\"name\":", stdout);
        json_str(stdout, status_dev_name(root, names, el->name, name, sizeof(name)));
        putchar('}');
}

/* the devices of the record (after its header), as a table or a JSON
 * "early" member; returns how many were refused or failed at boot */
static unsigned print_devices(const struct pgs_root *root, struct hpci *names, char *body, bool json)
{
        if (json)
                fputs("\"early\":[", stdout);
        else
                printf("%-13s %-8s %-14s %-14s %s\n", "DEVICE", "STATE", "DRIVER NOW", "AT BOOT", "WHY");
        bool first = true;
        unsigned trouble = 0;
        char *save;
        for (char *line = strtok_r(body, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                struct early_line el;
                if (early_line_parse(line, &el) < 0)
                        continue;
                char now[64];
                if (pci_dev_read_driver(root, el.name, now, sizeof(now)) < 0 || !now[0])
                        strcpy(now, "-");
                if (!strcmp(el.state, "refused") || !strcmp(el.state, "failed"))
                        trouble++;
                if (json) {
                        fputs(first ? "" : ",", stdout);
                        json_device(root, names, &el, now);
                } else {
                        printf("%-13s %-8s %-14s %-14s %s\n", el.name, el.state, now, el.driver, el.why);
                }
                first = false;
        }
        if (json)
                putchar(']');
        return trouble;
}

/* what /run/pgs/early says, and the exit status */
static int early_part(const struct pgs_root *root, struct hpci *names, bool json)
{
        _cleanup_free_ char *text = NULL;
        int rc = fs_read_file(root, EARLY_STATE_PATH, 1 << 20, &text, NULL);
        if (rc == 0 && strncmp(text, EARLY_STATE_HEADER, strlen(EARLY_STATE_HEADER)) == 0)
                /* devices refused or failed at boot: exit 2 */
                return print_devices(root, names, text + strlen(EARLY_STATE_HEADER), json) ? PGS_EXIT_PARTIAL : PGS_EXIT_OK;
        if (json)
                fputs("\"early\":null", stdout);
        if (rc == -ENOENT) {
                if (!json)
                        puts("pgs-early has not run since boot (no /run/pgs/early): is pgs in the initramfs? (pgs initramfs status)");
                return PGS_EXIT_OK;
        }
        if (rc == -EACCES)
                log_stderr("pgs status", "/run/pgs/early: this user may not read it; run pgs status as root");
        else if (rc < 0)
                log_stderr("pgs status", "/run/pgs/early: %s", strerror(-rc));
        else
                log_stderr("pgs status", "/run/pgs/early: not a format this pgs knows (expected '# pgs-early 1')");
        return PGS_EXIT_FAILED;
}

static int status(const struct pgs_root *root, bool json)
{
        struct hpci names;
        hpci_open(&names, root);
        if (json)
                putchar('{');
        int rc = early_part(root, &names, json);
        int vms = status_vms(root, &names, json);
        if (json)
                puts("}");
        else if (vms == 0)
                puts("\nNo VM holds anything through the hook (no journal under /run/pgs).");
        if (vms == -EACCES)
                log_stderr("pgs status", "/run/pgs: the hook's journals are root's (mode 0600); run pgs status as root to see what each VM holds");
        else if (vms < 0)
                log_stderr("pgs status", "/run/pgs: %s", strerror(-vms));
        hpci_close(&names);
        return rc;
}

int cmd_status(int argc, char **argv)
{
        const char *sysroot = NULL;
        bool json = false;
        static const struct option opts[] = {
                SYSROOT_OPTION,
                { "json", no_argument, NULL, 'j' },
                { "help", no_argument, NULL, 'h' },
                { 0 },
        };
        int o;
        optind = 1;
        while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
                switch (o) {
                case 'r': sysroot = optarg; break;
                case 'j': json = true; break;
                case 'h': fputs(status_usage, stdout); return PGS_EXIT_OK;
                default: fputs(status_usage, stderr); return PGS_EXIT_USAGE;
                }
        }
        struct pgs_root root;
        int rc = sysroot_open(&root, "pgs status", sysroot);
        if (rc)
                return rc;
        rc = status(&root, json);
        root_close(&root);
        return rc;
}
