#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# dracut module "pgs" (/usr/lib/dracut/modules.d/90pgs). Included only when
# asked for: pgs initramfs enable writes /etc/dracut.conf.d/90-pgs.conf with
# add_dracutmodules+=" pgs ".

check() {
    # 255: only when explicitly requested
    return 255
}

depends() {
    return 0
}

installkernel() {
    hostonly='' instmods vfio vfio_iommu_type1 vfio_pci_core vfio-pci
}

install() {
    local early=${PGS_EARLY_SRC:-@LIBDIR@/pgs-early}
    local conf=${PGS_CONF_SRC:-/etc/pgs.conf}
    inst_simple "$early" "@LIBDIR@/pgs-early"
    [ -r "$conf" ] && inst_simple "$conf" /etc/pgs.conf
    inst_simple "$moddir/modprobe.conf" /etc/modprobe.d/pgs.conf
    inst_rules "$moddir/60-pgs-sriov.rules"
    # pre-udev: before udevd starts (dracut-pre-udev.service on systemd images,
    # the pre-udev hook point on others)
    inst_hook pre-udev 00 "$moddir/pgs-early.sh"
}
