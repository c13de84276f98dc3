/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vm/evdev.c — the keyboard and mouse the guest takes (native
 * <input type='evdev'>), by their stable names:
 *
 *   /dev/input/by-id/usb-Logitech_G502-event-mouse     (udev's persistent links)
 *   /dev/input/by-path/platform-i8042-serio-0-event-kbd (built-in keyboards and
 *                                                       I2C touchpads have no by-id)
 *
 * --evdev auto: the first keyboard and the first mouse by name in by-id, else
 * in by-path. A gaming mouse also exposes a keyboard interface
 * ("usb-Logitech_G502-if01-event-kbd" beside "usb-Logitech_G502-event-mouse"):
 * a keyboard whose device (its name without -ifNN and the -event-* suffix)
 * also has a mouse link is that mouse's, not a keyboard. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vm/vm.h"

static bool ends(const char *s, const char *suf)
{
        size_t a = strlen(s), b = strlen(suf);
        return a >= b && !strcmp(s + a - b, suf);
}

/* "usb-X-if01-event-kbd" → "usb-X" */
static void device_of(const char *name, char *buf, size_t size)
{
        snprintf(buf, size, "%s", name);
        char *e = strstr(buf, "-event-");
        if (e)
                *e = 0;
        size_t n = strlen(buf);
        if (n > 5 && !strncmp(buf + n - 5, "-if", 3))
                buf[n - 5] = 0;
}

/* a name XML can carry as it is: a USB device names itself, so a link
 * name may hold any byte but '/' */
static bool printable(const char *s)
{
        for (; *s; s++)
                if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
                        return false;
        return true;
}

static int pick_in(const struct pgs_root *r, const char *dir, struct vm_spec *s, bool want_kbd, bool want_mouse)
{
        struct dirent **l;
        int n = fs_scandir(r, dir, &l, NULL, alphasort);
        if (n < 0)
                return 0;
        const char *kbd = NULL, *mouse = NULL;
        for (int i = 0; i < n; i++)
                if (!mouse && ends(l[i]->d_name, "-event-mouse") && printable(l[i]->d_name))
                        mouse = l[i]->d_name;
        for (int i = 0; i < n && !kbd; i++) {
                if (!ends(l[i]->d_name, "-event-kbd") || !printable(l[i]->d_name))
                        continue;
                char dk[256], dm[256];
                device_of(l[i]->d_name, dk, sizeof(dk));
                bool a_mouse = false;
                for (int j = 0; j < n && !a_mouse; j++)
                        if (ends(l[j]->d_name, "-event-mouse")) {
                                device_of(l[j]->d_name, dm, sizeof(dm));
                                a_mouse = !strcmp(dk, dm);
                        }
                if (!a_mouse)
                        kbd = l[i]->d_name;
        }
        if (want_kbd && kbd) {
                snprintf(s->evdev[s->n_evdev], sizeof(s->evdev[0]), "/%s/%s", dir, kbd);
                s->evdev_kbd[s->n_evdev++] = true;
        }
        if (want_mouse && mouse)
                snprintf(s->evdev[s->n_evdev++], sizeof(s->evdev[0]), "/%s/%s", dir, mouse);
        int found = (want_kbd && kbd ? 1 : 0) | (want_mouse && mouse ? 2 : 0);
        for (int i = 0; i < n; i++)
                free(l[i]);
        free(l);
        return found;
}

int vm_evdev_pick(const struct pgs_root *r, const struct vm_opts *o, struct vm_spec *s, char *msg, size_t msgsize)
{
        s->n_evdev = 0;
        if (s->tcg || (o->n_evdev == 1 && !strcmp(o->evdev[0], "none")))
                return 0;
        if (!o->n_evdev || (o->n_evdev == 1 && !strcmp(o->evdev[0], "auto"))) {
                int got = pick_in(r, "dev/input/by-id", s, true, true);
                got |= pick_in(r, "dev/input/by-path", s, !(got & 1), !(got & 2));
                if (!s->n_evdev)
                        return 0;       /* nothing to take: the guest's own USB or spice input */
        } else {
                for (unsigned i = 0; i < o->n_evdev; i++) {
                        const char *d = o->evdev[i];
                        if (strncmp(d, "/dev/input/", 11) || strstr(d, "/../") || strlen(d) >= sizeof(s->evdev[0]) || !printable(d)) {
                                snprintf(msg, msgsize, "--evdev %.200s: give a device under /dev/input/by-id or /dev/input/by-path", d);
                                return -EINVAL;
                        }
                        if (!fs_exists(r, d)) {
                                snprintf(msg, msgsize, "--evdev %.200s: there is no such device", d);
                                return -ENOENT;
                        }
                        snprintf(s->evdev[s->n_evdev], sizeof(s->evdev[0]), "%s", d);
                        s->evdev_kbd[s->n_evdev++] = ends(d, "-kbd");
                }
        }
        if (s->n_notes < sizeof(s->notes) / sizeof(s->notes[0]))
                snprintf(s->notes[s->n_notes++], sizeof(s->notes[0]),
                         "the guest takes %u input device%s (both Ctrl keys give them back); one that is missing when the VM starts fails the start",
                         s->n_evdev, s->n_evdev == 1 ? "" : "s");
        return 0;
}
