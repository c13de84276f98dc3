/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vm/installcmd.h — pgs vm install's own parts: the options (vm/install.c)
 * and the answer ISO (vm/answeriso.c). */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "vm/install.h"

#define INSTALL_MAX_DRIVERS 8

struct install_opts {
        const char *name, *iso, *virtio_iso, *edition, *user, *password_file, *language;
        const char *drivers[INSTALL_MAX_DRIVERS];     /* as given */
        const char *driver_names[INSTALL_MAX_DRIVERS + 1];    /* their base names */
        unsigned n_drivers;
        bool erase_disk, dry_run, print_answer;
        unsigned timeout_min, key_seconds;
        const char *sysroot, *domain_xml;
};

/* rel (a path under the root) as the host sees it: what libvirt and xorriso
 * are given */
const char *host_path(const struct install_opts *io, const char *rel, char *buf, size_t size);
/* the Windows ISO's language; says why not */
int iso_language(const char *iso, char out[WIN_LANG_MAX]);
/* locales, keyboard, time zone from the host */
void answer_host(const struct pgs_root *r, struct answer *a);
/* write the answer ISO to out_rel (under the root), 0600 */
int answer_iso(const struct pgs_root *r, const struct install_opts *io, const struct answer *a, const char *out_rel);

/* steps 2–5 of vm/install.c's list: libvirt, the key press, the waits */
struct _virConnect;
struct _virDomain;
int vm_install_run(struct _virConnect *c, struct _virDomain *d, const struct install_opts *io, const char *final_xml,
                   const char *install_xml, const char *answer_rel, const struct pgs_root *r);
/* pgs vm install (argv[0] is "install") */
int vm_install(int argc, char **argv);
