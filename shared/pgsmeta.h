/* SPDX-License-Identifier: GPL-2.0-or-later */
/* shared/pgsmeta.h — pgs's domain metadata, the one definition the hook
 * (qemu-hook/domain.c reads it) and `pgs vm` (vm/xml.c writes it) share:
 *
 *   <metadata><pgs:vm xmlns:pgs="urn:pgs:domain:1">
 *     <pgs:hugepages/> <pgs:governor/> <pgs:isolate/>
 *     <pgs:handover allow='ADDR@VID:DID …'/> <pgs:mdev type='…'/>
 *   </pgs:vm></metadata>
 *
 * docs/hook.md says what each child makes the hook do. */
#pragma once
#define PGS_META_NS        "urn:pgs:domain:1"
#define PGS_META_PREFIX    "pgs"
#define PGS_META_ROOT      "vm"
#define PGS_META_HUGEPAGES "hugepages"
#define PGS_META_GOVERNOR  "governor"
#define PGS_META_ISOLATE   "isolate"
#define PGS_META_HANDOVER  "handover"       /* attribute: allow */
#define PGS_META_MDEV      "mdev"           /* attribute: type */
