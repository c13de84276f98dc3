/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vm/manage.c — pgs vm with libvirt: create (define), show, remove.
 *
 * libvirt calls: virConnectOpen("qemu:///system") (the hook runs only
 * there), virConnectGetDomainCapabilities, virDomainLookupByName,
 * virDomainDefineXMLFlags(VIR_DOMAIN_DEFINE_VALIDATE), virDomainUndefineFlags
 * (NVRAM, TPM state). A domain keeps its UUID across --replace: libvirt then
 * keeps its NVRAM and TPM state, and the hook's journal (/run/pgs/UUID)
 * stays the domain's. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "qemu-hook/domain.h"
#include "shared/command.h"
#include "shared/log.h"
#include "shared/sysroot.h"
#include "vm/manage.h"

#define ID "pgs vm"

static void quiet(void *ud, virErrorPtr e)
{
}

const char *lv_msg(void)
{
        const char *m = virGetLastErrorMessage();
        return m && *m ? m : "unknown libvirt error";
}

virConnectPtr lv_open(void)
{
        virSetErrorFunc(NULL, quiet);
        virConnectPtr c = virConnectOpen("qemu:///system");
        if (!c)
                log_stderr(ID, "cannot connect to libvirt (qemu:///system): %s; is libvirtd running, and are you root or in the libvirt group?", lv_msg());
        return c;
}

/* every PCI hostdev of the other defined domains: the VFs they hold */
static char **used_pci(virConnectPtr c, const char *except_uuid)
{
        virDomainPtr *doms = NULL;
        int n = virConnectListAllDomains(c, &doms, 0);
        size_t cap = 16, k = 0;
        char **out = calloc(cap, sizeof(*out));
        for (int i = 0; i < n; i++) {
                char u[VIR_UUID_STRING_BUFLEN] = "";
                virDomainGetUUIDString(doms[i], u);
                char *x = except_uuid && !strcmp(u, except_uuid) ? NULL : virDomainGetXMLDesc(doms[i], VIR_DOMAIN_XML_INACTIVE);
                struct domain *d = x ? calloc(1, sizeof(*d)) : NULL;
                char m[256];
                if (d && out && domain_parse(x, strlen(x), d, m, sizeof(m)) == 0)
                        for (size_t j = 0; j < d->n_pci; j++) {
                                if (k + 1 >= cap) {
                                        char **g = realloc(out, (cap *= 2) * sizeof(*out));
                                        if (!g)
                                                break;
                                        out = g;
                                }
                                out[k++] = strdup(d->pci[j].addr);
                                out[k] = NULL;
                        }
                free(d);
                free(x);
                virDomainFree(doms[i]);
        }
        free(doms);
        return out;
}

static bool net_default_active(virConnectPtr c)
{
        virNetworkPtr n = virNetworkLookupByName(c, "default");
        bool up = n && virNetworkIsActive(n) == 1;
        if (n)
                virNetworkFree(n);
        return up;
}

/* --domcaps FILE, up to 1 MiB */
static char *read_plain(const char *path)
{
        unsigned char *buf = NULL;
        size_t len;
        int k = vm_read_user_file(path, 1 << 20, &buf, &len);
        if (k < 0)
                log_stderr(ID, "--domcaps %s: %s", path, strerror(-k));
        return k < 0 ? NULL : (char *)buf;
}

int vm_record_add(const struct pgs_root *r, const char *name, const char *line)
{
        char p[256], *old = NULL, *text;
        size_t len = 0;
        path_fmt(p, sizeof(p), VM_RECORD_DIR "/%s", name);
        fs_read_file(r, p, 1 << 16, &old, &len);
        if (old) {
                /* once: --replace writes the same files again */
                size_t n = strlen(line);
                for (const char *q = old; q; q = strchr(q, '\n') ? strchr(q, '\n') + 1 : NULL)
                        if (!strncmp(q, line, n) && (q[n] == '\n' || !q[n])) {
                                free(old);
                                return 0;
                        }
        }
        if (asprintf(&text, "%s%s\n", old ? old : "", line) < 0)
                text = NULL;
        int k = text ? fs_write_file_atomic(r, p, text, strlen(text), 0600) : -ENOMEM;
        free(old);
        free(text);
        return k;
}

static int make_image(const struct pgs_root *r, const struct vm_opts *o)
{
        int fd = root_openat(r, o->image, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0) {
                log_stderr(ID, "--image %s: cannot create it: %s", o->image, strerror(-fd));
                return fd;
        }
        int k = ftruncate(fd, (off_t)(o->image_gib << 30)) < 0 ? -errno : 0;
        close(fd);
        if (k < 0) {
                log_stderr(ID, "--image %s: cannot size it to %llu GiB: %s", o->image, o->image_gib, strerror(-k));
                fs_unlink(r, o->image);
        }
        return k;
}

