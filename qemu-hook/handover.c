/* SPDX-License-Identifier: GPL-2.0-or-later */
/* qemu-hook/handover.c — PCI hostdevs: refuse a GPU something holds open;
 * with <pgs:handover/>, move a managed='no' device from its host driver to
 * vfio-pci (journal kind "handover ADDR DRIVER OVERRIDE"), and give it back
 * at release. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "qemu-hook/hook.h"
#include "shared/host/kmod.h"
#include "shared/pci.h"
#include "shared/proc.h"
#include "shared/procscan.h"
#include "shared/strutil.h"

struct holders {
        const struct pgs_root *r;
        int ne, np;
        char (*exact)[64], (*prefix)[64];
        char *out;
        size_t size, k;
        int found;
};

static int node_match(const char *pid, const char *t, void *ud)
{
        struct holders *h = ud;
        for (int e = 0; e < h->ne; e++)
                if (!strcmp(t, h->exact[e]))
                        return 1;
        for (int q = 0; q < h->np; q++)
                if (!strncmp(t, h->prefix[q], strlen(h->prefix[q])))
                        return 1;
        return 0;
}

/* one process: does it hold one of the nodes? then it is named in out */
static int holder_check(const char *pid, void *ud)
{
        struct holders *h = ud;
        if (proc_each_fd(h->r, pid, node_match, h)) {
                char p[300], comm[64] = "?";
                path_fmt(p, sizeof(p), "proc/%s/comm", pid);
                fs_read_str(h->r, p, comm, sizeof(comm));
                h->k += (size_t)snprintf(h->out + h->k, h->k < h->size ? h->size - h->k : 0, "%s%s (%s)", h->found ? ", " : "", pid, comm);
                h->found++;
        }
        return 0;
}

/* Who holds a device open: processes with its DRM nodes (drm/cardN,
 * renderDN), its ALSA nodes (sound/cardN: /dev/snd/controlCN, pcmCN…) or NVIDIA's nodes
 * open. An unbind would wait for them, uninterruptibly. */
static int device_holders(const struct pgs_root *r, const struct pci_dev *d, char *out, size_t size)
{
        char exact[16][64], prefix[24][64];
        int ne = 0, np = 0;
        struct dirent **list;
        char p[300];
        snprintf(p, sizeof(p), "sys/bus/pci/devices/%s/drm", d->name);
        int n = fs_scandir(r, p, &list, NULL, alphasort);
        for (int i = 0; i < n; i++) {
                if (ne < 16 && (!strncmp(list[i]->d_name, "card", 4) || !strncmp(list[i]->d_name, "renderD", 7)))
                        snprintf(exact[ne++], 64, "/dev/dri/%s", list[i]->d_name);
                free(list[i]);
        }
        if (n >= 0)
                free(list);
        snprintf(p, sizeof(p), "sys/bus/pci/devices/%s/sound", d->name);
        n = fs_scandir(r, p, &list, NULL, alphasort);
        for (int i = 0; i < n; i++) {
                unsigned c;
                if (np < 21 && sscanf(list[i]->d_name, "card%u", &c) == 1) {
                        snprintf(prefix[np++], 64, "/dev/snd/controlC%u", c);
                        snprintf(prefix[np++], 64, "/dev/snd/pcmC%uD", c);
                        snprintf(prefix[np++], 64, "/dev/snd/hwC%uD", c);
                }
                free(list[i]);
        }
        if (n >= 0)
                free(list);
        if (!strncmp(d->driver, "nvidia", 6) && np < 24)
                snprintf(prefix[np++], 64, "/dev/nvidia");
        struct holders h = { r, ne, np, exact, prefix, out, size, 0, 0 };
        out[0] = '\0';
        proc_each(r, holder_check, &h);
        return h.found;
}

/* is "ADDR@VID:DID" (this device, with its id) among the words of allow? */
static bool handover_allowed(const char *allow, const struct pci_dev *dev)
{
        char want[64];
        snprintf(want, sizeof(want), "%s@%04x:%04x", dev->name, dev->vendor, dev->device);
        return str_has_word(allow, want, " ,");
}

