/* SPDX-License-Identifier: GPL-2.0-or-later */
/* installers/underminers.c — what `pgs initramfs status` warns about beside
 * the images: vfio-pci.ids= and vfio-pci options that grab every device with
 * an id, an install line that replaces loading vfio-pci, native GPU drivers
 * loaded early. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "installers/initramfs.h"
#include "shared/host/kmod.h"

static const char *const native[] = { "amdgpu", "radeon", "nouveau", "nvidia", "nvidia_drm", "nvidia-drm", "i915", "xe", NULL };

static void scan_words(struct ctx *c, const char *text, const char *what)
{
        for (int i = 0; native[i]; i++) {
                const char *p = text;
                size_t l = strlen(native[i]);
                while ((p = strstr(p, native[i]))) {
                        bool left = p == text || strchr(" \t\n(\"'=,", p[-1]);
                        bool right = !p[l] || strchr(" \t\n)\"',", p[l]);
                        if (left && right) {
                                printf("  note: %s loads %s early; pgs's modprobe.d softdep still runs pgs-early before it\n", what, native[i]);
                                break;
                        }
                        p += l;
                }
        }
}

/* modprobe.d as modprobe reads it (libkmod: every directory, tabs, the
 * file that wins): vfio-pci options with ids=, and an install line for
 * vfio-pci that would replace loading it */
static void report_modprobe_d(struct ctx *c)
{
        char kver[128] = "", v[1024], where[600];
        struct hkmod k;
        if (hkmod_running_kernel(&c->root, kver, sizeof(kver)) < 0 && hkmod_newest_kernel(&c->root, kver, sizeof(kver)) < 0)
                snprintf(kver, sizeof(kver), "none");
        if (hkmod_open(&k, &c->root, kver) < 0)
                return;
        if (hkmod_options(&k, "vfio-pci", v, sizeof(v)) == 0 && strstr(v, "ids=")) {
                if (hkmod_config_where(&k, "options", "vfio-pci", "ids=", where, sizeof(where)) < 0)
                        snprintf(where, sizeof(where), "modprobe.d");
                printf("  warning: %s: 'options vfio-pci %s' grabs every device with those ids; use [vfio] bind in /etc/pgs.conf instead\n",
                       where, v);
                c->warnings++;
        }
        if (hkmod_install(&k, "vfio-pci", v, sizeof(v)) == 0 && v[0] && !strstr(v, "pgs-early")) {
                if (hkmod_config_where(&k, "install", "vfio-pci", "", where, sizeof(where)) < 0)
                        snprintf(where, sizeof(where), "modprobe.d");
                printf("  warning: %s: 'install vfio-pci %s': modprobe runs that instead of loading vfio-pci, so nothing can use it\n", where, v);
                c->warnings++;
        }
        hkmod_close(&k);
}

void report_underminers(struct ctx *c)
{
        char buf[8192];
        if (fs_read_str(&c->root, "proc/cmdline", buf, sizeof(buf)) >= 0) {
                if (strstr(buf, "vfio-pci.ids=") || strstr(buf, "vfio_pci.ids=")) {
                        printf("  warning: vfio-pci.ids= on the kernel command line grabs every device with those ids (two identical GPUs: both); use [vfio] bind in /etc/pgs.conf instead\n");
                        c->warnings++;
                }
                char *p = strstr(buf, "rd.driver.pre=");
                if (p)
                        scan_words(c, p, "rd.driver.pre= on the kernel command line");
        }
        report_modprobe_d(c);
        const char *early[] = { "etc/mkinitcpio.conf", "etc/initramfs-tools/modules", "etc/dracut.conf", NULL };
        for (int i = 0; early[i]; i++) {
                char *t;
                size_t len;
                if (fs_read_file(&c->root, early[i], 1 << 20, &t, &len) < 0)
                        continue;
                char what[128];
                for (char *l = strtok(t, "\n"); l; l = strtok(NULL, "\n")) {
                        if (l[0] == '#')
                                continue;
                        if ((i == 0 && !strncmp(l, "MODULES=", 8)) || i == 1 ||
                            (i == 2 && (strstr(l, "force_drivers") || strstr(l, "add_drivers")))) {
                                snprintf(what, sizeof(what), "/%s", early[i]);
                                scan_words(c, l, what);
                        }
                }
                free(t);
        }
}
