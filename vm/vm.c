/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vm/vm.c — pgs-vm, the program behind `pgs vm` (it links libvirt, which
 * `pgs` itself does not load: pgs check stays a small start). `pgs vm ARGS`
 * runs `pgs-vm vm ARGS`. This file: create; vm/manage.c: show, remove and
 * the libvirt connection. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libvirt/libvirt.h>

#include "qemu-hook/domain.h"
#include "shared/command.h"
#include "shared/log.h"
#include "shared/sysroot.h"
#include "vm/installcmd.h"
#include "vm/manage.h"

static void usage(FILE *f)
{
        fputs("Usage: pgs vm create NAME --mode passthrough|gvtg|sriov [OPTIONS]\n"
              "       pgs vm install NAME --iso WIN.iso [OPTIONS]\n"
              "       pgs vm show NAME\n"
              "       pgs vm remove NAME [--dry-run]\n"
              "\n"
              "The Windows 10/11 domain for this host, defined in libvirt (qemu:///system:\n"
              "the user needs the libvirt group, or polkit's consent, or root).\n"
              "\n"
              "create options:\n"
              "  --mode MODE            passthrough (a whole GPU), gvtg (an Intel GVT-g slice),\n"
              "                         sriov (a virtual function of an Intel iGPU)\n"
              "  --gpu ADDR             the GPU (default: passthrough, the discrete GPU the host\n"
              "                         does not boot on; gvtg and sriov, 0000:00:02.0)\n"
              "  --windows 10|11        default 11\n"
              "  --memory SIZE          8G, 12288M (default 8G); at most 3/4 of the host's\n"
              "  --cpus N               vCPUs, whole cores (default: every core the host spares)\n"
              "  --image PATH [--size SIZE]  the system disk, a raw image (created with --size,\n"
              "                         e.g. 128G, when it does not exist; never wiped)\n"
              "  --disk PATH            a whole disk instead (stored by its /dev/disk/by-id name); refused\n"
              "                         while the host uses it or a partition on it (mounted, swap,\n"
              "                         LVM, LUKS, md, the root); never wiped by create\n"
              "  --disk-controller ADDR a whole NVMe/SATA controller instead, with the same refusals\n"
              "                         for every disk behind it; the hook hands it over at start\n"
              "  --rom FILE             the GPU's option ROM (copied to /var/lib/pgs/firmware)\n"
              "  --laptop               a battery ACPI table (NVIDIA's laptop drivers need one); libvirt\n"
              "                         then marks the domain tainted (custom-argv)\n"
              "  --looking-glass[=WxH[,hdr]]  a Looking Glass shared memory (default 1920x1080), its\n"
              "                         file /dev/shm/looking-glass for you and group kvm (tmpfiles.d)\n"
              "  --evdev auto|none|DEV  keyboard and mouse the guest takes (repeat for several)\n"
              "  --secure-boot on|off   default on where libvirt's OVMF offers it\n"
              "  --hide-hypervisor auto|on|off  auto: on for NVIDIA passthrough and Intel VFs\n"
              "  --isolate on|off       host work kept off the vCPUs' cores while it runs (the hook's\n"
              "                         <pgs:isolate/>; default on)\n"
              "  --tcg                  a domain QEMU emulates (no KVM): no GPU, evdev or hugepages\n"
              "  --replace              redefine a defined domain, keeping its UUID (NVRAM, TPM)\n"
              "  --print-xml            print the domain XML; connect to nothing\n"
              "  --domcaps FILE         with --print-xml: libvirt's domain capabilities (virsh\n"
              "                         domcapabilities); default: the set docs/vm.md lists\n"
              "  --dry-run              say what create would do; define and write nothing\n"
              "  --sysroot DIR          read the host (sysfs, /proc, /dev) under DIR\n"
              "\n"
              "install options (Windows into the domain create made, unattended):\n"
              "  --iso FILE             the Windows 10/11 ISO (absolute path); its language is Setup's\n"
              "  --virtio-iso FILE      virtio-win (not in Debian; default: /usr/share/virtio-win/)\n"
              "  --driver FILE          installed at the first boot, where the GPU is: an NVIDIA, AMD or\n"
              "                         Intel driver .exe, Looking Glass's host .exe, or an .msi (repeat)\n"
              "  --edition NAME         home, pro (default), pro-n, education, enterprise, …: its generic key\n"
              "  --user NAME            the one local administrator (default: $SUDO_USER, else pgs)\n"
              "  --password-file FILE   its password, first line (default: asked on the terminal)\n"
              "  --language ll-CC       Setup's language when the ISO's volume id names none\n"
              "  --erase-disk           Setup may erase a system disk that holds data\n"
              "  --timeout MIN          wait at most this long for Setup, and for the first boot (240)\n"
              "  --key-seconds N        press Enter for the CD's prompt this long (40; 300 under TCG)\n"
              "  --print-answer [--domain-xml FILE]  print the answer file; change nothing\n"
              "  --dry-run              say what install would do; write and start nothing\n"
              "  The answer ISO holds the password in clear: 0600, deleted once Setup ends.\n"
              "\n"
              "Exit status: 0 done, 1 failed, 64 usage error. docs/vm.md tells more.\n", f);
}

