/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vm/firmware.c — what `pgs vm create` writes beside the domain, and takes
 * back when libvirt refuses it:
 *
 *   /var/lib/pgs/firmware/NAME.rom          --rom FILE, checked and copied
 *   /var/lib/pgs/firmware/NAME-battery.aml  --laptop (vm/battery.asl)
 *   /etc/tmpfiles.d/pgs-vm-NAME.conf        --looking-glass: the shared memory
 *                                           for the user and group kvm,
 *                                           applied at once (systemd-tmpfiles)
 *   /etc/apparmor.d/local/abstractions/libvirt-qemu   where AppArmor's
 *     libvirt-qemu abstraction is installed (Debian, Ubuntu): QEMU may read
 *     the firmware directory and use the shared memory. Shared by every
 *     domain: added once, never removed.
 *
 * The first three are recorded ("file PATH") so `pgs vm remove` deletes them. */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shared/log.h"
#include "shared/proc.h"
#include "shared/strutil.h"
#include "shared/sysroot.h"
#include "vm/manage.h"

#define ID "pgs vm"
#define ROM_MAX (16u << 20)
#define AA_ABSTRACTION "etc/apparmor.d/abstractions/libvirt-qemu"
#define AA_LOCAL "etc/apparmor.d/local/abstractions/libvirt-qemu"
#define AA_FIRMWARE VM_FIRMWARE_DIR "/** r,"
#define AA_SHM "/dev/shm/looking-glass rw,"

extern const unsigned char pgs_battery_aml[], pgs_battery_aml_end[];

#define FAIL(...) fail_msg(msg, msgsize, __VA_ARGS__)