/* --image: an existing one is used as it is; a new one needs --size */
static int image_plan(const struct pgs_root *r, const struct vm_opts *o, bool *ret_make)
{
        bool exists = o->image && fs_exists(r, o->image);
        if (o->image && !exists && !o->image_gib) {
                log_stderr(ID, "--image %s does not exist; --size SIZE creates it; nothing defined", o->image);
                return -ENOENT;
        }
        if (exists && o->image_gib) {
                log_stderr(ID, "--image %s exists already and pgs never overwrites a disk: drop --size to use it; nothing defined", o->image);
                return -EEXIST;
        }
        *ret_make = o->image && !exists;
        return 0;
}

static void notes(const struct vm_spec *s)
{
        for (unsigned i = 0; i < s->n_notes; i++)
                log_stderr(ID, "note: %s", s->notes[i]);
}

static void summary(const struct vm_spec *s, const char *verb, const char *uuid)
{
        char hk[128], cpus[1024] = "";
        size_t n = 0;
        cpulist_format(&s->pin.housekeeping, hk, sizeof(hk));
        for (unsigned i = 0; i < s->pin.vcpus && n + 8 < sizeof(cpus); i++)
                n += (size_t)snprintf(cpus + n, sizeof(cpus) - n, "%s%u", i ? "," : "", s->pin.cpu[i]);
        printf("%s %s%s%s%s\n", verb, s->o->name, uuid ? " (" : "", uuid ? uuid : "", uuid ? ")" : "");
        printf("  vCPUs:  %u on host CPUs %s (1 socket, %u cores x %u threads; rule: %s); emulator and I/O on %s\n",
               s->pin.vcpus, cpus, s->pin.cores, s->pin.threads, s->pin.rule, hk[0] ? hk : "(any)");
        if (s->page_kib)
                printf("  memory: %llu MiB in %s pages (the hook reserves them at start)\n", s->memory_mib, s->page_kib == 2048 ? "2 MiB" : "1 GiB");
        else
                printf("  memory: %llu MiB\n", s->memory_mib);
        if (s->n_funcs) {
                char a[PCI_ADDR_STR];
                printf("  GPU:    ");
                for (unsigned i = 0; i < s->n_funcs; i++)
                        printf("%s%s", i ? ", " : "", pci_addr_fmt(&s->funcs[i], a));
                printf("\n");
        }
        if (s->mdev_uuid[0])
                printf("  GVT-g:  mdev %s on %s (the hook creates it at start)\n", s->mdev_uuid, s->gpu_name);
        printf("  firmware: OVMF, secure boot %s; TPM 2.0 %s\n", s->secure_boot ? "on" : "off", s->tpm ? "emulated (swtpm)" : "none");
        notes(s);
}

/* libvirt's capabilities: --domcaps FILE or the default set for --print-xml,
 * else libvirt's for KVM (QEMU's own when libvirt has no KVM, or --tcg) */
static int get_caps(virConnectPtr c, const struct create_flags *fl, struct caps *ret)
{
        char *capsxml = NULL, m[600];
        if (!c) {
                capsxml = fl->domcaps ? read_plain(fl->domcaps) : strdup(caps_default_xml);
        } else {
                if (!fl->tcg && !(capsxml = virConnectGetDomainCapabilities(c, NULL, "x86_64", "q35", "kvm", 0)))
                        log_stderr(ID, "note: libvirt offers no KVM domain here (%s): the domain is one QEMU emulates", lv_msg());
                if (!capsxml && !(capsxml = virConnectGetDomainCapabilities(c, NULL, "x86_64", "q35", "qemu", 0)))
                        log_stderr(ID, "libvirt gives no domain capabilities for q35 on x86_64: %s", lv_msg());
        }
        if (!capsxml)
                return -ENOENT;
        int k = caps_parse(capsxml, strlen(capsxml), ret, m, sizeof(m));
        free(capsxml);
        if (k < 0) {
                log_stderr(ID, "%s%s%s", fl->domcaps ? fl->domcaps : "", fl->domcaps ? ": " : "", m);
                return k;
        }
        if (fl->tcg)
                ret->kvm = false;
        return 0;
}

/* what libvirt knows that the domain depends on: a defined domain of that
 * name (refused, or its UUID kept with --replace), the VFs other domains
 * hold, the default network */
static int libvirt_context(virConnectPtr c, struct vm_opts *o, const struct create_flags *fl, char *uuid, char ***used)
{
        virDomainPtr d = virDomainLookupByName(c, o->name);
        if (d) {
                virDomainGetUUIDString(d, uuid);
                virDomainFree(d);
                if (!fl->replace) {
                        log_stderr(ID, "a domain named %s is defined already (%s); --replace redefines it, keeping its UUID, NVRAM and TPM state; nothing defined", o->name, uuid);
                        return -EEXIST;
                }
                o->uuid = uuid;
        }
        *used = used_pci(c, o->uuid);
        o->used_vfs = (const char *const *)*used;
        o->net_default = net_default_active(c);
        if (!o->net_default)
                log_stderr(ID, "note: libvirt's network 'default' is not defined and active: the domain gets no network (virsh net-start default; virsh net-autostart default, then pgs vm create --replace)");
        return 0;
}

