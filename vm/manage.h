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

/* a file the user names, as the shell sees it (relative to where they are,
 * never under --sysroot): read whole, up to max bytes (-EFBIG past it),
 * NUL-terminated; -errno (vm/firmware.c) */
int vm_read_user_file(const char *file, size_t max, unsigned char **ret, size_t *ret_len);

/* what create writes beside the domain (vm/firmware.c): the ROM and battery
 * table under VM_FIRMWARE_DIR, the Looking Glass tmpfiles.d rule (applied at
 * once), the AppArmor local rule */
struct vm_files {
        char user[40];          /* Looking Glass's user */
        char tmpfiles[128];     /* etc/tmpfiles.d/pgs-vm-NAME.conf, or "" */
        bool aa_firmware, aa_shm;       /* rules the AppArmor local file lacks */
        char written[4][300];   /* what vm_files_write wrote, for undo and the record */
        unsigned n_written;
        bool shm_made, aa_done;
        char *aa_old;           /* the AppArmor local file before (NULL: none) */
        size_t aa_old_len;
};
/* the plan (refused with msg: the Looking Glass user or group kvm missing) */
int vm_files_plan(const struct pgs_root *r, const struct vm_spec *s, struct vm_files *f, char *msg, size_t msgsize);
void vm_files_print(const struct vm_spec *s, const struct vm_files *f);
/* write them; on failure (said why) what was written is taken back */
int vm_files_write(const struct pgs_root *r, const struct vm_spec *s, struct vm_files *f);
/* take back what vm_files_write did (libvirt refused the domain) */
void vm_files_undo(const struct pgs_root *r, struct vm_files *f);
void vm_files_free(struct vm_files *f);
/* "file PATH" lines in the record, for remove */
int vm_files_record(const struct pgs_root *r, const char *name, const struct vm_files *f);
