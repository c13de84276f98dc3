/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cli/status.c — `pgs status`: what pgs-early did at boot, next to where each
 * of those devices is now. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/command.h"
#include "shared/host/pcinames.h"
#include "shared/earlystate.h"
#include "shared/pci.h"
#include "shared/log.h"
#include "shared/root.h"
#include "shared/sysroot.h"

static const char status_usage[] =
        "Usage: pgs status [--sysroot DIR] [--json]\n"
        "\n"
        "Show what pgs-early did at boot (/run/pgs/early): each device, what\n"
        "happened to it and why, and the driver it is on now.\n";

static void json_str(const char *s)
{
        putchar('"');
        for (; *s; s++) {
                unsigned char c = (unsigned char)*s;
                if (c == '"' || c == '\\')
                        printf("\\%c", c);
                else if (c < 0x20)
                        printf("\\u%04x", c);
                else
                        putchar(c);
        }
        putchar('"');
}

int cmd_status(int argc, char **argv)
{
        const char *sysroot = NULL;
        int json = 0;
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
                case 'j': json = 1; break;
                case 'h': fputs(status_usage, stdout); return PGS_EXIT_OK;
                default: fputs(status_usage, stderr); return PGS_EXIT_USAGE;
                }
        }
        struct pgs_root root;
        int rc = sysroot_open(&root, "pgs status", sysroot);
        if (rc)
                return rc;
        char *text = NULL;
        rc = fs_read_file(&root, EARLY_STATE_PATH, 1 << 20, &text, NULL);
        if (rc == -ENOENT) {
                if (json)
                        puts("{\"early\":null}");
                else
                        puts("pgs-early has not run since boot (no /run/pgs/early): is pgs in the initramfs? (pgs initramfs status)");
                root_close(&root);
                return PGS_EXIT_OK;
        }
        if (rc < 0) {
                log_stderr("pgs status", "/run/pgs/early: %s", strerror(-rc));
                root_close(&root);
                return PGS_EXIT_FAILED;
        }
        if (strncmp(text, EARLY_STATE_HEADER, strlen(EARLY_STATE_HEADER)) != 0) {
                log_stderr("pgs status", "/run/pgs/early: not a format this pgs knows (expected '# pgs-early 1')");
                free(text);
                root_close(&root);
                return PGS_EXIT_FAILED;
        }
        struct hpci names;
        hpci_open(&names, &root);
        if (json)
                fputs("{\"early\":[", stdout);
        else
                printf("%-13s %-8s %-14s %-14s %s\n", "DEVICE", "STATE", "DRIVER NOW", "AT BOOT", "WHY");
        int first = 1;
        unsigned trouble = 0;   /* devices refused or failed at boot: exit 2 */
        char *save, *line = strtok_r(text + strlen(EARLY_STATE_HEADER), "\n", &save);
        for (; line; line = strtok_r(NULL, "\n", &save)) {
                struct early_line el;
                if (early_line_parse(line, &el) < 0)
                        continue;
                const char *f[4] = { el.name, el.state, el.driver, el.why };
                char now[64];
                if (pci_dev_read_driver(&root, f[0], now, sizeof(now)) < 0 || !now[0])
                        strcpy(now, "-");
                if (!strcmp(f[1], "refused") || !strcmp(f[1], "failed"))
                        trouble++;
                if (json) {
                        printf("%s{\"device\":", first ? "" : ",");
                        json_str(f[0]);
                        fputs(",\"state\":", stdout);
                        json_str(f[1]);
                        fputs(",\"driver_at_boot\":", stdout);
                        json_str(f[2]);
                        fputs(",\"driver_now\":", stdout);
                        json_str(now);
                        fputs(",\"why\":", stdout);
                        json_str(f[3]);
                        /* the device's name from the root's pci.ids (libpci), null when unknown */
                        struct pci_addr a;
                        struct pci_dev ids = { 0 };
                        char name[512];
                        fputs(",\"name\":", stdout);
                        if (pci_addr_parse(f[0], &a) == 0 && pci_dev_read_ids(&root, f[0], &ids) == 0 &&
                            hpci_name(&names, ids.vendor, ids.device, name, sizeof(name)) == 0)
                                json_str(name);
                        else
                                fputs("null", stdout);
                        putchar('}');
                } else {
                        printf("%-13s %-8s %-14s %-14s %s\n", f[0], f[1], now, f[2], f[3]);
                }
                first = 0;
        }
        if (json)
                puts("]}");
        hpci_close(&names);
        free(text);
        root_close(&root);
        return trouble ? PGS_EXIT_PARTIAL : PGS_EXIT_OK;
}
