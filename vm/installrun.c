/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vm/installrun.c — pgs vm install with libvirt (vm/install.c lists the
 * steps): define and start the install domain, the final one defined again
 * at once, Enter pressed for the CD's prompt, the waits with their
 * progress, the answer ISO deleted, the first boot. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libvirt/libvirt.h>

#include "shared/command.h"
#include "shared/log.h"
#include "shared/proc.h"
#include "shared/root.h"
#include "vm/installcmd.h"
#include "vm/manage.h"

#define ID "pgs vm"
#define KEY_ENTER 28    /* linux/input-event-codes.h */

static const char *off_reason(int reason)
{
        switch (reason) {
        case VIR_DOMAIN_SHUTOFF_SHUTDOWN: return "the guest powered itself off";
        case VIR_DOMAIN_SHUTOFF_DESTROYED: return "it was destroyed (virsh destroy)";
        case VIR_DOMAIN_SHUTOFF_CRASHED: return "it crashed";
        case VIR_DOMAIN_SHUTOFF_FAILED: return "QEMU failed";
        default: return "it stopped";
        }
}

static void progress(const char *what, uint64_t start, bool tty, unsigned *said)
{
        unsigned s = (unsigned)((now_usec() - start) / 1000000);
        if (tty)
                printf("\r%s: running, %u:%02u ", what, s / 60, s % 60);
        else if (s / 600 > *said) {
                *said = s / 600;
                printf("%s: still running, %u min\n", what, s / 60);
        }
        fflush(stdout);
}

/* wait until d is shut off (its reason in *reason), pressing Enter every 2 s
 * for the first keys seconds; -ETIMEDOUT past timeout_min */
static int wait_off(virDomainPtr d, const char *what, unsigned timeout_min, unsigned keys, int *reason)
{
        uint64_t start = now_usec(), last_key = 0;
        unsigned said = 0, code[1] = { KEY_ENTER };
        bool tty = isatty(1);
        printf("%s: started%s\n", what, keys ? "; pressing Enter for the CD's prompt" : "");
        for (;;) {
                int st = 0;
                if (virDomainGetState(d, &st, reason, 0) < 0) {
                        log_stderr(ID, "%s: libvirt lost the domain: %s", what, lv_msg());
                        return -EIO;
                }
                if (st == VIR_DOMAIN_SHUTOFF)
                        break;
                uint64_t t = now_usec() - start;
                if (t > (uint64_t)timeout_min * 60 * 1000000)
                        return -ETIMEDOUT;
                if (keys && t < (uint64_t)keys * 1000000 && now_usec() - last_key >= 2000000) {
                        virDomainSendKey(d, VIR_KEYCODE_SET_LINUX, 100, code, 1, 0);
                        last_key = now_usec();
                }
                progress(what, start, tty, &said);
                struct timespec ts = { 0, 500 * 1000 * 1000 };
                nanosleep(&ts, NULL);
        }
        unsigned s = (unsigned)((now_usec() - start) / 1000000);
        printf("%s%s: shut off after %u:%02u: %s\n", tty ? "\n" : "", what, s / 60, s % 60, off_reason(*reason));
        return 0;
}

static int define(virConnectPtr c, const char *xml, const char *what)
{
        virDomainPtr d = virDomainDefineXMLFlags(c, xml, VIR_DOMAIN_DEFINE_VALIDATE);
        if (!d) {
                log_stderr(ID, "libvirt refused the %s domain: %s", what, lv_msg());
                return -EINVAL;
        }
        virDomainFree(d);
        return 0;
}

int vm_install_run(virConnectPtr c, virDomainPtr d, const struct install_opts *io, const char *final_xml,
                   const char *install_xml, const char *answer_rel, const struct pgs_root *r)
{
        int reason = 0, k;
        /* a domain QEMU emulates reaches the CD's prompt in minutes, not seconds */
        unsigned keys = io->key_seconds ? io->key_seconds : strstr(final_xml, "<domain type='qemu'") ? 300 : 40;
        if (define(c, install_xml, "install") < 0) {
                fs_unlink(r, answer_rel);
                return PGS_EXIT_FAILED;
        }
        if (virDomainCreate(d) < 0) {
                log_stderr(ID, "%s did not start: %s; the final domain is defined again", io->name, lv_msg());
                define(c, final_xml, "final");
                fs_unlink(r, answer_rel);
                return PGS_EXIT_FAILED;
        }
        /* from here on, the persistent definition is the final domain */
        if (define(c, final_xml, "final") < 0)
                log_stderr(ID, "the install domain stays defined: pgs vm create %s --replace … makes the final one again", io->name);
        k = wait_off(d, "Windows Setup", io->timeout_min, keys, &reason);
        if (k == -ETIMEDOUT) {
                log_stderr(ID, "Windows Setup still runs after %u min; pgs stops waiting and leaves it running. Once it has powered off, "
                               "delete %s (it holds the password) or run pgs vm remove", io->timeout_min, answer_rel);
                return PGS_EXIT_PARTIAL;
        }
        fs_unlink(r, answer_rel);
        printf("deleted the answer ISO %s\n", answer_rel);
        if (k < 0)
                return PGS_EXIT_FAILED;
        if (reason != VIR_DOMAIN_SHUTOFF_SHUTDOWN) {
                log_stderr(ID, "Windows Setup did not end by powering the guest off (%s); the final domain is defined; "
                               "pgs vm install %s --erase-disk … starts over", off_reason(reason), io->name);
                return PGS_EXIT_FAILED;
        }
        if (virDomainCreate(d) < 0) {
                log_stderr(ID, "the final domain %s did not start for its first boot: %s", io->name, lv_msg());
                return PGS_EXIT_PARTIAL;
        }
        k = wait_off(d, "first boot (drivers, guest tools)", io->timeout_min, 0, &reason);
        if (k < 0 || reason != VIR_DOMAIN_SHUTOFF_SHUTDOWN) {
                log_stderr(ID, "the first boot did not end by powering off%s; the task runs again at the next start",
                           k == -ETIMEDOUT ? " in time (it keeps running)" : "");
                return PGS_EXIT_PARTIAL;
        }
        printf("installed Windows into %s; virsh start %s\n", io->name, io->name);
        return PGS_EXIT_OK;
}
