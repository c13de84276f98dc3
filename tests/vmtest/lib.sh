# SPDX-License-Identifier: GPL-2.0-or-later
# tests/vmtest/lib.sh — the virtual host of ../shared TESTING.md: a Debian
# kernel booted under QEMU (TCG) with an emulated IOMMU, a boot VGA, a
# "discrete GPU" (VGA + HDA audio in one slot) and an SR-IOV NVMe PF, running a
# busybox initramfs that carries the static pgs-early and the native modules.
# Sourced by tests/vmtest/run, tests/vmtest/demo and tests/bench/run.

VMT_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
VMT_OUT=${VMT_OUT:-$VMT_TOP/build/vmtest}

# the newest kernel that has both a vmlinuz and its modules
vmt_kver() {
  local k
  for k in $(ls -1 /lib/modules 2>/dev/null | sort -rV); do
    [ -r "/boot/vmlinuz-$k" ] && { echo "$k"; return 0; }
  done
  return 1
}

# copy modules and their dependencies into $1 for kernel $2
vmt_add_modules() {
  local root=$1 kver=$2 m f; shift 2
  for m in "$@"; do
    modprobe -S "$kver" --show-depends "$m" 2>/dev/null | awk '$1 == "insmod" { print $2 }' |
      while read -r f; do
        mkdir -p "$root$(dirname "$f")"
        cp -n "$f" "$root$f"
      done
  done
}

