/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vm/install.c — pgs vm install NAME --iso WIN.iso: Windows installed into
 * the domain pgs vm create defined, unattended.
 *
 * 1. the answer ISO (vm/answeriso.c), 0600, recorded for pgs vm remove;
 * 2. the install domain (vm/installxml.c) defined and started; at once the
 *    final domain is defined again: libvirt keeps it as the persistent
 *    definition while the running guest keeps the install devices through
 *    every reboot of Setup, so an interrupted pgs leaves the final domain;
 * 3. Enter, pressed every 2 s for the first --key-seconds of this start only
 *    (the CD's "Press any key to boot from CD"; later, after Setup's first
 *    reboot, the disk boots first and a key would start Setup over);
 * 4. wait until the guest powers itself off (Setup's last step), then the
 *    answer ISO is deleted;
 * 5. the final domain's first boot: its one-time task installs the drivers
 *    where the GPU is present and powers off; pgs waits for that too. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <libvirt/libvirt.h>

#include "shared/command.h"
#include "shared/log.h"
#include "shared/proc.h"
#include "shared/sysroot.h"
#include "vm/installcmd.h"
#include "vm/manage.h"

#define ID "pgs vm"

static int uerr(const char *what, const char *arg)
{
        log_stderr(ID, "install: %s%s%.200s", what, arg ? ": " : "", arg ? arg : "");
        return PGS_EXIT_USAGE;
}

static int abs_file(const char *opt, const char *path)
{
        struct stat st;
        if (path[0] != '/' || strchr(path, '\n') || strchr(path, '='))
                return uerr(opt, "an absolute path (without '=' or a newline) is needed");
        if (stat(path, &st) < 0 || !S_ISREG(st.st_mode) || access(path, R_OK) < 0)
                return uerr(opt, "not a file pgs can read");
        return 0;
}

static int add_driver(struct install_opts *io, const char *path)
{
        if (io->n_drivers == INSTALL_MAX_DRIVERS)
                return uerr("--driver", "at most 8");
        const char *b = strrchr(path, '/');
        b = b ? b + 1 : path;
        for (const char *p = b; *p; p++)
                if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || strchr("._+-", *p)))
                        return uerr("--driver: its name has a byte Setup's scripts cannot carry (keep to letters, digits, . _ + -)", b);
        if (!*b || strlen(b) > 64 || !answer_driver_flags(b))
                return uerr("--driver: pgs knows no unattended install for it (an .msi, or an NVIDIA, AMD, Intel or Looking Glass host installer .exe)", b);
        if (strchr(path, '=') || access(path, R_OK) < 0)
                return uerr("--driver: not a file pgs can read (or it has '=' in its path)", path);
        io->drivers[io->n_drivers] = path;
        io->driver_names[io->n_drivers++] = b;
        return 0;
}

