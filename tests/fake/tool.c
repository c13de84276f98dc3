/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tests/fake/tool.c — builds fake sysfs trees and plays the kernel's part
 * from the outside. Called as "modprobe" (a symlink), it loads a driver from
 * the fake module catalogue of $PGS_FAKE_ROOT, as the initramfs's modprobe
 * would on a real kernel.
 *
 *   fakesys init ROOT
 *   fakesys add ROOT ADDR VID:DID CLASS [group=N|none] [driver=NAME] [boot_vga=0|1] [sriov=TOTAL:VFDID]
 *                                         [parent=BRIDGE] (nested in the bridge's directory, as behind a real one)
 *   fakesys module ROOT NAME [VID:DID...]   a loadable driver and the ids it matches
 *   fakesys load ROOT NAME                  load it now (binds what it matches)
 *   fakesys write ROOT PATH VALUE           a write as the kernel answers it
 *   fakesys bench ROOT N                    N filler devices (NICs, bridges, ...)
 *   fakesys hugepages ROOT KIB NR CAP BONUS USED [unmounted]
 *   fakesys cpufreq ROOT NCPUS PER_POLICY GOVERNOR DRIVER [epp] */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/fake/fakesys.h"

static int modprobe_main(int argc, char **argv)
{
        const char *root = getenv("PGS_FAKE_ROOT");
        char rp[PATH_MAX];
        if (!root || !realpath(root, rp)) {
                fprintf(stderr, "modprobe (fake): PGS_FAKE_ROOT is not set\n");
                return 1;
        }
        int rc = 0;
        /* as strict as kmod's modprobe for the forms pgs uses: -q, --ignore-install
         * and module names; any other option is refused as the real one does */
        for (int i = 1; i < argc; i++)
                if (argv[i][0] == '-' && strcmp(argv[i], "-q") && strcmp(argv[i], "--ignore-install")) {
                        fprintf(stderr, "modprobe: unrecognized option '%s'\n", argv[i]);
                        return 1;
                }
        for (int i = 1; i < argc; i++) {
                if (argv[i][0] == '-')
                        continue;
                char log[PATH_MAX + 32];
                snprintf(log, sizeof(log), "%s/.fake/modprobe.log", rp);
                FILE *f = fopen(log, "a");
                if (f) {
                        fprintf(f, "%s\n", argv[i]);
                        fclose(f);
                }
                if (fake_load_driver(rp, argv[i]) < 0) {
                        fprintf(stderr, "modprobe: FATAL: Module %s not found\n", argv[i]);
                        rc = 1;
                }
        }
        return rc;
}

int main(int argc, char **argv)
{
        const char *me = strrchr(argv[0], '/');
        me = me ? me + 1 : argv[0];
        if (!strcmp(me, "modprobe"))
                return modprobe_main(argc, argv);
        if (argc < 3) {
                fprintf(stderr, "usage: fakesys init|add|module|load|write|bench ROOT ...\n");
                return 2;
        }
        char root[PATH_MAX];
        if (!strcmp(argv[1], "init")) {
                char cmd[PATH_MAX + 16];
                snprintf(cmd, sizeof(cmd), "%s", argv[2]);
                fake_init(argv[2]);
                if (!realpath(argv[2], root))
                        return 1;
                return 0;
        }
        if (!realpath(argv[2], root)) {
                perror(argv[2]);
                return 2;
        }
        int rc = 0;
        if (!strcmp(argv[1], "add") && argc >= 6)
                rc = fake_add_device(root, argv[3], argv[4], argv[5], argc - 6, argv + 6);
        else if (!strcmp(argv[1], "module") && argc >= 4)
                rc = fake_module_add(root, argv[3], argc - 4, argv + 4);
        else if (!strcmp(argv[1], "load") && argc == 4)
                rc = fake_load_driver(root, argv[3]);
        else if (!strcmp(argv[1], "write") && argc == 5) {
                ssize_t ret;
                char rel[PATH_MAX], full[PATH_MAX * 2];
                snprintf(full, sizeof(full), "%s/%s", root, argv[3]);
                if (!realpath(full, rel)) {
                        perror(argv[3]);
                        return 1;
                }
                if (fake_handle_write(root, rel + strlen(root) + 1, argv[4], strlen(argv[4]), &ret) && ret < 0) {
                        fprintf(stderr, "write %s: %s\n", argv[3], strerror((int)-ret));
                        return 1;
                }
        } else if (!strcmp(argv[1], "hugepages") && argc >= 8) {
                rc = fake_hugepages(root, strtoul(argv[3], NULL, 10), strtoul(argv[4], NULL, 10), strtoul(argv[5], NULL, 10),
                                    strtoul(argv[6], NULL, 10), strtoul(argv[7], NULL, 10), argc < 9 || strcmp(argv[8], "unmounted"));
        } else if (!strcmp(argv[1], "cpufreq") && argc >= 7) {
                rc = fake_cpufreq(root, (unsigned)atoi(argv[3]), (unsigned)atoi(argv[4]), argv[5], argv[6], argc > 7 && !strcmp(argv[7], "epp"));
        } else if (!strcmp(argv[1], "numa") && argc == 7) {
                rc = fake_numa_pool(root, (unsigned)atoi(argv[3]), strtoul(argv[4], NULL, 10), strtoul(argv[5], NULL, 10),
                                    strtoul(argv[6], NULL, 10));
        } else if (!strcmp(argv[1], "gvtg") && argc == 4) {
                rc = fake_gvtg(root, argv[3]);
        } else if (!strcmp(argv[1], "isolation") && argc == 5) {
                rc = fake_isolation(root, (unsigned)atoi(argv[3]), (unsigned)atoi(argv[4]));
        } else if (!strcmp(argv[1], "bench") && argc == 4) {
                int n = atoi(argv[3]);
                for (int i = 0; i < n && rc == 0; i++) {
                        char addr[32];
                        snprintf(addr, sizeof(addr), "0000:%02x:%02x.%x", 0x10 + i / 64, (i / 8) % 8, i % 8);
                        char *args[] = { "driver=e1000e" };
                        rc = fake_add_device(root, addr, "8086:10d3", i % 5 ? "0x020000" : "0x060400", i % 5 ? 1 : 0, args);
                }
        } else {
                fprintf(stderr, "fakesys: bad command or arguments\n");
                return 2;
        }
        if (rc < 0) {
                fprintf(stderr, "fakesys %s: %s\n", argv[1], strerror(-rc));
                return 1;
        }
        return 0;
}
