/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vm/xml.c — the domain XML for a spec. What libvirt 9.0 takes (TESTING.md):
 * firmware by autoselection only (no <loader>/<nvram> paths), no clusters=,
 * no qemu:commandline -cpu (it would replace libvirt's own and lose every
 * <hyperv>/<kvm> setting), no <mac> (libvirt makes one), and guest PCI
 * addresses only for the GPU's slot: libvirt places everything else. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/pgsmeta.h"
#include "shared/strutil.h"
#include "vm/vm.h"

static void on(FILE *f, const struct vm_spec *s, enum hv h)
{
        if (!(s->hv & 1u << h))
                return;
        if (h == HV_SPINLOCKS)
                fputs("      <spinlocks state='on' retries='8191'/>\n", f);
        else if (h == HV_VENDOR_ID)
                fputs("      <vendor_id state='on' value='pgs-windows'/>\n", f);  /* ≤ 12 characters */
        else
                fprintf(f, "      <%s state='on'/>\n", hv_names[h]);
}

static void cpu_part(FILE *f, const struct vm_spec *s)
{
        fprintf(f, "  <vcpu placement='static'>%u</vcpu>\n", s->pin.vcpus);
        if (s->caps.iothreads)
                fputs("  <iothreads>1</iothreads>\n", f);
        char hk[256];
        cpulist_format(&s->pin.housekeeping, hk, sizeof(hk));
        fputs("  <cputune>\n", f);
        for (unsigned i = 0; i < s->pin.vcpus; i++)
                fprintf(f, "    <vcpupin vcpu='%u' cpuset='%u'/>\n", i, s->pin.cpu[i]);
        if (hk[0]) {
                fprintf(f, "    <emulatorpin cpuset='%s'/>\n", hk);
                if (s->caps.iothreads)
                        fprintf(f, "    <iothreadpin iothread='1' cpuset='%s'/>\n", hk);
        }
        fputs("  </cputune>\n", f);
}

static void features(FILE *f, const struct vm_spec *s)
{
        fputs("  <features>\n    <acpi/>\n    <apic/>\n    <hyperv mode='custom'>\n", f);
        for (int h = 0; h < HV_N; h++)
                on(f, s, (enum hv)h);
        fputs("    </hyperv>\n", f);
        if (s->hide)
                fputs("    <kvm>\n      <hidden state='on'/>\n    </kvm>\n", f);
        fputs("    <vmport state='off'/>\n", f);
        if (s->secure_boot)
                fputs("    <smm state='on'/>\n", f);
        fputs("  </features>\n", f);
        /* host-passthrough needs KVM; invtsc and the cache passthrough too */
        fprintf(f, "  <cpu mode='%s' check='none' migratable='off'>\n", s->tcg ? "maximum" : "host-passthrough");
        fprintf(f, "    <topology sockets='1' dies='1' cores='%u' threads='%u'/>\n", s->pin.cores, s->pin.threads);
        if (!s->tcg) {
                fputs("    <cache mode='passthrough'/>\n", f);
                fputs("    <feature policy='require' name='invtsc'/>\n", f);
                if (s->amd)
                        fputs("    <feature policy='require' name='topoext'/>\n", f);
                /* the first project's host-phys-bits-limit=39 for Intel VFs:
                 * libvirt 9.0 has no limit= (9.3 has); emulate gives the guest
                 * 39 bits outright (docs/vm.md) */
                if (s->o->mode == VM_SRIOV)
                        fputs("    <maxphysaddr mode='emulate' bits='39'/>\n", f);
        }
        fputs("  </cpu>\n", f);
        fputs("  <clock offset='localtime'>\n"
              "    <timer name='rtc' tickpolicy='catchup'/>\n"
              "    <timer name='pit' tickpolicy='delay'/>\n"
              "    <timer name='hpet' present='no'/>\n", f);
        if (!s->tcg)
                fputs("    <timer name='hypervclock' present='yes'/>\n", f);
        fputs("  </clock>\n", f);
}