static int usage_err(const char *fmt, const char *arg)
{
        char m[300];
        snprintf(m, sizeof(m), fmt, arg);
        log_stderr("pgs vm", "%s", m);
        return PGS_EXIT_USAGE;
}

/* "8G", "8GiB", "12288M", "12288" (MiB) → MiB; 0 when malformed */
static unsigned long long size_mib(const char *s)
{
        char *end;
        if (!s || *s < '0' || *s > '9')
                return 0;
        errno = 0;
        unsigned long long v = strtoull(s, &end, 10);
        if (errno || v > (1ULL << 30))
                return 0;
        if (!*end || !strcmp(end, "M") || !strcmp(end, "MiB"))
                return v;
        if (!strcmp(end, "G") || !strcmp(end, "GiB"))
                return v * 1024;
        if (!strcmp(end, "T") || !strcmp(end, "TiB"))
                return v * 1024 * 1024;
        return 0;
}

static int tri(const char *s, enum tri *ret, bool allow_auto)
{
        if (!strcmp(s, "on"))
                *ret = TRI_ON;
        else if (!strcmp(s, "off"))
                *ret = TRI_OFF;
        else if (allow_auto && !strcmp(s, "auto"))
                *ret = TRI_AUTO;
        else
                return -1;
        return 0;
}

/* --looking-glass[=WxH[,hdr]] */
static int lg_option(struct vm_opts *o, const char *arg)
{
        o->looking_glass = true;
        if (!arg)
                return 0;
        char hdr[8] = "", extra;
        int k = sscanf(arg, "%ux%u,%7[a-z]%c", &o->lg_w, &o->lg_h, hdr, &extra);
        if (k < 2 || k > 3 || (k == 3 && strcmp(hdr, "hdr")) || o->lg_w < 640 || o->lg_h < 480 || o->lg_w > 16384 || o->lg_h > 16384)
                return -1;
        o->lg_hdr = k == 3;
        return 0;
}

/* one option of create: 0 taken, 1 --help shown, or an exit status */
static int one_option(int c, struct vm_opts *o, struct create_flags *fl, bool *have_mode, char **argv)
{
        switch (c) {
        case 'm':
                *have_mode = true;
                if (!strcmp(optarg, "passthrough"))
                        o->mode = VM_PASSTHROUGH;
                else if (!strcmp(optarg, "gvtg"))
                        o->mode = VM_GVTG;
                else if (!strcmp(optarg, "sriov"))
                        o->mode = VM_SRIOV;
                else
                        return usage_err("--mode '%.32s': passthrough, gvtg or sriov", optarg);
                break;
        case 'g': o->gpu = optarg; break;
        case 'w':
                if (strcmp(optarg, "10") && strcmp(optarg, "11"))
                        return usage_err("--windows '%.32s': 10 or 11", optarg);
                o->windows = (unsigned)atoi(optarg);
                break;
        case 'M':
                if (!(o->memory_mib = size_mib(optarg)))
                        return usage_err("--memory '%.32s': a size like 8G or 12288M", optarg);
                break;
        case 'c': {
                char *end;
                unsigned long v = strtoul(optarg, &end, 10);
                if (*optarg < '1' || *optarg > '9' || *end || v > TOPO_MAX_CPUS)
                        return usage_err("--cpus '%.32s': a number of vCPUs", optarg);
                o->cpus = (unsigned)v;
                break;
        }
        case 'i':
                if (optarg[0] != '/' || strstr(optarg, "/../") || strchr(optarg, '\n'))
                        return usage_err("--image '%.200s': an absolute path", optarg);
                o->image = optarg;
                break;
        case 'D':
                if (optarg[0] != '/' || strstr(optarg, "/../") || strchr(optarg, '\n'))
                        return usage_err("--disk '%.200s': an absolute path (like /dev/disk/by-id/nvme-…)", optarg);
                o->disk = optarg;
                break;
        case 'K': o->controller = optarg; break;
        case 'O': o->rom = optarg; break;
        case 'l': o->laptop = true; break;
        case 's':
                if (!(o->image_gib = size_mib(optarg) / 1024))
                        return usage_err("--size '%.32s': a size like 128G", optarg);
                break;
        case 'L':
                if (lg_option(o, optarg) < 0)
                        return usage_err("--looking-glass=%.32s: WIDTHxHEIGHT, optionally ,hdr (like 2560x1440,hdr)", optarg);
                break;
        case 'e':
                if (o->n_evdev == VM_MAX_EVDEV)
                        return usage_err("--evdev: at most %s devices", "8");
                o->evdev[o->n_evdev++] = optarg;
                break;
        case 'S':       /* the on|off (and auto) switches */
        case 'H':
        case 'I':
                if (tri(optarg, c == 'S' ? &o->secure_boot : c == 'H' ? &o->hide : &o->isolate, c == 'H') < 0)
                        return usage_err(c == 'S' ? "--secure-boot '%.32s': on or off"
                                         : c == 'H' ? "--hide-hypervisor '%.32s': auto, on or off" : "--isolate '%.32s': on or off", optarg);
                break;
        case 'R': fl->replace = true; break;
        case 'P': fl->print_xml = true; break;
        case 'C': fl->domcaps = optarg; break;
        case 'n': fl->dry_run = true; break;
        case 'T': fl->tcg = true; break;
        case 'r': fl->sysroot = optarg; break;
        case 'h': usage(stdout); return 1;
        default:
                return usage_err("create: unknown or incomplete option '%.64s' (pgs vm --help)", argv[optind - 1]);
        }
        return 0;
}