/* the image, the files beside the domain, the domain: each taken back when
 * a later one fails */
static int define(virConnectPtr c, const struct pgs_root *r, const struct vm_spec *s, const char *xml, bool made, struct vm_files *files)
{
        const struct vm_opts *o = s->o;
        char uuid[VIR_UUID_STRING_BUFLEN] = "";
        int k;
        if (made && make_image(r, o) < 0)
                return PGS_EXIT_FAILED;
        if (vm_files_write(r, s, files) < 0) {
                log_stderr(ID, "nothing defined");
                if (made)
                        fs_unlink(r, o->image);
                return PGS_EXIT_FAILED;
        }
        virDomainPtr d = virDomainDefineXMLFlags(c, xml, VIR_DOMAIN_DEFINE_VALIDATE);
        if (!d) {
                log_stderr(ID, "libvirt refused the domain: %s; nothing defined", lv_msg());
                vm_files_undo(r, files);
                if (made)
                        fs_unlink(r, o->image);
                return PGS_EXIT_FAILED;
        }
        virDomainGetUUIDString(d, uuid);
        virDomainFree(d);
        if (made) {
                char line[4200];
                snprintf(line, sizeof(line), "image %s", o->image);
                if ((k = vm_record_add(r, o->name, line)) < 0)
                        log_stderr(ID, "cannot record that pgs created %s (%s): pgs vm remove will leave it", o->image, strerror(-k));
        }
        vm_files_record(r, o->name, files);
        summary(s, o->uuid ? "redefined" : "defined", uuid);
        for (unsigned i = 0; i < files->n_written; i++)
                printf("  wrote /%s\n", files->written[i][0] == '/' ? files->written[i] + 1 : files->written[i]);
        if (files->aa_done)
                printf("  added QEMU's access to /etc/apparmor.d/local/abstractions/libvirt-qemu (from the domain's next start)\n");
        return PGS_EXIT_OK;
}

int vm_create(struct vm_opts *o, const struct create_flags *fl)
{
        struct pgs_root r;
        int k = sysroot_open(&r, ID, fl->sysroot), rc = PGS_EXIT_FAILED;
        if (k)
                return k;
        virConnectPtr c = NULL;
        char *xml = NULL, **used = NULL, m[600], uuid[VIR_UUID_STRING_BUFLEN] = "";
        struct vm_spec *s = calloc(1, sizeof(*s));
        struct domain *chk = calloc(1, sizeof(*chk));
        struct caps caps;
        struct vm_files files = { 0 };
        bool made = false;
        if (!s || !chk || (!fl->print_xml && !(c = lv_open())) || get_caps(c, fl, &caps) < 0)
                goto out;
        if (c) {
                if (libvirt_context(c, o, fl, uuid, &used) < 0)
                        goto out;
        } else {
                o->net_default = true;  /* --print-xml: what a host with libvirt's default network gets */
        }
        if (vm_spec_build(&r, o, &caps, s, m, sizeof(m)) < 0) {
                log_stderr(ID, "%s; nothing defined", m);
                goto out;
        }
        if (!(xml = vm_xml(s)))
                goto out;
        /* the hook reads what pgs wrote: one definition, checked here */
        if (domain_parse(xml, strlen(xml), chk, m, sizeof(m)) < 0 || !chk->managed || chk->want_hugepages != (s->page_kib != 0)
            || chk->n_pci != s->n_funcs + s->has_ctrl || chk->n_mdevs != (s->mdev_uuid[0] != 0) || chk->want_handover != s->has_ctrl) {
                log_stderr(ID, "internal error: the hook would not read this domain as written (%s); nothing defined", m);
                goto out;
        }
        if (fl->print_xml) {
                notes(s);
                fputs(xml, stdout);
                rc = PGS_EXIT_OK;
                goto out;
        }
        if (image_plan(&r, o, &made) < 0)
                goto out;
        if (vm_files_plan(&r, s, &files, m, sizeof(m)) < 0) {
                log_stderr(ID, "%s; nothing defined", m);
                goto out;
        }
        if (fl->dry_run) {
                summary(s, "would define", o->uuid);
                if (made)
                        printf("  would create %s, %llu GiB, sparse\n", o->image, o->image_gib);
                vm_files_print(s, &files);
                printf("--- domain XML ---\n%s", xml);
                rc = PGS_EXIT_OK;
                goto out;
        }
        rc = define(c, &r, s, xml, made, &files);
out:
        vm_files_free(&files);
        for (char **u = used; u && *u; u++)
                free(*u);
        free(used);
        free(xml);
        free(s);
        free(chk);
        if (c)
                virConnectClose(c);
        root_close(&r);
        return rc;
}