int vm_read_user_file(const char *file, size_t max, unsigned char **ret, size_t *ret_len)
{
        int fd = open(file, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        unsigned char *buf = malloc(max + 1);
        size_t len = 0;
        ssize_t n = 1;
        int k = buf ? 0 : -ENOMEM;
        while (k == 0 && n > 0 && len <= max)
                if ((n = read(fd, buf + len, max + 1 - len)) < 0)
                        k = errno == EINTR ? 0 : -errno, n = 1;
                else
                        len += (size_t)n;
        close(fd);
        if (k == 0 && len > max)
                k = -EFBIG;
        if (k < 0) {
                free(buf);
                return k;
        }
        buf[len] = 0;
        *ret = buf;
        *ret_len = len;
        return 0;
}

/* A PCI option ROM image: 55 AA, and at the 16-bit offset in bytes 0x18–0x19
 * a "PCIR" data structure (PCI Firmware Specification 3.0, 5.1). */
static int rom_valid(const unsigned char *b, size_t len, char *msg, size_t msgsize)
{
        if (len < 0x1a + 4 || b[0] != 0x55 || b[1] != 0xaa)
                return FAIL("it is not a PCI option ROM (it does not begin with 55 AA); a dump made with nvflash or GPU-Z may carry a header before the 55 AA to cut off");
        size_t pcir = (size_t)b[0x18] | (size_t)b[0x19] << 8;
        if (pcir + 4 > len || memcmp(b + pcir, "PCIR", 4))
                return FAIL("it begins with 55 AA but has no PCIR structure where byte 0x18 points (0x%zx): not a whole option ROM", pcir);
        return 0;
}

int vm_rom_check(const char *file, char *msg, size_t msgsize)
{
        unsigned char *b;
        size_t len;
        int k = vm_read_user_file(file, ROM_MAX, &b, &len);
        if (k < 0)
                return FAIL("--rom %.200s: %s", file, k == -EFBIG ? "larger than 16 MiB, not a GPU's ROM" : strerror(-k));
        char m[300];
        k = rom_valid(b, len, m, sizeof(m));
        free(b);
        return k < 0 ? FAIL("--rom %.200s: %s", file, m) : 0;
}

/* the user Looking Glass's client runs as: whoever ran sudo, else us */
static int lg_user(const struct pgs_root *r, char *out, size_t size, char *msg, size_t msgsize)
{
        const char *u = getuid() == 0 ? getenv("SUDO_USER") : NULL;
        struct passwd *pw = u && *u ? NULL : getpwuid(getuid());
        snprintf(out, size, "%s", u && *u ? u : pw ? pw->pw_name : "");
        size_t n = strlen(out);
        if (!n || n > 32 || out[0] == '-')
                return FAIL("--looking-glass: no user name to give the shared memory to (SUDO_USER, or this process's user)");
        for (const char *p = out; *p; p++)
                if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_' || *p == '-' || *p == '.'))
                        return FAIL("--looking-glass: the user name '%.32s' has characters a tmpfiles.d rule cannot carry", out);
        /* systemd-tmpfiles resolves both in the root's own databases */
        char *pw_db = NULL, *gr_db = NULL, key[40];
        size_t len;
        fs_read_file(r, "etc/passwd", 1 << 22, &pw_db, &len);
        fs_read_file(r, "etc/group", 1 << 22, &gr_db, &len);
        snprintf(key, sizeof(key), "\n%s:", out);
        bool user = pw_db && (!strncmp(pw_db, key + 1, strlen(key + 1)) || strstr(pw_db, key));
        bool kvm = gr_db && (!strncmp(gr_db, "kvm:", 4) || strstr(gr_db, "\nkvm:"));
        free(pw_db);
        free(gr_db);
        if (!user)
                return FAIL("--looking-glass: user %s is not in /etc/passwd", out);
        if (!kvm)
                return FAIL("--looking-glass: there is no group kvm (QEMU's group, which must open the shared memory); is QEMU installed?");
        return 0;
}

int vm_files_plan(const struct pgs_root *r, const struct vm_spec *s, struct vm_files *f, char *msg, size_t msgsize)
{
        memset(f, 0, sizeof(*f));
        if (s->looking_glass && !s->tcg) {
                if (lg_user(r, f->user, sizeof(f->user), msg, msgsize) < 0)
                        return -EINVAL;
                path_fmt(f->tmpfiles, sizeof(f->tmpfiles), "etc/tmpfiles.d/pgs-vm-%s.conf", s->o->name);
        }
        if (fs_exists(r, AA_ABSTRACTION)) {
                char *old = NULL;
                size_t len;
                fs_read_file(r, AA_LOCAL, 1 << 20, &old, &len);
                f->aa_firmware = (s->rom[0] || s->ssdt[0]) && !(old && strstr(old, AA_FIRMWARE));
                f->aa_shm = f->tmpfiles[0] && !(old && strstr(old, AA_SHM));
                free(old);
        }
        return 0;
}

void vm_files_print(const struct vm_spec *s, const struct vm_files *f)
{
        if (s->rom[0])
                printf("  would copy %s to %s\n", s->o->rom, s->rom);
        if (s->ssdt[0])
                printf("  would write %s (the battery table, %zu bytes)\n", s->ssdt, (size_t)(pgs_battery_aml_end - pgs_battery_aml));
        if (f->tmpfiles[0])
                printf("  would write /%s (f /dev/shm/looking-glass 0660 %s kvm) and apply it (systemd-tmpfiles --create)\n", f->tmpfiles, f->user);
        if (f->aa_firmware || f->aa_shm)
                printf("  would add to /%s:%s%s\n", AA_LOCAL, f->aa_firmware ? " " AA_FIRMWARE : "", f->aa_shm ? " " AA_SHM : "");
}

static int put(const struct pgs_root *r, struct vm_files *f, const char *path, const void *data, size_t len, int mode)
{
        int k = fs_write_file_atomic(r, path, data, len, mode);
        if (k < 0)
                log_stderr(ID, "cannot write /%s: %s", path[0] == '/' ? path + 1 : path, strerror(-k));
        else
                snprintf(f->written[f->n_written++], sizeof(f->written[0]), "%s", path);
        return k;
}

static int apply_tmpfiles(const struct pgs_root *r, const struct vm_files *f)
{
        char prog[4096], conf[4200], rootarg[4200];
        const char *sr = sysroot_of(r);
        if (!prog_find(r, sr, "systemd-tmpfiles", prog, sizeof(prog))) {
                log_stderr(ID, "note: no systemd-tmpfiles here: /%s takes effect at the next boot; until then QEMU creates /dev/shm/looking-glass for itself (0644)", f->tmpfiles);
                return 0;
        }
        sysroot_path(r, f->tmpfiles, conf, sizeof(conf));
        snprintf(rootarg, sizeof(rootarg), "--root=%s", sr ? sr : "/");
        char *argv[] = { prog, "--create", rootarg, conf, NULL };
        if (!sr)
                argv[2] = conf, argv[3] = NULL;
        int k = run_prog(argv, NULL, sr, 15000);
        if (k != 0)
                log_stderr(ID, "systemd-tmpfiles --create %s failed (%s %d)", conf, k < 0 ? "error" : "status", k < 0 ? -k : k);
        return k == 0 ? 0 : -EIO;
}

int vm_files_write(const struct pgs_root *r, const struct vm_spec *s, struct vm_files *f)
{
        int k = 0;
        if (s->rom[0]) {
                unsigned char *b;
                size_t len;
                char m[300];
                if ((k = vm_read_user_file(s->o->rom, ROM_MAX, &b, &len)) < 0 || rom_valid(b, len, m, sizeof(m)) < 0) {
                        log_stderr(ID, "--rom %s: %s", s->o->rom, k < 0 ? strerror(-k) : "it changed since it was checked");
                        if (k == 0)
                                free(b);
                        return -EIO;
                }
                k = put(r, f, s->rom, b, len, 0644);
                free(b);
        }
        if (k == 0 && s->ssdt[0])
                k = put(r, f, s->ssdt, pgs_battery_aml, (size_t)(pgs_battery_aml_end - pgs_battery_aml), 0644);
        if (k == 0 && f->tmpfiles[0]) {
                char rule[300];
                snprintf(rule, sizeof(rule), "# pgs vm create %s: Looking Glass's shared memory, for %s and QEMU (group kvm)\n"
                         "f /dev/shm/looking-glass 0660 %s kvm -\n", s->o->name, f->user, f->user);
                f->shm_made = !fs_exists(r, "dev/shm/looking-glass");
                if ((k = put(r, f, f->tmpfiles, rule, strlen(rule), 0644)) == 0)
                        k = apply_tmpfiles(r, f);
        }
        if (k == 0 && (f->aa_firmware || f->aa_shm)) {
                char *old = NULL, *text = NULL;
                size_t len = 0;
                fs_read_file(r, AA_LOCAL, 1 << 20, &old, &len);
                if (asprintf(&text, "%s%s# pgs vm: the firmware files pgs writes, Looking Glass's shared memory\n%s%s",
                             old ? old : "", old && len && old[len - 1] != '\n' ? "\n" : "",
                             f->aa_firmware ? AA_FIRMWARE "\n" : "", f->aa_shm ? AA_SHM "\n" : "") < 0)
                        text = NULL;
                k = text ? fs_write_file_atomic(r, AA_LOCAL, text, strlen(text), 0644) : -ENOMEM;
                if (k < 0)
                        log_stderr(ID, "cannot write /%s: %s", AA_LOCAL, strerror(-k));
                else
                        f->aa_done = true, f->aa_old = old, f->aa_old_len = len, old = NULL;
                free(old);
                free(text);
        }
        if (k < 0)
                vm_files_undo(r, f);
        return k;
}

void vm_files_undo(const struct pgs_root *r, struct vm_files *f)
{
        for (unsigned i = 0; i < f->n_written; i++)
                fs_unlink(r, f->written[i]);
        if (f->shm_made && f->n_written)
                fs_unlink(r, "dev/shm/looking-glass");
        f->n_written = 0;
        if (f->aa_done) {
                if (f->aa_old)
                        fs_write_file_atomic(r, AA_LOCAL, f->aa_old, f->aa_old_len, 0644);
                else
                        fs_unlink(r, AA_LOCAL);
        }
        vm_files_free(f);
}

void vm_files_free(struct vm_files *f)
{
        free(f->aa_old);
        f->aa_old = NULL;
        f->aa_done = false;
}

int vm_files_record(const struct pgs_root *r, const char *name, const struct vm_files *f)
{
        int rc = 0;
        for (unsigned i = 0; i < f->n_written; i++) {
                char line[300];
                snprintf(line, sizeof(line), "file /%s", f->written[i][0] == '/' ? f->written[i] + 1 : f->written[i]);
                int k = vm_record_add(r, name, line);
                if (k < 0) {
                        log_stderr(ID, "cannot record that pgs wrote /%s (%s): pgs vm remove will leave it", f->written[i], strerror(-k));
                        rc = k;
                }
        }
        return rc;
}
