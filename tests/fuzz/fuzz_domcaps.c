/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tests/fuzz/fuzz_domcaps.c — libvirt's domain capabilities (--domcaps FILE,
 * or libvirt's answer) through vm/caps.c, and the domain XML written from
 * them: input is CAPS [\0 EVDEV-NAME]. The name stands for a device name
 * from /dev/input (a USB device chooses its own); whatever it holds, the
 * XML written must be one the hook reads back (qemu-hook/domain.c). */
#include <string.h>

#include "tests/fuzz/fuzz.h"
#include "qemu-hook/domain.h"
#include "vm/vm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        if (size > 1 << 20)
                return 0;
        const char *nul = memchr(data, 0, size);
        size_t clen = nul ? (size_t)(nul - (const char *)data) : size;
        struct caps c;
        char msg[512];
        if (caps_parse((const char *)data, clen, &c, msg, sizeof(msg)) < 0)
                return 0;
        if (c.hv >> HV_N || c.machine[sizeof(c.machine) - 1] || (c.secure_boot && !c.efi))
                abort();
        static struct vm_spec s;
        static struct vm_opts o;
        memset(&s, 0, sizeof(s));
        memset(&o, 0, sizeof(o));
        o.name = "fuzz";
        o.windows = 11;
        s.o = &o;
        s.caps = c;
        s.tcg = !c.kvm;
        s.hv = c.hv;
        s.memory_mib = 8192;
        s.page_kib = s.tcg ? 0 : 2048;
        s.pin.vcpus = 2, s.pin.cores = 1, s.pin.threads = 2, s.pin.cpu[0] = 1, s.pin.cpu[1] = 3;
        if (nul) {
                size_t n = size - clen - 1;
                if (n >= sizeof(s.evdev[0]))
                        n = sizeof(s.evdev[0]) - 1;
                memcpy(s.evdev[0], nul + 1, n);
                s.evdev[0][n] = 0;
                s.n_evdev = 1;
                s.evdev_kbd[0] = true;
        }
        char *xml = vm_xml(&s);
        if (!xml)
                abort();
        static struct domain d;
        /* a name with bytes XML cannot carry (control bytes, bad UTF-8) may
         * not parse: vm/evdev.c never picks or takes such a name */
        bool clean = true;
        for (const unsigned char *p = (const unsigned char *)s.evdev[0]; *p; p++)
                clean &= *p >= 0x20 && *p < 0x7f;
        if (domain_parse(xml, strlen(xml), &d, msg, sizeof(msg)) < 0 ? clean : !d.managed || d.vcpus.bits[0] != 0xa)
                abort();
        free(xml);
        return 0;
}