static int create(int argc, char **argv)
{
        static const struct option opts[] = {
                { "mode", required_argument, 0, 'm' }, { "gpu", required_argument, 0, 'g' },
                { "windows", required_argument, 0, 'w' }, { "memory", required_argument, 0, 'M' },
                { "cpus", required_argument, 0, 'c' }, { "image", required_argument, 0, 'i' },
                { "size", required_argument, 0, 's' }, { "looking-glass", optional_argument, 0, 'L' },
                { "disk", required_argument, 0, 'D' }, { "disk-controller", required_argument, 0, 'K' },
                { "rom", required_argument, 0, 'O' }, { "laptop", no_argument, 0, 'l' },
                { "evdev", required_argument, 0, 'e' }, { "secure-boot", required_argument, 0, 'S' },
                { "hide-hypervisor", required_argument, 0, 'H' }, { "replace", no_argument, 0, 'R' },
                { "isolate", required_argument, 0, 'I' },
                { "print-xml", no_argument, 0, 'P' }, { "domcaps", required_argument, 0, 'C' },
                { "dry-run", no_argument, 0, 'n' }, { "tcg", no_argument, 0, 'T' },
                SYSROOT_OPTION, { "help", no_argument, 0, 'h' }, { 0 } };
        struct vm_opts o = { .windows = 11 };
        struct create_flags fl = { 0 };
        bool have_mode = false;
        int c;
        optind = 1;
        opterr = 0;
        while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
                int k = one_option(c, &o, &fl, &have_mode, argv);
                if (k)
                        return k == 1 ? PGS_EXIT_OK : k;
        }
        if (optind != argc - 1)
                return usage_err("create takes one NAME%s (pgs vm --help)", optind < argc - 1 ? ", and only one" : "");
        o.name = argv[optind];
        if (!have_mode)
                return usage_err("create %.64s: --mode passthrough|gvtg|sriov is required", o.name);
        if (o.n_evdev > 1)
                for (unsigned i = 0; i < o.n_evdev; i++)
                        if (!strcmp(o.evdev[i], "auto") || !strcmp(o.evdev[i], "none"))
                                return usage_err("--evdev %s stands alone", o.evdev[i]);
        if (fl.domcaps && !fl.print_xml)
                return usage_err("--domcaps%s: only with --print-xml (create asks libvirt)", "");
        if (o.image_gib && !o.image)
                return usage_err("--size%s: only with --image", "");
        if (o.image_gib && o.image_gib < vm_min_disk_gib(o.windows)) {
                char m[64];
                snprintf(m, sizeof(m), "%llu", vm_min_disk_gib(o.windows));
                return usage_err("--size: Windows needs a disk of at least %s GiB", m);
        }
        return vm_create(&o, &fl);
}

int main(int argc, char **argv)
{
        /* argv: pgs-vm vm SUBCOMMAND … (as `pgs vm` passes it) */
        if (argc < 3 || !strcmp(argv[2], "--help") || !strcmp(argv[2], "-h") || !strcmp(argv[2], "help")) {
                usage(argc < 3 ? stderr : stdout);
                return argc < 3 ? PGS_EXIT_USAGE : PGS_EXIT_OK;
        }
        const char *sub = argv[2];
        if (!strcmp(sub, "create"))
                return create(argc - 2, argv + 2);
        if (!strcmp(sub, "show") || !strcmp(sub, "remove"))
                return vm_manage(argc - 2, argv + 2);
        if (!strcmp(sub, "install"))
                return vm_install(argc - 2, argv + 2);
        return usage_err("unknown subcommand '%.64s' (create, show, remove)", sub);
}