static int parse(int argc, char **argv, struct install_opts *io)
{
        static const struct option opts[] = {
                { "iso", required_argument, 0, 'i' }, { "virtio-iso", required_argument, 0, 'v' },
                { "driver", required_argument, 0, 'd' }, { "edition", required_argument, 0, 'e' },
                { "user", required_argument, 0, 'u' }, { "password-file", required_argument, 0, 'p' },
                { "language", required_argument, 0, 'l' }, { "erase-disk", no_argument, 0, 'E' },
                { "timeout", required_argument, 0, 't' }, { "key-seconds", required_argument, 0, 'k' },
                { "dry-run", no_argument, 0, 'n' }, { "print-answer", no_argument, 0, 'A' },
                { "domain-xml", required_argument, 0, 'D' }, SYSROOT_OPTION, { 0 } };
        int c, k = 0;
        optind = 1;
        opterr = 0;
        while (k == 0 && (c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
                char *end = NULL;
                switch (c) {
                case 'i': io->iso = optarg; k = abs_file("--iso", optarg); break;
                case 'v': io->virtio_iso = optarg; k = abs_file("--virtio-iso", optarg); break;
                case 'd': k = add_driver(io, optarg); break;
                case 'e': io->edition = optarg; break;
                case 'u': io->user = optarg; break;
                case 'p': io->password_file = optarg; break;
                case 'l': io->language = optarg; break;
                case 'E': io->erase_disk = true; break;
                case 't': io->timeout_min = (unsigned)strtoul(optarg, &end, 10); break;
                case 'k': io->key_seconds = (unsigned)strtoul(optarg, &end, 10); break;
                case 'n': io->dry_run = true; break;
                case 'A': io->print_answer = true; break;
                case 'D': io->domain_xml = optarg; break;
                case 'r': io->sysroot = optarg; break;
                default: return uerr("unknown or incomplete option (pgs vm --help)", argv[optind - 1]);
                }
                if (end && (*end || end == optarg || (c == 't' && !io->timeout_min)))
                        return uerr("--timeout and --key-seconds take a number", optarg);
        }
        if (k)
                return k;
        if (optind != argc - 1)
                return uerr("one NAME is needed", NULL);
        io->name = argv[optind];
        if (!vm_name_ok(io->name))
                return uerr("not a name pgs gives a domain", io->name);
        if (!io->iso)
                return uerr("--iso WIN.iso is needed", NULL);
        if (!answer_key(io->edition)) {
                log_stderr(ID, "install: --edition %.64s: one of %s", io->edition, answer_editions);
                return PGS_EXIT_USAGE;
        }
        if (io->domain_xml && !io->print_answer)
                return uerr("--domain-xml goes only with --print-answer", NULL);
        if (io->sysroot && io->sysroot[0] != '/')
                return uerr("--sysroot: an absolute path (libvirt is given paths under it)", io->sysroot);
        return 0;
}

/* the password: the first line of --password-file, or typed twice */
static char *password(const struct install_opts *io)
{
        char buf[256] = "", again[256] = "";
        FILE *tty;
        if (io->password_file) {
                FILE *f = fopen(io->password_file, "re");
                if (!f || !fgets(buf, sizeof(buf), f))
                        log_stderr(ID, "--password-file %s: %s", io->password_file, f ? "empty" : strerror(errno));
                if (f)
                        fclose(f);
        } else if ((tty = fopen("/dev/tty", "r+e"))) {
                /* asked on the terminal, as getpass(3) does, echo off */
                struct termios t, quiet;
                bool term = tcgetattr(fileno(tty), &t) == 0;
                quiet = t;
                quiet.c_lflag &= ~(tcflag_t)ECHO;
                if (term)
                        tcsetattr(fileno(tty), TCSANOW, &quiet);
                fprintf(tty, "password for %s (Windows' administrator): ", io->user);
                if (!fgets(buf, sizeof(buf), tty))
                        buf[0] = 0;
                fprintf(tty, "\nagain: ");
                if (!fgets(again, sizeof(again), tty))
                        again[0] = 0;
                fprintf(tty, "\n");
                if (term)
                        tcsetattr(fileno(tty), TCSANOW, &t);
                fclose(tty);
                if (strcmp(buf, again))
                        buf[0] = 0, log_stderr(ID, "the two passwords differ");
        } else {
                log_stderr(ID, "install: --password-file FILE is needed (there is no terminal to ask on)");
        }
        buf[strcspn(buf, "\r\n")] = 0;
        if (!buf[0])
                return NULL;
        if (!answer_password_ok(buf)) {
                log_stderr(ID, "the password: 1 to 127 bytes without control characters");
                return NULL;
        }
        return strdup(buf);
}

/* the answer's settings (no password yet) */
static int fill_answer(const struct pgs_root *r, const struct install_opts *io, const struct dom_facts *f, struct answer *a)
{
        a->windows = f->windows;
        a->edition = io->edition;
        a->user = io->user;
        a->drivers = io->driver_names;
        a->bypass_tpm = f->windows == 11 && !f->tpm;
        a->bypass_secure_boot = f->windows == 11 && !f->secure_boot;
        answer_computer_name(io->name, a->computer);
        if (io->language) {
                if (win_lang_locale(io->language, a->ui_lang) < 0 && strlen(io->language) < sizeof(a->ui_lang))
                        snprintf(a->ui_lang, sizeof(a->ui_lang), "%s", io->language);
        } else if (iso_language(io->iso, a->ui_lang) < 0) {
                return -EINVAL;
        }
        answer_host(r, a);
        return 0;
}

/* virtio-win: --virtio-iso, else where distributions put it */
static int find_virtio(const struct pgs_root *r, struct install_opts *io, char *buf, size_t size)
{
        static const char *const where[] = { "usr/share/virtio-win/virtio-win.iso", "usr/share/virtio-win/virtio-win-latest.iso" };
        if (io->virtio_iso)
                return 0;
        for (size_t i = 0; i < sizeof(where) / sizeof(where[0]); i++)
                if (fs_exists(r, where[i])) {
                        io->virtio_iso = host_path(io, where[i], buf, size);
                        return 0;
                }
        log_stderr(ID, "install: virtio-win (its storage driver lets Setup see the disk) is not in Debian and not in "
                       "/usr/share/virtio-win: download virtio-win.iso (fedorapeople.org) and give --virtio-iso FILE");
        return -ENOENT;
}

/* Setup writes the whole disk: only an empty image, or --erase-disk */
static int disk_ok(const struct install_opts *io, const struct dom_facts *f)
{
        struct stat st;
        if (f->disk_ctrl) {
                if (io->erase_disk)
                        return 0;
                log_stderr(ID, "install: Setup erases a whole disk behind the controller %s; --erase-disk says it may; nothing done", f->disk);
                return -EEXIST;
        }
        if (stat(f->disk, &st) < 0) {
                log_stderr(ID, "install: the system disk %s: %s", f->disk, strerror(errno));
                return -errno;
        }
        if (io->erase_disk)
                return 0;
        if (S_ISBLK(st.st_mode) || st.st_blocks > 0) {
                log_stderr(ID, "install: Setup erases the whole system disk %s, which %s; --erase-disk says it may; nothing done",
                           f->disk, S_ISBLK(st.st_mode) ? "is a block device" : "holds data");
                return -EEXIST;
        }
        return 0;
}

/* the domain's XML: --domain-xml (with --print-answer) or libvirt's */
static char *domain_xml(const struct install_opts *io, virConnectPtr *c, virDomainPtr *d)
{
        if (io->domain_xml) {
                char *x = NULL;
                size_t len = 0;
                FILE *f = fopen(io->domain_xml, "re");
                if (!f || getdelim(&x, &len, 0, f) < 0)
                        log_stderr(ID, "--domain-xml %s: %s", io->domain_xml, f ? "empty" : strerror(errno));
                if (f)
                        fclose(f);
                return x;
        }
        if (!(*c = lv_open()))
                return NULL;
        if (!(*d = virDomainLookupByName(*c, io->name))) {
                log_stderr(ID, "no domain named %s is defined (pgs vm create %s … first)", io->name, io->name);
                return NULL;
        }
        if (virDomainIsActive(*d) == 1 && !io->print_answer) {
                log_stderr(ID, "%s is running; Setup needs it shut off (virsh shutdown %s); nothing done", io->name, io->name);
                return NULL;
        }
        char *x = virDomainGetXMLDesc(*d, VIR_DOMAIN_XML_INACTIVE);
        if (!x)
                log_stderr(ID, "libvirt gives no XML for %s: %s", io->name, lv_msg());
        return x;
}

static int prepare(const struct pgs_root *r, struct install_opts *io, const char *xml, struct answer *a, struct dom_facts *f)
{
        char m[600];
        if (install_facts(xml, strlen(xml), f, m, sizeof(m)) < 0) {
                log_stderr(ID, "install %s: %s; nothing done", io->name, m);
                return -EINVAL;
        }
        if (!f->managed) {
                log_stderr(ID, "install %s: the domain has no pgs metadata: pgs installs only into a domain pgs vm create made", io->name);
                return -EINVAL;
        }
        return fill_answer(r, io, f, a);
}

int vm_install(int argc, char **argv)
{
        struct install_opts io = { .edition = "pro", .timeout_min = 240 };
        int rc = parse(argc, argv, &io);
        if (rc)
                return rc;
        const char *u = getenv("SUDO_USER");
        if (!io.user)
                io.user = u && *u && strcmp(u, "root") && answer_user_ok(u) ? u : "pgs";
        if (!answer_user_ok(io.user))
                return uerr("--user: 1 to 20 characters, none of \"/\\[]:;|=,+*?<>@%", io.user);
        struct pgs_root r;
        if ((rc = sysroot_open(&r, ID, io.sysroot)))
                return rc;
        rc = PGS_EXIT_FAILED;
        virConnectPtr c = NULL;
        virDomainPtr d = NULL;
        struct answer a = { 0 };
        struct dom_facts f;
        char vbuf[512], rel[256], *ixml = NULL, *pw = NULL, *xml = domain_xml(&io, &c, &d);
        if (!xml || prepare(&r, &io, xml, &a, &f) < 0)
                goto out;
        if (io.print_answer) {
                a.password = io.password_file ? (pw = password(&io)) : "(password)";
                char *x = a.password ? answer_xml(&a) : NULL;
                if (x)
                        fputs(x, stdout), rc = PGS_EXIT_OK;
                free(x);
                goto out;
        }
        if (find_virtio(&r, &io, vbuf, sizeof(vbuf)) < 0 || disk_ok(&io, &f) < 0)
                goto out;
        path_fmt(rel, sizeof(rel), VM_RECORD_DIR "/%s-answer.iso", io.name);
        char ahost[512], m[600];
        if (!(ixml = install_xml(xml, strlen(xml), f.disk_ctrl ? f.disk : NULL, io.iso, host_path(&io, rel, ahost, sizeof(ahost)), io.virtio_iso, m, sizeof(m)))) {
                log_stderr(ID, "install %s: %s; nothing done", io.name, m);
                goto out;
        }
        if (io.dry_run) {
                printf("would install Windows %u (%s, %s) into %s on %s%s\n", a.windows, io.edition, a.ui_lang, io.name,
                       f.disk_ctrl ? "the disk behind the controller " : "", f.disk);
                printf("  answer: computer %s, administrator %s, locale %s, keyboard %s, time zone %s%s%s\n", a.computer, a.user,
                       a.user_locale, a.input_locale, a.timezone, a.bypass_tpm ? ", BypassTPMCheck" : "", a.bypass_secure_boot ? ", BypassSecureBootCheck" : "");
                printf("  would write %s (0600), deleted once Setup ends\n--- install domain XML ---\n%s", ahost, ixml);
                rc = PGS_EXIT_OK;
                goto out;
        }
        if (!(a.password = pw = password(&io)) || answer_iso(&r, &io, &a, rel) < 0)
                goto out;
        char line[600];
        snprintf(line, sizeof(line), "answer %s", rel);
        vm_record_add(&r, io.name, line);
        rc = vm_install_run(c, d, &io, xml, ixml, rel, &r);
out:
        if (pw)
                memset(pw, 0, strlen(pw));
        free(pw);
        free(xml);
        free(ixml);
        if (d)
                virDomainFree(d);
        if (c)
                virConnectClose(c);
        root_close(&r);
        return rc;
}