/* A late unbind (the hook stopped waiting for it): the VM's start has failed
 * and its release may already have run, so the device goes back to the driver
 * it came from, under the journal lock, with the override it had. */
static void unbind_late(const struct hook *h, const struct pci_dev *d)
{
        const struct pgs_root *r = h->root;
        int lock = journal_lock(r, 60000);
        int rc = pci_dev_return(r, d->name, d->driver, d->driver_override);
        log_msg(h->log, PGS_LOG_INFO, "%s: the unbind from %s returned late; %s", d->name, d->driver,
                rc == 0 ? "put back on it" : "could not put it back: see pgs restore");
        journal_unlock(lock);
}

/* echo ADDR > driver/unbind in a child: an unbind cannot be interrupted, so
 * the hook waits for it only until the deadline. The child holds nothing
 * libvirt or another hook waits on: not our stdout/stderr (libvirt reads them
 * to EOF), not the journal lock. A pipe tells it whether we still wait; when
 * we do not, it puts the device back itself (unbind_late). */
static int unbind_bounded(const struct hook *h, const struct pci_dev *d)
{
        const struct pgs_root *r = h->root;
        int lockfd = h->lockfd;
        unsigned deadline_ms = h->unbind_ms;
        int pfd[2];
        if (pipe2(pfd, O_CLOEXEC) < 0)
                return -errno;
        fflush(NULL);
        pid_t pid = fork();
        if (pid < 0) {
                int e = errno;
                close(pfd[0]);
                close(pfd[1]);
                return -e;
        }
        if (pid == 0) {
                close(pfd[0]);
                if (lockfd >= 0)
                        close(lockfd);
                int nul = open("/dev/null", O_RDWR);
                if (nul >= 0) {
                        dup2(nul, 0);
                        dup2(nul, 1);
                        dup2(nul, 2);
                        if (nul > 2)
                                close(nul);
                }
                for (int fd = 3; fd < 1024; fd++)
                        if (fd != r->fd && fd != pfd[1])
                                close(fd);
                setsid();
                signal(SIGPIPE, SIG_IGN);
                char res = pci_dev_unbind(r, d->name, d->driver) < 0 ? 1 : 0;
                if (write(pfd[1], &res, 1) == 1)
                        _exit(0);               /* the hook still waits: it goes on */
                unbind_late(h, d);
                _exit(0);
        }
        close(pfd[1]);
        struct pollfd pf = { .fd = pfd[0], .events = POLLIN };
        uint64_t deadline = now_usec() + (uint64_t)deadline_ms * 1000;
        int rc = -ETIMEDOUT;
        for (;;) {
                uint64_t now = now_usec();
                int left = now >= deadline ? 0 : (int)((deadline - now + 999) / 1000);
                int n = poll(&pf, 1, left);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n > 0) {
                        char res = 1;
                        rc = read(pfd[0], &res, 1) == 1 && res == 0 ? 0 : -EIO;
                        waitpid(pid, NULL, 0);
                        break;
                }
                if (left == 0 || n < 0)
                        break;
        }
        /* closing our end tells a child still in the kernel that nobody waits */
        close(pfd[0]);
        return rc;
}

/* modprobe vfio-pci, through libkmod for the running kernel: its reason
 * when it cannot (an install line, signing, lockdown) */
static int load_vfio(const struct pgs_root *r, char *why, size_t size)
{
        char kver[128];
        struct hkmod k;
        int rc = hkmod_running_kernel(r, kver, sizeof(kver));
        if (rc < 0) {
                snprintf(why, size, "cannot tell the running kernel (/proc/sys/kernel/osrelease: %s)", strerror(-rc));
                return rc;
        }
        if ((rc = hkmod_open(&k, r, kver)) < 0) {
                snprintf(why, size, "libkmod: %s", strerror(-rc));
                return rc;
        }
        rc = hkmod_load(&k, "vfio-pci", why, size);
        hkmod_close(&k);
        return rc;
}

/* PCI hostdevs: refuse when something holds the GPU (libvirt's own unbind
 * would hang); with managed='no' and <pgs:handover/>, move it to vfio-pci —
 * never the boot VGA device, and a device of a class other than display,
 * audio, USB or serial bus only when <pgs:handover allow='ADDR@VID:DID'/> names it */
