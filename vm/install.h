/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vm/install.h — pgs vm install: the unattended Windows install.
 *
 *   winlocale.c    language, locales, keyboard and time zone for Setup
 *   answer.c       the answer file and the two scripts it runs (pure)
 *   installxml.c   the install domain, made from the defined (final) one
 *   install.c      the command: the answer ISO, libvirt, the key press,
 *                  waiting for Setup and for the first boot */
#pragma once
#include <stdbool.h>
#include <stddef.h>

struct pgs_root;

#define WIN_LANG_MAX 16

/* The language of a Windows ISO from its primary volume descriptor (the
 * 2048 bytes at offset 32768): CCCOMA_X64FRE_EN-US_DV9 → en-US. volid gets
 * the volume id, printable. -ENOMEDIUM: not ISO 9660; -ENOENT: no language
 * in the volume id. */
int win_iso_language(const unsigned char *pvd, size_t len, char out[WIN_LANG_MAX], char volid[33]);
/* LANG (de_DE.UTF-8) → de-DE; -ENOENT for C, POSIX, or anything else */
int win_lang_locale(const char *lang, char out[WIN_LANG_MAX]);
/* /etc/default/keyboard's text → the language whose keyboard Windows
 * gives (XKBLAYOUT="de,us" → de-DE); -ENOENT when it names none pgs knows */
int win_keyboard_locale(const char *text, size_t len, char out[WIN_LANG_MAX]);
/* IANA → Windows zone by ICU's mapping (Europe/Berlin → W. Europe Standard
 * Time); -ENOENT when ICU has none */
int win_timezone(const char *iana, char *out, size_t size);
/* the host's IANA zone: etc/timezone, else the etc/localtime link */
int win_host_zone(const struct pgs_root *r, char *out, size_t size);

struct answer {
        unsigned windows;               /* 10 or 11 */
        const char *edition;            /* home, pro, … (answer_key) */
        char ui_lang[WIN_LANG_MAX], user_locale[WIN_LANG_MAX], input_locale[WIN_LANG_MAX];
        char timezone[64];
        char computer[16];
        const char *user, *password;
        bool bypass_tpm, bypass_secure_boot;
        const char *const *drivers;     /* base names of --driver files (NULL-terminated) */
};

/* Windows 10/11's generic key for an edition (installs, does not activate);
 * NULL for an edition pgs does not know. answer_editions: the list, for
 * messages. */
const char *answer_key(const char *edition);
extern const char answer_editions[];
/* NAME → a NetBIOS-safe computer name (A–Z, 0–9, '-', ≤ 15, not all digits) */
void answer_computer_name(const char *name, char out[16]);
/* a local account name Windows takes: 1–20 characters, none of
 * "/\[]:;|=,+*?<>@ and no control bytes, not only dots and spaces */
bool answer_user_ok(const char *user);
/* a password pgs writes: 1–127 bytes, no control bytes */
bool answer_password_ok(const char *pw);

/* autounattend.xml, setup.cmd (copies the first-boot files to the disk,
 * registers the task, powers off) and firstboot.cmd (installs the drivers
 * where the GPU is present, removes its task, powers off); malloc'ed */
char *answer_xml(const struct answer *a);
char *answer_setup_cmd(const struct answer *a);
char *answer_firstboot_cmd(const struct answer *a);
/* a --driver file's silent install flags by its name ("msi" for an .msi);
 * NULL: pgs does not know how to install it unattended */
const char *answer_driver_flags(const char *base);

/* --- the install domain -------------------------------------------------- */

struct dom_facts {
        unsigned windows;               /* from <libosinfo:os id>: 10 or 11 */
        bool managed;                   /* pgs's metadata is there */
        bool tpm, secure_boot;
        char disk[4096];                /* the system disk: file or block device, or the controller's address */
        bool disk_block;
        bool disk_ctrl;                 /* a whole controller (a hostdev pgs's <handover allow> names) */
};

/* What install needs to know of the defined domain's XML; -EINVAL with msg */
int install_facts(const char *xml, size_t len, struct dom_facts *ret, char *msg, size_t msgsize);
/* The install domain: the final one without hostdevs (but keep_pci, the
 * system disk's controller, or NULL), evdev, Looking Glass and pgs's mdev; a
 * display; e1000e; SATA CD-ROMs for Windows (boot order after the disk), the
 * answer ISO and virtio-win. malloc'ed XML or NULL. */
char *install_xml(const char *final_xml, size_t len, const char *keep_pci, const char *win_iso, const char *answer_iso,
                  const char *virtio_iso, char *msg, size_t msgsize);