# vmt_initramfs OUT.cpio.gz — busybox, modules, pgs-early, test init
vmt_initramfs() {
  local out=$1 kver root
  kver=$(vmt_kver) || { echo "no kernel with modules in /boot and /lib/modules" >&2; return 1; }
  root=$VMT_OUT/initramfs-root
  rm -rf "$root"
  mkdir -p "$root"/{bin,sbin,etc,proc,sys,dev,run,tmp,usr/lib/pgs,lib/modules/"$kver"}
  cp /bin/busybox "$root/bin/busybox"
  cp "$VMT_TOP/build/pgs-early.stripped" "$root/usr/lib/pgs/pgs-early"
  vmt_add_modules "$root" "$kver" vfio-pci bochs snd-hda-intel snd-hda-codec-generic nvme battery ac
  cp /lib/modules/"$kver"/modules.{order,builtin} "$root/lib/modules/$kver/" 2>/dev/null
  [ -f /lib/modules/"$kver"/modules.builtin.modinfo ] && cp /lib/modules/"$kver"/modules.builtin.modinfo "$root/lib/modules/$kver/"
  depmod -b "$root" "$kver"
  printf '[vfio]\nbind = auto\n\n[sriov]\n0000:02:00.0 = 2\n' > "$root/etc/pgs.conf.good"
  # a damaged config: binary bytes, broken sections, bad values, an overlong line
  { printf '[vfio\n\x00\x01\xff garbage\nbind auto\n[sriov]\nzz:zz.z = -3\n[vfio]\nbind = 99:99.9 ,,, 10de:zzzz 0000:09:00.0\n';
    head -c 3000 /dev/zero | tr '\0' x; printf '\n'; } > "$root/etc/pgs.conf.garbage"
  cp "$VMT_TOP/tests/vmtest/init" "$root/init"
  chmod +x "$root/init"
  (cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$out"
}

# the virtual host's devices: a boot VGA, a "discrete GPU" (VGA + HDA in one
# slot behind a root port) and an SR-IOV NVMe PF behind another
VMT_DEVICES=(
  -audiodev none,id=snd0
  -device VGA,bus=pcie.0,addr=02.0
  -device pcie-root-port,id=rp1,bus=pcie.0,chassis=1,slot=1,addr=1c.0
  -device VGA,bus=rp1,addr=00.0,multifunction=on
  -device ich9-intel-hda,id=hda1,bus=rp1,addr=00.1 -device hda-output,bus=hda1.0,audiodev=snd0
  -device pcie-root-port,id=rp2,bus=pcie.0,chassis=2,slot=2,addr=1d.0
  -device nvme-subsys,id=subsys0
  -device nvme,bus=rp2,serial=pgs,subsys=subsys0,sriov_max_vfs=4,sriov_vq_flexible=8,sriov_vi_flexible=4,max_ioqpairs=12,msix_qsize=9
)

# vmt_boot INITRD LOG "EXTRA KERNEL ARGS" — boot the virtual host once; the
# serial console goes to LOG. Returns QEMU's status.
vmt_boot() {
  local initrd=$1 log=$2 extra=${3:-} kver
  kver=$(vmt_kver)
  # shellcheck disable=SC2086
  timeout 300 qemu-system-x86_64 -accel tcg -M q35 -m "${VMT_MEM:-1024}" -smp 2 ${VMT_QEMU_EXTRA:-} -device intel-iommu -nic none \
    -kernel "/boot/vmlinuz-$kver" -initrd "$initrd" -nographic -no-reboot -monitor none \
    -append "console=ttyS0 intel_iommu=on quiet panic=-1 $extra" \
    "${VMT_DEVICES[@]}" \
    </dev/null >"$log" 2>&1
}

# vmt_get LOG PHASE ADDR → the driver ADDR was on at PHASE ("-" for none)
vmt_drv() { tr -d '\r' < "$1" | awk -v p="$2" -v a="$3" '$1 == "PGSTEST" && $2 == p && $3 == a { print $5 }'; }
vmt_val() { tr -d '\r' < "$1" | awk -v k="$2" '$1 == "PGSTEST" && $2 == k { $1 = ""; $2 = ""; sub(/^  /, ""); print; exit }'; }

# ---- real initramfs generators (tests/vmtest/images) -------------------------

# vmt_rootfs OUT.img — a tiny ext4 root whose /sbin/init reports where every
# PCI device is, pgs's kernel log lines and /run/pgs/early, then powers off
vmt_rootfs() {
  local out=$1 d=$VMT_OUT/rootfs
  rm -rf "$d"; mkdir -p "$d"/{bin,sbin,etc,proc,sys,dev,run,tmp,usr/lib}
  cp /bin/busybox "$d/bin/busybox"
  printf 'NAME="pgs test root"\nID=pgstest\nVERSION_ID=1\n' > "$d/etc/os-release"
  cp "$d/etc/os-release" "$d/usr/lib/os-release"
  cat > "$d/sbin/init" <<'EOI'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin:/sbin
mount -t proc proc /proc 2>/dev/null; mount -t sysfs sys /sys 2>/dev/null; mount -t devtmpfs dev /dev 2>/dev/null
echo "pgs-test: root reached" > /dev/kmsg
echo "PGSTEST root-reached"
for d in /sys/bus/pci/devices/*; do
  drv=-; [ -e "$d/driver" ] && drv=$(basename "$(readlink "$d/driver")")
  echo "PGSTEST after ${d##*/} $(cat "$d/class") $drv $(basename "$(readlink "$d/iommu_group" 2>/dev/null)" 2>/dev/null)"
done
echo "PGSTEST numvfs $(cat /sys/bus/pci/devices/0000:02:00.0/sriov_numvfs 2>/dev/null)"
echo "PGSTEST vfio $(ls /dev/vfio 2>/dev/null | tr '\n' ' ')"
dmesg | grep -E 'pgs-early|pgs-test|Run /init' | sed 's/^/PGSTEST kmsg /'
cat /run/pgs/early 2>/dev/null | sed 's/^/PGSTEST state /'
echo "PGSTEST end"
poweroff -f
EOI
  chmod +x "$d/sbin/init"
  rm -f "$out"
  mkfs.ext4 -q -F -L pgsroot -d "$d" "$out" 16M
}

# vmt_boot_disk INITRD ROOTIMG LOG "EXTRA KERNEL ARGS"
vmt_boot_disk() {
  local initrd=$1 root=$2 log=$3 extra=${4:-} kver
  kver=$(vmt_kver)
  timeout 300 qemu-system-x86_64 -accel tcg -M q35 -m 1024 -smp 2 -device intel-iommu -nic none \
    -kernel "/boot/vmlinuz-$kver" -initrd "$initrd" -nographic -no-reboot -monitor none \
    -append "console=ttyS0 intel_iommu=on panic=-1 root=/dev/vda rw rootwait rd.shell=0 rd.emergency=poweroff $extra" \
    -drive file="$root",if=virtio,format=raw,snapshot=on \
    "${VMT_DEVICES[@]}" \
    </dev/null >"$log" 2>&1
}