static void pci_src(FILE *f, const struct pci_addr *a)
{
        fprintf(f, "<address domain='0x%04x' bus='0x%02x' slot='0x%02x' function='0x%x'/>", a->domain, a->bus, a->slot, a->fn);
}

static void devices(FILE *f, const struct vm_spec *s)
{
        const struct vm_opts *o = s->o;
        fputs("  <devices>\n", f);
        if (o->image || s->disk[0]) {
                fprintf(f, "    <controller type='scsi' index='0' model='virtio-scsi'>\n"
                           "      <driver queues='%u'%s/>\n    </controller>\n", s->pin.vcpus, s->caps.iothreads ? " iothread='1'" : "");
                fprintf(f, "    <disk type='%s' device='disk'>\n"
                           "      <driver name='qemu' type='raw' cache='none' io='native' discard='unmap'/>\n"
                           "      <source %s='", o->image ? "file" : "block", o->image ? "file" : "dev");
                xml_str(f, o->image ? o->image : s->disk);
                fputs("'/>\n      <target dev='sda' bus='scsi'/>\n"
                      "      <address type='drive' controller='0' bus='0' target='0' unit='0'/>\n"
                      "      <boot order='1'/>\n    </disk>\n", f);
        }
        if (s->has_ctrl) {
                /* the whole controller: the hook hands it over (<pgs:handover allow>) */
                fputs("    <hostdev mode='subsystem' type='pci' managed='no'>\n      <source>", f);
                pci_src(f, &s->ctrl);
                fputs("</source>\n      <boot order='1'/>\n    </hostdev>\n", f);
        }
        if (o->net_default)
                fputs("    <interface type='network'>\n      <source network='default'/>\n      <model type='virtio'/>\n    </interface>\n", f);
        if (s->n_funcs && o->mode == VM_PASSTHROUGH) {
                /* the GPU's functions together in one guest slot, as on the host:
                 * a root port of its own, slot 0 */
                fputs("    <controller type='pci' index='1' model='pcie-root-port'/>\n", f);
                for (unsigned i = 0; i < s->n_funcs; i++) {
                        fputs("    <hostdev mode='subsystem' type='pci' managed='no'>\n      <source>", f);
                        pci_src(f, &s->funcs[i]);
                        fputs("</source>\n", f);
                        if (i == 0 && s->rom[0])
                                fprintf(f, "      <rom file='%s'/>\n", s->rom);
                        fprintf(f, "      <address type='pci' domain='0x0000' bus='0x01' slot='0x00' function='0x%x'%s/>\n    </hostdev>\n",
                                s->funcs[i].fn, i == 0 ? " multifunction='on'" : "");
                }
        } else if (s->n_funcs) {
                fputs("    <hostdev mode='subsystem' type='pci' managed='yes'>\n      <source>", f);
                pci_src(f, &s->funcs[0]);
                fputs("</source>\n    </hostdev>\n", f);
        }
        if (s->mdev_uuid[0])
                fprintf(f, "    <hostdev mode='subsystem' type='mdev' managed='no' model='vfio-pci' display='off'>\n"
                           "      <source><address uuid='%s'/></source>\n    </hostdev>\n", s->mdev_uuid);
        for (unsigned i = 0; i < s->n_evdev; i++) {
                fputs("    <input type='evdev'>\n      <source dev='", f);
                xml_str(f, s->evdev[i]);
                fputs(s->evdev_kbd[i] ? "' grab='all' grabToggle='ctrl-ctrl' repeat='on'/>\n" : "'/>\n", f);
                fputs("    </input>\n", f);
        }
        if (s->looking_glass) {
                fprintf(f, "    <shmem name='looking-glass'>\n      <model type='ivshmem-plain'/>\n      <size unit='M'>%lu</size>\n    </shmem>\n", s->lg_mib);
                fputs("    <graphics type='spice' autoport='yes'>\n      <listen type='none'/>\n    </graphics>\n", f);
        }
        if (s->tcg || s->looking_glass || s->n_funcs)
                fputs("    <video>\n      <model type='none'/>\n    </video>\n", f);
        if (s->tpm)
                fputs("    <tpm model='tpm-crb'>\n      <backend type='emulator' version='2.0'/>\n    </tpm>\n", f);
        fputs("    <memballoon model='none'/>\n  </devices>\n", f);
}