int handover_prepare(const struct hook *h)
{
        const struct pgs_root *r = h->root;
        const struct domain *d = h->d;
        unsigned unbind_ms = h->unbind_ms;
        for (size_t i = 0; i < d->n_pci; i++) {
                struct pci_addr a;
                struct pci_dev dev;
                char who[512];
                if (pci_addr_parse(d->pci[i].addr, &a) < 0 || pci_dev_read(r, &a, &dev) < 0) {
                        hook_say(h, "hostdev %s: no such PCI device", d->pci[i].addr);
                        return -ENODEV;
                }
                if (!strcmp(dev.driver, "vfio-pci"))
                        continue;
                if (dev.driver[0] && device_holders(r, &dev, who, sizeof(who)) > 0) {
                        hook_say(h, "hostdev %s is on %s and held open by %s: close them (or stop the display manager) first; an unbind now would hang",  dev.name, dev.driver, who);
                        return -EBUSY;
                }
                if (d->pci[i].managed || !dev.driver[0])
                        continue;       /* libvirt moves it after the hook */
                if (!d->want_handover) {
                        hook_say(h, "hostdev %s has managed='no' but is on %s: libvirt will not move it; add <pgs:handover/> to pgs's metadata, or managed='yes'",  dev.name, dev.driver);
                        return -EBUSY;
                }
                if (dev.boot_vga == 1) {
                        hook_say(h, "hostdev %s is the boot VGA device (on %s): pgs never hands it over; nothing changed for it",  dev.name, dev.driver);
                        return -EPERM;
                }
                if (!pci_class_movable(dev.class) && !handover_allowed(d->handover_allow, &dev)) {
                        hook_say(h, "hostdev %s is class 0x%06x on %s, not display, audio, USB or serial bus: pgs hands it over only when "
                            "<pgs:handover allow='%s@%04x:%04x'/> names it", dev.name, dev.class, dev.driver, dev.name, dev.vendor, dev.device);
                        return -EPERM;
                }
                if (!pci_driver_loaded(r, "vfio-pci")) {
                        char why[600];
                        if (load_vfio(r, why, sizeof(why)) == 0 && !pci_driver_loaded(r, "vfio-pci"))
                                snprintf(why, sizeof(why), "it loaded, but registered no vfio-pci driver");
                        if (why[0]) {
                                hook_say(h, "hostdev %s: vfio-pci cannot be loaded: %s", dev.name, why);
                                return -ENOENT;
                        }
                }
                int rc = journal_append(h->j, "handover %s %s %s\n", dev.name, dev.driver, dev.driver_override[0] ? dev.driver_override : "-");
                if (rc == 0)
                        rc = pci_dev_set_override(r, dev.name, "vfio-pci");
                if (rc == 0 && (rc = unbind_bounded(h, &dev)) == -ETIMEDOUT) {
                        hook_say(h, "hostdev %s: unbinding it from %s did not finish in %u s; when the kernel finishes it, pgs puts it back on %s",  dev.name, dev.driver, unbind_ms / 1000, dev.driver);
                        return rc;
                }
                const char *step = "unbind";
                if (rc == 0) {
                        pci_dev_read(r, &a, &dev);
                        rc = pci_dev_bind(r, &dev, "vfio-pci", 3000, &step);
                }
                if (rc < 0) {
                        hook_say(h, "hostdev %s: moving it to vfio-pci failed at %s: %s", dev.name, step, strerror(-rc));
                        return rc;
                }
                hook_say(h, "hostdev %s moved to vfio-pci; it goes back on release",  dev.name);
        }
        return 0;
}

/* handover ADDR DRIVER OVERRIDE|-: back from vfio-pci to its host driver,
 * with the driver_override it had */
int handover_undo(const struct journal_step *s, const char *args)
{
        char addr[32], drv[128], ov[128];
        if (sscanf(args, "%31s %127s %127s", addr, drv, ov) != 3)
                return 0;
        int rc = pci_dev_return(s->root, addr, drv, strcmp(ov, "-") ? ov : "");
        journal_say(s, rc == 0 ? "%s: back on %s" : "%s: could not put it back on %s", addr, drv);
        return rc;
}