VMT_DRIVERS="virtio_pci virtio_blk ext4 bochs snd-hda-intel snd-hda-codec-generic nvme"

# vmt_itools_image OUT.img CONF [pgs|nopgs] — a real mkinitramfs image built
# from a copy of /etc/initramfs-tools (this machine's configuration untouched)
vmt_itools_image() {
  local out=$1 conf=$2 with=${3:-pgs} c=$VMT_OUT/itools-conf kver
  kver=$(vmt_kver)
  rm -rf "$c"; cp -a /etc/initramfs-tools "$c"
  mkdir -p "$c/hooks" "$c/scripts/init-top" "$c/conf.d"
  sed -i 's/^MODULES=.*/MODULES=list/' "$c/initramfs.conf"
  printf '%s\n' $VMT_DRIVERS > "$c/modules"
  if [ "$with" = pgs ]; then
    cp "$VMT_TOP/build/installers/initramfs-tools/hooks/pgs" "$c/hooks/pgs"
    cp "$VMT_TOP/build/installers/initramfs-tools/scripts/init-top/pgs" "$c/scripts/init-top/pgs"
    echo PGS=y > "$c/conf.d/pgs"
  fi
  PGS_EARLY_SRC=$VMT_TOP/build/pgs-early.stripped PGS_CONF_SRC=$conf PGS_SHARE_SRC=$VMT_TOP/build/installers/share \
    mkinitramfs -d "$c" -o "$out" "$kver"
}

# vmt_dracut_image OUT.img CONF [pgs|nopgs] [EXTRA DRACUT CONF LINES] — a real
# dracut image; dracutbasedir is a copy of /usr/lib/dracut holding our module
vmt_dracut_image() {
  local out=$1 conf=$2 with=${3:-pgs} extra=${4:-} base=$VMT_OUT/dracut-base kver
  kver=$(vmt_kver)
  if [ ! -d "$base" ]; then cp -a /usr/lib/dracut "$base"; fi
  rm -rf "$base/modules.d/90pgs"
  cp -a "$VMT_TOP/build/installers/dracut/90pgs" "$base/modules.d/90pgs"
  mkdir -p "$VMT_OUT/dracut-confdir"
  # a small systemd-based image: only the modules a disk root needs, and only
  # the drivers this virtual host has (drivers= is exclusive)
  { echo 'dracutmodules=" systemd systemd-initrd dracut-systemd base udev-rules kernel-modules rootfs-block fs-lib shutdown "'
    echo "drivers=\" $VMT_DRIVERS \""
    [ "$with" = pgs ] && echo 'add_dracutmodules+=" pgs "'
    printf '%s\n' "$extra"; } > "$VMT_OUT/dracut.conf"
  dracutbasedir=$base PGS_EARLY_SRC=$VMT_TOP/build/pgs-early.stripped PGS_CONF_SRC=$conf \
    dracut --quiet --no-hostonly --force --conf "$VMT_OUT/dracut.conf" --confdir "$VMT_OUT/dracut-confdir" \
    --kver "$kver" "$out"
}

