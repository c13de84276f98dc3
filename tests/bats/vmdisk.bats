#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# pgs vm create's system disk and firmware files, on the i7-9750H laptop's
# fake tree (tests/fake/machine storage_9750h: the kernel's block layout, a
# btrfs root and swap on nvme0n1, an LVM /home on sda, a closed LUKS sdb, an
# md member on sdc, a 16 GiB sdd, loop0; Windows' own disk nvme1n1 behind
# its controller 0000:3e:00.0). Every XML passes virt-xml-validate and is
# read with XPath; what create writes (firmware, tmpfiles.d, AppArmor) and
# the real libvirtd are in tests/vmtest/vm.

bats_require_minimum_version 1.5.0
load helper

setup() {
  R=$BATS_TEST_TMPDIR/root
  "$TOP/tests/fake/machine" laptop-9750h "$R" >/dev/null
}

pgs() { "$TOP/build/pgs" "$@"; }
xml() {
  run --separate-stderr pgs vm create w11 --print-xml --sysroot "$R" --mode passthrough "$@"
  [ "$status" -eq 0 ] || { echo "$stderr"; return 1; }
  printf '%s\n' "$output" > "$BATS_TEST_TMPDIR/d.xml"
  virt-xml-validate "$BATS_TEST_TMPDIR/d.xml" domain >/dev/null
}
x() { xmllint --xpath "$1" "$BATS_TEST_TMPDIR/d.xml" 2>/dev/null; }
refused() { # WHAT-IN-STDERR ARGS…: exit 1, no XML, the reason
  local want=$1; shift
  run --separate-stderr pgs vm create w11 --print-xml --sysroot "$R" --mode passthrough "$@"
  [ "$status" -eq 1 ] && [ -z "$output" ] || { echo "status $status: $output $stderr"; return 1; }
  [[ "$stderr" == *"$want"*"nothing defined"* ]] || { echo "stderr: $stderr"; return 1; }
}

@test "--disk: a whole disk by its /dev/disk/by-id model_serial name (not eui.), from any name of it, on virtio-scsi as the image would be" {
  for d in /dev/nvme1n1 /dev/disk/by-id/nvme-eui.ace42e00157a2b8f /dev/disk/by-id/nvme-SKHynix_HFS512GDE9X081N_FJB4N479211104J3D; do
    xml --disk "$d"
    [ "$(x 'string(//disk[@device="disk"]/@type)')" = block ]
    [ "$(x 'string(//disk[@device="disk"]/source/@dev)')" = /dev/disk/by-id/nvme-SKHynix_HFS512GDE9X081N_FJB4N479211104J3D ]
  done
  [ "$(x 'string(//disk/target/@bus)')" = scsi ]
  [ "$(x 'string(//disk/driver/@cache)')" = none ]
  [ "$(x 'string(//disk/driver/@discard)')" = unmap ]
  [ "$(x 'string(//disk/address/@unit)')" = 0 ]
  [ "$(x 'string(//disk/boot/@order)')" = 1 ]
  [ "$(x 'string(//controller[@model="virtio-scsi"]/driver/@queues)')" = 10 ]
}

@test "--disk refuses what the host uses, naming the disk and the reason: the root (btrfs, by its source), a partition, LVM, a closed LUKS disk, md, no by-id name, too small, not a block device" {
  refused "nvme0n1p2 holds the host's root filesystem (mounted on /)" --disk /dev/nvme0n1
  refused "nvme0n1p2 holds the host's root filesystem" --disk /dev/disk/by-id/nvme-Samsung_SSD_970_EVO_Plus_1TB_S4EWNX0R123456A
  refused "is partition nvme1n1p3; Windows takes a whole disk (/dev/nvme1n1)" --disk /dev/disk/by-id/nvme-SKHynix_HFS512GDE9X081N_FJB4N479211104J3D-part3
  refused "sda1 is held by an LVM logical volume (dm-0, vg0-home): dm-0 is mounted on /home" --disk /dev/sda
  refused "sdb is a LUKS container (udev's ID_FS_TYPE), even if not active now" --disk /dev/sdb
  refused "sdc1 is held by an md RAID array (md127)" --disk /dev/sdc
  refused "(loop0) has no /dev/disk/by-id/ name" --disk /dev/loop0
  refused "(sdd) holds 14 GiB; Windows 11 needs at least 64 GiB" --disk /dev/sdd
  refused "--disk /proc/cmdline: not a block device" --disk /proc/cmdline
  refused "--disk /dev/nvme9n1: there is no such device" --disk /dev/nvme9n1
  refused "--image, --disk and --disk-controller each give the system disk" --disk /dev/nvme1n1 --image /x.img
  run --separate-stderr pgs vm create w11 --print-xml --sysroot "$R" --mode passthrough --disk nvme1n1
  [ "$status" -eq 64 ] && [[ "$stderr" == *"--disk 'nvme1n1': an absolute path"* ]]
}

