/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vm/manage.h — pgs vm's side that talks to libvirt (vm/manage.c). */
#pragma once
#include <stdbool.h>

#include "vm/vm.h"

struct create_flags {
        bool replace, print_xml, dry_run, tcg;
        const char *domcaps, *sysroot;
};

/* pgs vm create, the options parsed and checked for form */
int vm_create(struct vm_opts *o, const struct create_flags *fl);
/* pgs vm show|remove: argv[0] is the subcommand */
int vm_manage(int argc, char **argv);

/* qemu:///system, with libvirt's own error printing off; NULL after saying
 * why. lv_msg: libvirt's last error, for a message. */
struct _virConnect;
struct _virConnect *lv_open(void);
const char *lv_msg(void);

/* what pgs created for a domain, so remove takes back that and nothing else:
 * var/lib/pgs/vm/NAME, lines "image PATH" */
#define VM_RECORD_DIR "var/lib/pgs/vm"
/* add a line to that record */
struct pgs_root;
int vm_record_add(const struct pgs_root *r, const char *name, const char *line);