char *vm_xml(const struct vm_spec *s)
{
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        if (!f)
                return NULL;
        const struct vm_opts *o = s->o;
        fprintf(f, "<domain type='%s'%s>\n  <name>", s->tcg ? "qemu" : "kvm",
                s->ssdt[0] ? " xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'" : "");
        xml_str(f, o->name);
        fputs("</name>\n", f);
        if (o->uuid)
                fprintf(f, "  <uuid>%s</uuid>\n", o->uuid);
        fprintf(f, "  <title>Windows %u (pgs vm, %s)</title>\n", o->windows,
                o->mode == VM_PASSTHROUGH ? "passthrough" : o->mode == VM_GVTG ? "gvtg" : "sriov");
        fputs("  <metadata>\n"
              "    <libosinfo:libosinfo xmlns:libosinfo='http://libosinfo.org/xmlns/libvirt/domain/1.0'>\n", f);
        fprintf(f, "      <libosinfo:os id='http://microsoft.com/win/%u'/>\n    </libosinfo:libosinfo>\n", o->windows);
        fputs("    <" PGS_META_PREFIX ":" PGS_META_ROOT " xmlns:" PGS_META_PREFIX "='" PGS_META_NS "'>\n", f);
        if (s->page_kib)
                fputs("      <" PGS_META_PREFIX ":" PGS_META_HUGEPAGES "/>\n", f);
        if (!s->tcg)
                fputs("      <" PGS_META_PREFIX ":" PGS_META_GOVERNOR "/>\n", f);
        if (!s->tcg && o->isolate != TRI_OFF)
                fputs("      <" PGS_META_PREFIX ":" PGS_META_ISOLATE "/>\n", f);
        if (s->mdev_uuid[0])
                fputs("      <" PGS_META_PREFIX ":" PGS_META_MDEV "/>\n", f);
        if (s->handover_allow[0])
                fprintf(f, "      <" PGS_META_PREFIX ":" PGS_META_HANDOVER " allow='%s'/>\n", s->handover_allow);
        fputs("    </" PGS_META_PREFIX ":" PGS_META_ROOT ">\n  </metadata>\n", f);
        fprintf(f, "  <memory unit='MiB'>%llu</memory>\n  <currentMemory unit='MiB'>%llu</currentMemory>\n", s->memory_mib, s->memory_mib);
        if (s->page_kib)
                fprintf(f, "  <memoryBacking>\n    <hugepages>\n      <page size='%lu' unit='KiB'/>\n    </hugepages>\n  </memoryBacking>\n", s->page_kib);
        cpu_part(f, s);
        fputs("  <os firmware='efi'>\n    <type arch='x86_64' machine='q35'>hvm</type>\n    <firmware>\n", f);
        fprintf(f, "      <feature enabled='%s' name='enrolled-keys'/>\n      <feature enabled='%s' name='secure-boot'/>\n",
                s->secure_boot ? "yes" : "no", s->secure_boot ? "yes" : "no");
        fputs("    </firmware>\n  </os>\n", f);
        features(f, s);
        fputs("  <on_poweroff>destroy</on_poweroff>\n  <on_reboot>restart</on_reboot>\n  <on_crash>destroy</on_crash>\n"
              "  <pm>\n    <suspend-to-mem enabled='no'/>\n    <suspend-to-disk enabled='no'/>\n  </pm>\n", f);
        devices(f, s);
        /* the fake battery NVIDIA's mobile drivers look for: libvirt 9.0's
         * <acpi><table> takes SLIC only */
        if (s->ssdt[0])
                fprintf(f, "  <qemu:commandline>\n    <qemu:arg value='-acpitable'/>\n    <qemu:arg value='file=%s'/>\n  </qemu:commandline>\n", s->ssdt);
        fputs("</domain>\n", f);
        if (fclose(f) != 0) {
                free(buf);
                return NULL;
        }
        return buf;
}