@test "--disk: swap in use and a plain mount are refused too; with them gone (the kernel's view changed) the same disk is given" {
  # nvme1n1p2 as swap, then nvme1n1p3 mounted under /mnt: each is a reason
  printf '/dev/nvme1n1p2  partition\t1024\t0\t-3\n' >> "$R/proc/swaps"
  refused "nvme1n1p2 is swap in use (/proc/swaps)" --disk /dev/nvme1n1
  sed -i '$d' "$R/proc/swaps"
  printf '40 22 259:7 / /mnt/windows rw - ntfs3 /dev/nvme1n1p3 rw\n' >> "$R/proc/self/mountinfo"
  refused "nvme1n1p3 is mounted on /mnt/windows" --disk /dev/nvme1n1
  sed -i '$d' "$R/proc/self/mountinfo"
  xml --disk /dev/nvme1n1
}

@test "--disk-controller: the whole NVMe controller as a managed='no' hostdev that boots, and the hook's handover allowance for it by address and id" {
  xml --disk-controller 0000:3e:00.0
  [ "$(x 'count(//hostdev[source/address[@bus="0x3e"][@slot="0x00"][@function="0x0"]])')" = 1 ]
  [ "$(x 'string(//hostdev[source/address/@bus="0x3e"]/@managed)')" = no ]
  [ "$(x 'string(//hostdev[source/address/@bus="0x3e"]/boot/@order)')" = 1 ]
  # libvirt places it: no guest address written for it
  [ "$(x 'count(//hostdev[source/address/@bus="0x3e"]/address)')" = 0 ]
  [ "$(x 'count(//disk)')" = 0 ]
  [ "$(x 'count(//hostdev)')" = 5 ]
  [ "$(x 'string(//*[local-name()="handover"]/@allow)')" = "0000:3e:00.0@1c5c:174a" ]
  [ "$(x 'namespace-uri(//*[local-name()="handover"])')" = "urn:pgs:domain:1" ]
}

@test "--disk-controller refuses a controller with the host's root or a used disk behind it, a device that is not storage, a non-viable group, and TCG" {
  refused "--disk-controller 0000:3d:00.0: nvme0n1 is behind it, and nvme0n1p2 holds the host's root filesystem" --disk-controller 0000:3d:00.0
  refused "--disk-controller 0000:00:17.0: sda is behind it, and sda1 is held by an LVM logical volume" --disk-controller 0000:00:17.0
  refused "0000:00:14.0: class 0c0330 is not a storage controller" --disk-controller 0000:00:14.0
  refused "there is no PCI device 0000:09:00.0" --disk-controller 0000:09:00.0
  refused "a domain QEMU emulates (no KVM) takes no host PCI device" --disk-controller 0000:3e:00.0 --domcaps "$TOP/tests/fixtures/vm/domcaps-debian12-tcg.xml"
  # a controller sharing its group with something else is not viable
  "$TB/fakesys" add "$R" 0000:3e:00.1 1c5c:174b 0x0c0330 group=6 parent=0000:00:1b.0 driver=xhci_hcd
  refused "0000:3e:00.0: IOMMU group 6 also holds 0000:3e:00.1 (class 0c0330)" --disk-controller 0000:3e:00.0
}