# vmt_mkinitcpio_image OUT.cpio.gz CONF "MODULES" [ORDER] — a busybox image
# assembled the way mkinitcpio's init (v41) runs one: every hook's
# run_earlyhook in HOOKS order (pgs's real runtime hook), then MODULES loaded
# with the real kmod modprobe (which honours pgs's softdep/install lines), then
# run_hook (a udev stand-in: coldplug by modalias, and the SR-IOV rule's call).
# ORDER=modules-first loads MODULES before any hook instead, as a systemd image's
# systemd-modules-load.service may: then only modprobe.d stands in the way. The
# install hook's build() output comes from tests/harness/mkinitcpio.sh.
vmt_mkinitcpio_image() {
  local out=$1 conf=$2 modules=$3 order=${4:-real} kver root=$VMT_OUT/mkinitcpio-root b=$VMT_TOP/build/installers
  kver=$(vmt_kver)
  rm -rf "$root"; mkdir -p "$root"/{bin,sbin,etc,proc,sys,dev,run,tmp,lib,lib64,hooks,usr/lib/pgs,lib/modules/"$kver"}
  ( . "$VMT_TOP/tests/harness/mkinitcpio.sh"
    # the install hook reads its files from where make install puts them: give it the build tree's
    sed -e "s|\"@DATADIR@|\"$b/share|g; s|/usr/share/pgs/|$b/share/|g" "$b/mkinitcpio/install/pgs" > "$VMT_OUT/install-pgs"
    mkdir -p "$VMT_OUT/install"; cp "$VMT_OUT/install-pgs" "$VMT_OUT/install/pgs"
    PGS_EARLY_SRC=$VMT_TOP/build/pgs-early.stripped PGS_CONF_SRC=$conf \
      harness_build "$root" "base pgs udev" "$VMT_OUT/install" "$b/mkinitcpio/hooks" ) || return 1
  cp /bin/busybox "$root/bin/busybox"
  cp /bin/kmod "$root/bin/kmod"
  for l in $(ldd /bin/kmod | awk '/=>/ { print $3 } /ld-linux/ { print $1 }'); do
    mkdir -p "$root$(dirname "$l")"; cp -L "$l" "$root$l"
  done
  vmt_add_modules "$root" "$kver" vfio-pci bochs snd-hda-intel snd-hda-codec-generic nvme battery ac
  cp /lib/modules/"$kver"/modules.{order,builtin,builtin.modinfo} "$root/lib/modules/$kver/" 2>/dev/null
  depmod -b "$root" "$kver"
  cat > "$root/hooks/udev" <<'EOH'
# udev stand-in: run_earlyhook would start udevd; run_hook triggers coldplug
run_hook() {
  for d in /sys/bus/pci/devices/*; do /sbin/modprobe -q "$(cat "$d/modalias")" 2>/dev/null; done
  for d in /sys/bus/pci/devices/*; do   # 60-pgs-sriov.rules: bound PFs
    [ -e "$d/sriov_totalvfs" ] && [ -e "$d/driver" ] && /usr/lib/pgs/pgs-early --sriov "${d##*/}"
  done
}
EOH
  cat > "$root/init" <<EOI
#!/bin/busybox sh
/bin/busybox --install -s /bin
ln -sf /bin/kmod /sbin/modprobe
export PATH=/sbin:/bin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
echo /sbin/modprobe > /proc/sys/kernel/modprobe
HOOKS="base pgs udev"
MODULES="$modules"
# kmod's modprobe: busybox's shell would run its own applet for a bare "modprobe"
ORDER=$order
[ "\$ORDER" = modules-first ] && [ -n "\$MODULES" ] && /sbin/modprobe -qab \$MODULES
for h in \$HOOKS; do unset -f run_earlyhook; [ -r /hooks/\$h ] && . /hooks/\$h && command -v run_earlyhook >/dev/null && run_earlyhook; done
# mkinitcpio's init: MODULES after the early hooks, before the hooks
[ "\$ORDER" = real ] && [ -n "\$MODULES" ] && /sbin/modprobe -qab \$MODULES
for h in \$HOOKS; do unset -f run_hook; [ -r /hooks/\$h ] && . /hooks/\$h && command -v run_hook >/dev/null && run_hook; done
for d in /sys/bus/pci/devices/*; do
  drv=-; [ -e "\$d/driver" ] && drv=\$(basename "\$(readlink "\$d/driver")")
  echo "PGSTEST after \${d##*/} \$(cat "\$d/class") \$drv"
done
echo "PGSTEST numvfs \$(cat /sys/bus/pci/devices/0000:02:00.0/sriov_numvfs)"
dmesg | grep -E 'pgs-early' | sed 's/^/PGSTEST kmsg /'
echo "PGSTEST end"
poweroff -f
EOI
  chmod +x "$root/init"
  (cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$out"
}

