/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tests/fuzz/fuzz_disk.c — what pgs vm create reads from outside to decide
 * whether a disk is the host's (vm/disk.c): /proc/self/mountinfo, /proc/swaps,
 * udev's database entry, and a --rom file (vm/firmware.c). The input is split
 * at NUL bytes into those four. The tree is a small one made once: sda with
 * a partition sda1 and a by-id name. Properties: no crash or overread, and
 * the answer is either the disk or a refusal that names it. */
#include <errno.h>
#include <sys/sysmacros.h>

#include "tests/fuzz/fuzz.h"
#include "vm/manage.h"
#include "vm/vm.h"

/* what vm/disk.c and vm/firmware.c use from the rest of pgs-vm */
const unsigned char pgs_battery_aml[1], pgs_battery_aml_end[1];
void vm_note(struct vm_spec *s, const char *fmt, ...) { (void)s; (void)fmt; }
unsigned long long vm_min_disk_gib(unsigned w) { return w == 11 ? 64 : 32; }
int vm_group_check(const struct pgs_root *r, const struct pci_dev *d, bool take_slot, struct pci_addr *f, unsigned *n, char *msg, size_t size)
{
        return 0;
}
int vm_record_add(const struct pgs_root *r, const char *name, const char *line) { return 0; }

static void tree(void)
{
        static int done;
        if (done++)
                return;
        const char *R = fuzz_root();
        char cmd[2048];
        snprintf(cmd, sizeof(cmd),
                 "cd '%s' && mkdir -p sys/devices/pci0000:00/0000:00:17.0/ata1/block/sda/sda1/holders sys/devices/pci0000:00/0000:00:17.0/ata1/block/sda/holders "
                 "sys/class/block sys/dev/block dev/disk/by-id proc/self run/udev/data && "
                 "echo 8:0 > sys/devices/pci0000:00/0000:00:17.0/ata1/block/sda/dev && echo 268435456 > sys/devices/pci0000:00/0000:00:17.0/ata1/block/sda/size && "
                 "echo 8:1 > sys/devices/pci0000:00/0000:00:17.0/ata1/block/sda/sda1/dev && echo 1 > sys/devices/pci0000:00/0000:00:17.0/ata1/block/sda/sda1/partition && "
                 "ln -sf ../../devices/pci0000:00/0000:00:17.0/ata1/block/sda sys/class/block/sda && "
                 "ln -sf ../../devices/pci0000:00/0000:00:17.0/ata1/block/sda/sda1 sys/class/block/sda1 && "
                 "ln -sf ../../devices/pci0000:00/0000:00:17.0/ata1/block/sda sys/dev/block/8:0 && "
                 "ln -sf ../../devices/pci0000:00/0000:00:17.0/ata1/block/sda/sda1 sys/dev/block/8:1 && "
                 "ln -sf ../../sda dev/disk/by-id/ata-FUZZ_DISK_1", R);
        if (system(cmd) != 0)
                abort();
        char p[512];
        snprintf(p, sizeof(p), "%s/dev/sda", R);
        mknod(p, S_IFBLK | 0600, makedev(8, 0));
        snprintf(p, sizeof(p), "%s/dev/sda1", R);
        mknod(p, S_IFBLK | 0600, makedev(8, 1));
}

/* the next NUL-separated part of the input */
static const uint8_t *part(const uint8_t **data, size_t *size, size_t *len)
{
        const uint8_t *p = *data, *z = memchr(p, 0, *size);
        *len = z ? (size_t)(z - p) : *size;
        *data += *len + (z ? 1 : 0);
        *size -= *len + (z ? 1 : 0);
        return p;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        if (size > 1 << 16)
                return 0;
        tree();
        fuzz_quiet();
        size_t n;
        const uint8_t *p = part(&data, &size, &n);
        fuzz_put("proc/self/mountinfo", p, n);
        p = part(&data, &size, &n);
        fuzz_put("proc/swaps", p, n);
        p = part(&data, &size, &n);
        fuzz_put("run/udev/data/b8:1", p, n);
        struct pgs_root r;
        if (root_open(&r, fuzz_root()) < 0)
                abort();
        struct vm_opts o = { .name = "w", .windows = 11, .disk = "/dev/sda" };
        struct vm_spec *s = calloc(1, sizeof(*s));
        char msg[600] = "";
        s->o = &o;
        int k = vm_disk_pick(&r, &o, s, msg, sizeof(msg));
        if (k == 0 && strcmp(s->disk, "/dev/disk/by-id/ata-FUZZ_DISK_1"))
                abort();
        if (k < 0 && (k != -EINVAL || !strstr(msg, "--disk /dev/sda")))
                abort();
        free(s);
        root_close(&r);
        /* the rest: a --rom file */
        char rom[600];
        snprintf(rom, sizeof(rom), "%s/gpu.rom", fuzz_root());
        fuzz_put("gpu.rom", data, size);
        k = vm_rom_check(rom, msg, sizeof(msg));
        if (k < 0 && !strstr(msg, "--rom "))
                abort();
        return 0;
}
