/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tests/unit/test_early.c — pgs-early's decisions from tables: each row is a
 * machine (a fake sysfs tree made with tests/fake's builder), a config, and
 * the decision expected for each device and item. early_plan() reads only,
 * so no fake kernel is preloaded: the plan must not need one. */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "initramfs/early.h"
#include "tests/fake/fakesys.h"
#include "tests/unit/tap.h"

#define MAXDEV 8
#define MAXEXP 6

struct row {
        const char *name;
        /* "ADDR VID:DID CLASS [group=N] [driver=D] [boot_vga=1] [sriov=T:DID]" */
        const char *devs[MAXDEV];
        const char *conf;
        /* "ADDR STATE text-in-why": the device's decision */
        const char *want[MAXEXP];
        const char *note;       /* a refusal note containing this, or NULL for none */
        int exit;               /* early_exit_code() of the dry plan */
};

static const struct row rows[] = {
        { "auto binds the discrete GPU and its audio, keeps the boot VGA",
          { "0000:00:02.0 8086:3e9b 0x030000 group=1 boot_vga=1 driver=i915",
            "0000:01:00.0 10de:1f91 0x030000 group=2 driver=nouveau",
            "0000:01:00.1 10de:10fa 0x040300 group=2 driver=snd_hda_intel" },
          "[vfio]\nbind = auto\n",
          { "0000:01:00.0 planned selected by auto", "0000:01:00.1 planned same slot and IOMMU group as 0000:01:00.0" },
          NULL, 0 },
        { "AMD APU laptop: the iGPU behind AMD's internal GPP bridge (bus 05) is integrated; auto binds the NVIDIA dGPU",
          { "0000:00:08.1 1022:1635 0x060400 group=5 driver=pcieport",
            "0000:05:00.0 1002:1638 0x030000 group=6 boot_vga=1 driver=amdgpu parent=0000:00:08.1",
            "0000:00:01.1 1022:1633 0x060400 group=1 driver=pcieport",
            "0000:01:00.0 10de:2560 0x030000 group=2 driver=nouveau parent=0000:00:01.1",
            "0000:01:00.1 10de:228e 0x040300 group=2 driver=snd_hda_intel parent=0000:00:01.1" },
          "[vfio]\nbind = auto\n",
          { "0000:01:00.0 planned selected by auto", "0000:01:00.1 planned same slot and IOMMU group as 0000:01:00.0" },
          NULL, 0 },
        { "Ryzen 7000 desktop booted on its Radeon card: the iGPU (bus 13, internal bridge) is not the boot GPU, auto refuses",
          { "0000:00:08.1 1022:14dd 0x060400 group=9 driver=pcieport",
            "0000:13:00.0 1002:164e 0x030000 group=10 driver=amdgpu parent=0000:00:08.1",
            "0000:00:01.1 1022:14db 0x060400 group=1 driver=pcieport",
            "0000:03:00.0 1002:744c 0x030000 group=2 boot_vga=1 driver=amdgpu parent=0000:00:01.1" },
          "[vfio]\nbind = auto\n",
          { NULL },
          "0000:03:00.0 is a discrete GPU (firmware booted on it)", 1 },
        { "an AMD card behind an ordinary (non-08) bridge is discrete, even with AMD's bridge vendor",
          { "0000:00:02.0 8086:3e9b 0x030000 group=1 boot_vga=1 driver=i915",
            "0000:00:01.0 1022:1633 0x060400 group=3 driver=pcieport",
            "0000:01:00.0 1002:73bf 0x030000 group=4 driver=amdgpu parent=0000:00:01.0" },
          "[vfio]\nbind = auto\n",
          { "0000:01:00.0 planned selected by auto" },
          NULL, 0 },
        { "auto refuses when two GPUs say they are the boot VGA device",
          { "0000:00:02.0 8086:3e9b 0x030000 group=1 boot_vga=1",
            "0000:01:00.0 10de:1f91 0x030000 group=2 boot_vga=1" },
          "[vfio]\nbind = auto\n",
          { NULL },
          "2 GPUs say they are the boot VGA device", 1 },
        { "auto refuses when the firmware booted on the discrete GPU",
          { "0000:00:02.0 8086:3e9b 0x030000 group=1 boot_vga=0",
            "0000:01:00.0 10de:1f91 0x030000 group=2 boot_vga=1" },
          "[vfio]\nbind = auto\n",
          { NULL },
          "is a discrete GPU (firmware booted on it)", 1 },
        { "the boot VGA device is refused even when named",
          { "0000:00:02.0 8086:3e9b 0x030000 group=1 boot_vga=1 driver=i915" },
          "[vfio]\nbind = 0000:00:02.0\n",
          { "0000:00:02.0 refused it is the boot VGA device" },
          NULL, 1 },
        { "a foreign device in the group refuses the group, naming it",
          { "0000:00:02.0 8086:3e9b 0x030000 group=1 boot_vga=1",
            "0000:01:00.0 10de:1f91 0x030000 group=2",
            "0000:01:00.1 10de:10fa 0x040300 group=2",
            "0000:02:00.0 8086:a102 0x010601 group=2 driver=ahci" },
          "[vfio]\nbind = 0000:01:00.0\n",
          { "0000:01:00.0 refused IOMMU group 2 also holds 0000:02:00.0",
            "0000:01:00.1 refused IOMMU group 2 also holds 0000:02:00.0" },
          NULL, 1 },
        { "no IOMMU group: refused with the hint for the CPU's vendor",
          { "0000:00:02.0 8086:3e9b 0x030000 group=none boot_vga=1",
            "0000:01:00.0 10de:1f91 0x030000 group=none" },
          "[vfio]\nbind = 0000:01:00.0\n",
          { "0000:01:00.0 refused no IOMMU group" },
          NULL, 1 },
        { "a device already on vfio-pci is kept",
          { "0000:00:02.0 8086:3e9b 0x030000 group=1 boot_vga=1",
            "0000:01:00.0 10de:1f91 0x030000 group=2 driver=vfio-pci" },
          "[vfio]\nbind = 0000:01:00.0\n",
          { "0000:01:00.0 already selected by" },
          NULL, 0 },
        { "an id matching nothing is named, partly done",
          { "0000:00:02.0 8086:3e9b 0x030000 group=1 boot_vga=1" },
          "[vfio]\nbind = 1002:73bf\n",
          { NULL },
          "1002:73bf: no PCI device has this id", 2 },
        { "a bare id obeys the class rule (somebody's root NVMe)",
          { "0000:00:02.0 8086:3e9b 0x030000 group=1 boot_vga=1",
            "0000:03:00.0 144d:a808 0x010802 group=3 driver=nvme" },
          "[vfio]\nbind = 144d:a808\n",
          { NULL },
          "class 0x010802 is not display, audio, USB or serial bus", 1 },
        { "an address on bus 00 binds only display devices",
          { "0000:00:02.0 8086:3e9b 0x030000 group=1 boot_vga=1",
            "0000:00:14.0 8086:a36d 0x0c0330 group=4 driver=xhci_hcd" },
          "[vfio]\nbind = 0000:00:14.0\n",
          { NULL },
          "a chipset device on bus 00", 1 },
        { "ADDR@ID refuses a card that moved",
          { "0000:00:02.0 8086:3e9b 0x030000 group=1 boot_vga=1",
            "0000:01:00.0 1002:73bf 0x030000 group=2" },
          "[vfio]\nbind = 0000:01:00.0@10de:1f91\n",
          { NULL },
          "it is 1002:73bf, the entry says 10de:1f91", 1 },
        { "SR-IOV: a PF without a driver waits for the udev rule",
          { "0000:00:02.0 8086:3e9b 0x030000 group=1 boot_vga=1",
            "0000:04:00.0 8086:5845 0x010802 group=5 sriov=4:5845" },
          "[sriov]\n0000:04:00.0 = 2\n",
          { "0000:04:00.0 waiting the PF has no driver bound yet" },
          NULL, 0 },
        { "SR-IOV: more VFs than the PF offers are refused",
          { "0000:00:02.0 8086:3e9b 0x030000 group=1 boot_vga=1",
            "0000:04:00.0 8086:5845 0x010802 group=5 sriov=4:5845 driver=nvme" },
          "[sriov]\n0000:04:00.0 = 7\n",
          { "0000:04:00.0 refused 7 VFs asked, the device offers at most 4" },
          NULL, 1 },
        { "SR-IOV: a planned count on a bound PF",
          { "0000:00:02.0 8086:3e9b 0x030000 group=1 boot_vga=1",
            "0000:04:00.0 8086:5845 0x010802 group=5 sriov=4:5845 driver=nvme" },
          "[sriov]\n0000:04:00.0 = 2\n",
          { "0000:04:00.0 planned 0 -> 2 VFs (of 4)" },
          NULL, 0 },
        { "SR-IOV: not a PF",
          { "0000:00:02.0 8086:3e9b 0x030000 group=1 boot_vga=1 driver=i915" },
          "[sriov]\n0000:00:02.0 = 2\n",
          { "0000:00:02.0 refused not an SR-IOV physical function" },
          NULL, 1 },
};

static void build(const char *root, const struct row *r)
{
        fake_init(root);
        for (int i = 0; i < MAXDEV && r->devs[i]; i++) {
                char buf[512], *args[8], *save;
                snprintf(buf, sizeof(buf), "%s", r->devs[i]);
                char *addr = strtok_r(buf, " ", &save), *id = strtok_r(NULL, " ", &save), *cls = strtok_r(NULL, " ", &save);
                int n = 0;
                for (char *a; n < 8 && (a = strtok_r(NULL, " ", &save));)
                        args[n++] = a;
                if (fake_add_device(root, addr, id, cls, n, args) < 0)
                        printf("# %s: cannot make %s\n", r->name, r->devs[i]);
        }
        char p[4096];
        snprintf(p, sizeof(p), "%s/etc", root);
        mkdir(p, 0755);
        snprintf(p, sizeof(p), "%s/etc/pgs.conf", root);
        FILE *f = fopen(p, "w");
        fputs(r->conf, f);
        fclose(f);
        snprintf(p, sizeof(p), "%s/proc/cmdline", root);
        f = fopen(p, "w");
        if (f) {
                fputs("quiet\n", f);
                fclose(f);
        }
}

static const struct early_dev *find(const struct early_ctx *c, const char *addr)
{
        for (size_t i = 0; i < c->n_out; i++)
                if (!strcmp(c->out[i].dev.name, addr))
                        return &c->out[i];
        return NULL;
}

static void check_row(const struct row *r, const char *root)
{
        struct pgs_root pr;
        struct pgs_log log;
        log_init_stderr(&log, "test");
        log.max_level = 0;      /* config warnings are not the subject */
        if (root_open(&pr, root) < 0) {
                OK(0, "%s: root opens", r->name);
                return;
        }
        struct early_ctx c = { .root = &pr, .log = &log, .dry_run = true, .modprobe = "/nonexistent" };
        early_load_config(&c);
        int rc = early_plan(&c);
        bool good = rc == 0;
        char why[512] = "";
        for (int i = 0; i < MAXEXP && r->want[i]; i++) {
                char addr[32], state[16];
                int off = 0;
                sscanf(r->want[i], "%31s %15s %n", addr, state, &off);
                const struct early_dev *e = find(&c, addr);
                if (!e || strcmp(early_state_name(e->state), state) || !strstr(e->why, r->want[i] + off)) {
                        good = false;
                        snprintf(why, sizeof(why), "%s: got %s '%s'", addr, e ? early_state_name(e->state) : "nothing", e ? e->why : "");
                }
        }
        bool noted = false;
        for (size_t i = 0; i < c.n_notes; i++)
                if (c.notes[i].kind == NOTE_REFUSE && r->note && strstr(c.notes[i].msg, r->note))
                        noted = true;
        if (r->note && !noted) {
                good = false;
                snprintf(why, sizeof(why), "no note '%s' (%zu notes%s%s)", r->note, c.n_notes, c.n_notes ? ": " : "",
                         c.n_notes ? c.notes[0].msg : "");
        }
        int code = early_exit_code(&c);
        if (code != r->exit) {
                good = false;
                snprintf(why, sizeof(why), "exit %d, expected %d", code, r->exit);
        }
        OK(good, "plan: %s%s%s", r->name, why[0] ? " — " : "", why);
        early_free(&c);
        root_close(&pr);
}

/* the plan reads only: the tree is byte for byte what it was */
static void tree_sum(const char *root, char *out, size_t size)
{
        char cmd[4200];
        snprintf(cmd, sizeof(cmd), "cd '%s' && find . -path ./proc -prune -o -type f -print0 | sort -z | xargs -0 cat | md5sum", root);
        FILE *p = popen(cmd, "r");
        out[0] = '\0';
        if (p) {
                if (!fgets(out, (int)size, p))
                        out[0] = '\0';
                pclose(p);
        }
}

void test_early(void)
{
        char tmpl[] = "/tmp/pgs-unit-early.XXXXXX";
        if (!mkdtemp(tmpl)) {
                OK(0, "plan: scratch directory");
                return;
        }
        for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
                char root[64], cmd[128], a[64], b[64];
                snprintf(root, sizeof(root), "%s/%zu", tmpl, i);
                mkdir(root, 0755);
                build(root, &rows[i]);
                tree_sum(root, a, sizeof(a));
                check_row(&rows[i], root);
                tree_sum(root, b, sizeof(b));
                if (strcmp(a, b))
                        OK(0, "plan: %s: the tree changed", rows[i].name);
                snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
                if (system(cmd) != 0)
                        printf("# could not remove %s\n", root);
        }
        rmdir(tmpl);
}