# vmt_hook_initramfs OUT.cpio.gz — busybox, the hook's front and worker (with
# the worker's shared libraries), and tests/vmtest/hook-init
vmt_hook_initramfs() {
  local out=$1 root=$VMT_OUT/hook-root l
  rm -rf "$root"; mkdir -p "$root"/{bin,sbin,etc,proc,sys,dev,run,tmp,usr/lib/pgs,lib64}
  cp /bin/busybox "$root/bin/busybox"
  cp "$VMT_TOP/build/pgs-qemu-hook" "$VMT_TOP/build/pgs-qemu-hook-xml" "$root/usr/lib/pgs/"
  local kver; kver=$(vmt_kver)
  mkdir -p "$root/lib/modules/$kver"
  vmt_add_modules "$root" "$kver" vfio-pci bochs
  cp /lib/modules/"$kver"/modules.{order,builtin,builtin.modinfo} "$root/lib/modules/$kver/" 2>/dev/null
  depmod -b "$root" "$kver"
  for l in $(ldd "$VMT_TOP/build/pgs-qemu-hook-xml" | awk '/=>/ { print $3 } /ld-linux/ { print $1 }'); do
    mkdir -p "$root$(dirname "$l")"; cp -L "$l" "$root$l"
  done
  sed -e 's|<pgs:governor/>|<pgs:hugepages/><pgs:isolate/>|' \
      -e "s|<currentMemory|<memoryBacking><hugepages><page size='2048' unit='KiB'/></hugepages></memoryBacking><currentMemory|" \
      "$VMT_TOP/tests/fixtures/hook/libvirt-9.0-prepare.xml" > "$root/etc/dom.xml"
  sed -e "s|<memory unit='KiB'>131072</memory>|<memory unit='KiB'>16777216</memory>|" -e 's|<uuid>0b1c|<uuid>ffff|' "$root/etc/dom.xml" > "$root/etc/big.xml"
  # 1 GiB pages, and a handover of the "discrete GPU" from bochs to vfio-pci
  sed -e "s|<memory unit='KiB'>131072</memory>|<memory unit='KiB'>1048576</memory>|" -e "s|size='2048' unit='KiB'|size='1' unit='G'|" \
      -e 's|<uuid>0b1c|<uuid>eeee|' -e 's|<pgs:isolate/>||' "$root/etc/dom.xml" > "$root/etc/1g.xml"
  sed -e 's|<pgs:hugepages/><pgs:isolate/>|<pgs:handover/>|' -e 's|<uuid>0b1c|<uuid>dddd|' \
      -e "s|<devices>|<devices><hostdev mode='subsystem' type='pci' managed='no'><source><address domain='0x0000' bus='0x01' slot='0x00' function='0x0'/></source></hostdev>|" \
      "$root/etc/dom.xml" > "$root/etc/gpu.xml"
  cp "$VMT_TOP/tests/vmtest/hook-init" "$root/init"; chmod +x "$root/init"
  (cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$out"
}

# ---- pgs installed as a package would be, in a private mount namespace ------

# vmt_ns_host SCRATCH CMD... — run CMD (as bash -c) in a private mount
# namespace that looks like this machine with pgs installed: overlays (upper
# dirs under SCRATCH) over /etc, /usr and /var/lib, SCRATCH/boot bound over
# /boot, and `make install PREFIX=/usr` done into them, so every hook sits
# where the package puts it. This machine's own /etc, /usr, /var/lib and /boot
# are never written: what the distribution's tools write lands in SCRATCH.
vmt_ns_host() {
  local s=$1; shift
  mkdir -p "$s"/{etc,usr,varlib}/{upper,work} "$s/boot"
  VMT_S=$s VMT_CMD=$* unshare -m --propagation private bash -c '
    set -e
    for d in etc usr; do mount -t overlay overlay -o lowerdir=/$d,upperdir=$VMT_S/$d/upper,workdir=$VMT_S/$d/work /$d; done
    mount -t overlay overlay -o lowerdir=/var/lib,upperdir=$VMT_S/varlib/upper,workdir=$VMT_S/varlib/work /var/lib
    mount --bind "$VMT_S/boot" /boot
    make -s -C "'"$VMT_TOP"'" install PREFIX=/usr >/dev/null
    set +e
    eval "$VMT_CMD"'
}

# vmt_ns_scratch SCRATCH GEN — a fresh scratch host for generator GEN
# (initramfs-tools or dracut): the kernel in its /boot, small images (only the
# virtual host's drivers), /etc/pgs.conf from the good config
vmt_ns_scratch() {
  local s=$1 gen=$2 kver
  kver=$(vmt_kver)
  rm -rf "$s"; mkdir -p "$s/boot"
  cp "/boot/vmlinuz-$kver" "/boot/config-$kver" "$s/boot/"
  [ -e "/boot/System.map-$kver" ] && cp "/boot/System.map-$kver" "$s/boot/"
  vmt_ns_host "$s" "
    printf '[vfio]\nbind = auto\n\n[sriov]\n0000:02:00.0 = 2\n' > /etc/pgs.conf
    mkdir -p /etc/initramfs-tools /etc/dracut.conf.d
    if [ $gen = initramfs-tools ]; then
      sed -i 's/^MODULES=.*/MODULES=list/' /etc/initramfs-tools/initramfs.conf
      printf '%s\n' $VMT_DRIVERS > /etc/initramfs-tools/modules
      update-initramfs -c -k $kver
    else
      { echo 'hostonly=\"no\"'
        echo 'dracutmodules=\" systemd systemd-initrd dracut-systemd base udev-rules kernel-modules rootfs-block fs-lib shutdown \"'
        echo 'drivers=\" $VMT_DRIVERS \"'; } > /etc/dracut.conf.d/00-pgs-test.conf
      dracut --force --kver $kver /boot/initrd.img-$kver
    fi"
}

# vmt_libvirtd W — a real libvirtd (Debian 12's monolithic daemon) private to
# the calling test, which must already run in its own mount namespace: tmpfs
# on /run, copies of /etc/libvirt and empty /var/lib, /var/log and
# /var/cache/libvirt under W bound over the originals; QEMU and swtpm run as
# root with no security driver. Hooks go into /etc/libvirt/hooks before it
# starts (a daemon started without one never notices one added later).
# Returns once the socket is up; vmt_libvirtd_stop ends it.
vmt_libvirtd_prepare() {
  local w=$1
  mkdir -p "$w"/{lib,log,cache}
  cp -a /etc/libvirt "$w/etc-libvirt"
  mkdir -p "$w/etc-libvirt/hooks"
  mount -t tmpfs tmpfs /run
  mount --bind "$w/etc-libvirt" /etc/libvirt
  mount --bind "$w/lib" /var/lib/libvirt
  mount --bind "$w/log" /var/log/libvirt
  mount --bind "$w/cache" /var/cache/libvirt
  mkdir -p /var/lib/libvirt/qemu/nvram /var/lib/libvirt/swtpm /var/log/libvirt/qemu /var/log/swtpm/libvirt/qemu /var/cache/libvirt/qemu
  cat >> /etc/libvirt/qemu.conf <<'EOC'
user = "root"
group = "root"
dynamic_ownership = 0
security_driver = "none"
swtpm_user = "root"
swtpm_group = "root"
EOC
}
vmt_libvirtd_start() {
  virtlogd -d
  libvirtd -d
  local i
  for i in $(seq 300); do [ -S /run/libvirt/libvirt-sock ] && return 0; sleep 0.1; done
  return 1
}
vmt_libvirtd_stop() {
  kill "$(cat /run/libvirtd.pid 2>/dev/null)" 2>/dev/null
  kill "$(cat /run/virtlogd.pid 2>/dev/null)" 2>/dev/null
  local i
  for i in $(seq 50); do [ -e /run/libvirtd.pid ] || break; sleep 0.1; done
}

# vmt_standin W — a stand-in for a Windows medium that proves pgs vm install's
# key press with secure boot on: Debian's shim (signed by Microsoft's UEFI CA,
# which OVMF's enrolled keys trust) and Debian's signed GRUB, whose menu waits
# for a key (timeout -1) and then powers the guest off, as Setup does at its
# end. W/win.iso has a consumer ISO's volume id (CCCOMA_X64FRE_EN-US_DV9);
# W/virtio.iso stands in for virtio-win (vioscsi\w10\amd64, the guest tools).
vmt_standin() {
  local w=$1 cd=$1/cd vio=$1/virtio
  rm -rf "$cd" "$vio"; mkdir -p "$cd/.disk" "$cd/boot/grub" "$vio/vioscsi/w10/amd64" "$vio/vioscsi/w11/amd64"
  echo "pgs stand-in Windows medium" > "$cd/.disk/info"
  : > "$cd/pgs-standin-cd"
  cat > "$cd/boot/grub/grub.cfg" <<'EOC'
set timeout=-1
set default=0
echo "PGS-STANDIN-CD: Press any key to boot from CD or DVD..."
menuentry "pgs stand-in Windows Setup: a key was pressed; Setup ends by powering off" {
  echo "PGS-STANDIN-CD: a key was pressed; Setup is done; powering off"
  halt
}
EOC
  rm -f "$w/efi.img"; mkfs.vfat -C "$w/efi.img" 8192 >/dev/null
  mmd -i "$w/efi.img" ::/EFI ::/EFI/BOOT
  mcopy -i "$w/efi.img" /usr/lib/shim/shimx64.efi.signed ::/EFI/BOOT/BOOTX64.EFI
  mcopy -i "$w/efi.img" /usr/lib/grub/x86_64-efi-signed/gcdx64.efi.signed ::/EFI/BOOT/grubx64.efi
  mv "$w/efi.img" "$cd/efi.img"
  xorriso -as mkisofs -quiet -V CCCOMA_X64FRE_EN-US_DV9 -J -r -e efi.img -no-emul-boot -o "$w/win.iso" "$cd" 2>/dev/null || return 1
  echo '; stand-in' > "$vio/vioscsi/w10/amd64/vioscsi.inf"; cp "$vio/vioscsi/w10/amd64/vioscsi.inf" "$vio/vioscsi/w11/amd64/"
  : > "$vio/virtio-win-guest-tools.exe"
  xorriso -as mkisofs -quiet -V virtio-win-0.1.240 -J -r -o "$w/virtio.iso" "$vio" 2>/dev/null
}

# vmt_standin_disk IMAGE — what Setup leaves on the disk, put there before
# the install (GRUB cannot write a disk): a GPT with an ESP holding shim and
# signed GRUB. While the install domain's CD is present, it hands over to the
# CD's menu (GRUB cannot give the firmware back a failure, which would fall
# through to the next boot option as an empty disk does); in the final
# domain, with no CD, it is the first-boot task: it powers the guest off.
vmt_standin_disk() {
  local img=$1 esp
  esp=$(dirname "$img")/esp.img
  printf 'label: gpt\nstart=2048, size=16384, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B\n' | sfdisk -q "$img" || return 1
  rm -f "$esp"; mkfs.vfat -C "$esp" 8192 >/dev/null
  mmd -i "$esp" ::/EFI ::/EFI/BOOT ::/EFI/debian
  mcopy -i "$esp" /usr/lib/shim/shimx64.efi.signed ::/EFI/BOOT/BOOTX64.EFI
  mcopy -i "$esp" /usr/lib/grub/x86_64-efi-signed/grubx64.efi.signed ::/EFI/BOOT/grubx64.efi
  cat > "$esp.cfg" <<'EOC'
if search --no-floppy --file --set=cd /pgs-standin-cd; then
  echo "PGS-STANDIN-DISK: the install CD is here: on to its menu"
  configfile ($cd)/boot/grub/grub.cfg
fi
echo "PGS-STANDIN-DISK: first boot of the final domain: drivers installed; powering off"
halt
EOC
  mcopy -i "$esp" "$esp.cfg" ::/EFI/debian/grub.cfg
  dd if="$esp" of="$img" bs=512 seek=2048 conv=notrunc status=none
  rm -f "$esp" "$esp.cfg"
}