rom() { # FILE [PCIR-OFFSET]: a PCI option ROM image (55 AA, PCIR where 0x18 points)
  local off=${2:-28}
  { printf '\x55\xaa\x80'; head -c $((0x18 - 3)) /dev/zero; printf "\\x$(printf %02x "$off")\\x00"; head -c $((off - 0x1a)) /dev/zero; printf 'PCIR'; head -c 200 /dev/zero; } > "$1"
}

@test "--rom: a PCI option ROM goes on the GPU's function 0 from /var/lib/pgs/firmware; a dump with a header, a missing file and a non-passthrough mode are refused" {
  rom "$BATS_TEST_TMPDIR/gpu.rom"
  xml --rom "$BATS_TEST_TMPDIR/gpu.rom"
  [ "$(x 'string(//hostdev[source/address/@function="0x0"]/rom/@file)')" = /var/lib/pgs/firmware/w11.rom ]
  [ "$(x 'count(//hostdev/rom)')" = 1 ]
  { printf 'NVGI'; cat "$BATS_TEST_TMPDIR/gpu.rom"; } > "$BATS_TEST_TMPDIR/hdr.rom"
  refused "hdr.rom: it is not a PCI option ROM (it does not begin with 55 AA)" --rom "$BATS_TEST_TMPDIR/hdr.rom"
  rom "$BATS_TEST_TMPDIR/bad.rom" 64
  printf 'XXXX' | dd of="$BATS_TEST_TMPDIR/bad.rom" bs=1 seek=64 conv=notrunc 2>/dev/null
  refused "no PCIR structure where byte 0x18 points (0x40)" --rom "$BATS_TEST_TMPDIR/bad.rom"
  refused "--rom /nonexistent.rom: No such file or directory" --rom /nonexistent.rom
  mkdir -p "$R/sys/bus/pci/devices/0000:00:02.0/mdev_supported_types/i915-GVTg_V5_4"
  run --separate-stderr pgs vm create w11 --print-xml --sysroot "$R" --mode gvtg --rom "$BATS_TEST_TMPDIR/gpu.rom"
  [ "$status" -eq 1 ] && [[ "$stderr" == *"a ROM goes with a whole GPU (--mode passthrough"* ]]
}

@test "--laptop: the battery table through qemu:commandline -acpitable from /var/lib/pgs/firmware, never a -cpu; the taint is said" {
  xml --laptop
  [ "$(x 'count(//*[local-name()="commandline"]/*[local-name()="arg"])')" = 2 ]
  [ "$(x 'string(//*[local-name()="commandline"]/*[local-name()="arg"][1]/@value)')" = -acpitable ]
  [ "$(x 'string(//*[local-name()="commandline"]/*[local-name()="arg"][2]/@value)')" = file=/var/lib/pgs/firmware/w11-battery.aml ]
  [ "$(x 'namespace-uri(//*[local-name()="commandline"])')" = http://libvirt.org/schemas/domain/qemu/1.0 ]
  ! grep -q -- "-cpu" "$BATS_TEST_TMPDIR/d.xml"
  [[ "$stderr" == *"libvirt marks the domain tainted (custom-argv)"* ]]
  xml
  [ "$(x 'count(//*[local-name()="commandline"])')" = 0 ]
}

@test "the battery table iasl built is an SSDT with a battery (PNP0C0A) and an AC adapter (ACPI0003), and pgs-vm carries exactly it" {
  aml=$TOP/build/vm/battery.aml
  [ "$(head -c 4 "$aml")" = SSDT ]
  # the table's own length field and checksum (ACPI 6.5, 5.2.6)
  [ "$(od -An -tu4 -j4 -N4 "$aml" | tr -d ' ')" = "$(stat -c %s "$aml")" ]
  [ "$(od -An -tu1 -v "$aml" | awk '{ for (i = 1; i <= NF; i++) s += $i } END { print s % 256 }')" = 0 ]
  grep -q "$(printf '\x41\xd0\x0c\x0a')" "$aml"      # EISAID PNP0C0A
  grep -q ACPI0003 "$aml"
  # the same bytes inside pgs-vm
  grep -qF -- "$(head -c 64 "$aml" | od -An -tx1 | tr -d ' \n')" <(od -An -tx1 -v "$TOP/build/pgs-vm" | tr -d ' \n')
}
