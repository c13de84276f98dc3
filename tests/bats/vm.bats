#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# pgs vm create --print-xml on fake trees built like real machines
# (tests/fake/machine), each with the pinning written here, and libvirt's
# capabilities from fixtures (tests/fixtures/vm: Debian 12's libvirt 9.0 with
# KVM and with TCG, as read on the test machine; the same with KVM's Hyper-V
# list, with and without a TPM). Every XML is checked against libvirt's
# schema (virt-xml-validate) and read back with XPath, never by text.
# Defining and starting: tests/vmtest/vm.

bats_require_minimum_version 1.5.0
load helper

setup() {
  R=$BATS_TEST_TMPDIR/root
  FX=$TOP/tests/fixtures/vm
}

machine() { "$TOP/tests/fake/machine" "$1" "$R" >/dev/null; }
pgs() { "$TOP/build/pgs" "$@"; }
# the XML for the tree into $BATS_TEST_TMPDIR/d.xml, validated
xml() {
  run --separate-stderr pgs vm create w11 --print-xml --sysroot "$R" "$@"
  [ "$status" -eq 0 ] || { echo "$stderr"; return 1; }
  printf '%s\n' "$output" > "$BATS_TEST_TMPDIR/d.xml"
  virt-xml-validate "$BATS_TEST_TMPDIR/d.xml" domain >/dev/null
}
x() { xmllint --xpath "$1" "$BATS_TEST_TMPDIR/d.xml" 2>/dev/null; }
# the host CPUs of the vCPUs in order, "1,7,2,8"
pins() { local i n out=""; n=$(x 'count(//cputune/vcpupin)'); for ((i = 0; i < n; i++)); do out+="${out:+,}$(x "string(//cputune/vcpupin[@vcpu='$i']/@cpuset)")"; done; echo "$out"; }
topo() { echo "$(x 'string(//cpu/topology/@sockets)') $(x 'string(//cpu/topology/@cores)') $(x 'string(//cpu/topology/@threads)')"; }

@test "i7-9750H (6C/12T): 10 vCPUs on 1,7,…,5,11 as 5 cores x 2, the host keeps 0,6; the GTX 1660 Ti's four functions in one guest slot" {
  machine laptop-9750h
  xml --mode passthrough
  [ "$(pins)" = "1,7,2,8,3,9,4,10,5,11" ]
  [ "$(x 'string(//vcpu)')" = 10 ]
  [ "$(topo)" = "1 5 2" ]
  [ "$(x 'string(//cputune/emulatorpin/@cpuset)')" = "0,6" ]
  [ "$(x 'string(//cputune/iothreadpin/@cpuset)')" = "0,6" ]
  [ "$(x 'count(//cpu/topology/@clusters)')" = 0 ]
  # every function, managed='no', at the host's function numbers, one guest slot
  [ "$(x 'count(//hostdev[@type="pci"][@managed="no"])')" = 4 ]
  for f in 0 1 2 3; do
    [ "$(x "count(//hostdev[source/address[@bus='0x01'][@slot='0x00'][@function='0x$f']]/address[@type='pci'][@bus='0x01'][@slot='0x00'][@function='0x$f'])")" = 1 ]
  done
  [ "$(x 'string(//hostdev[source/address/@function="0x0"]/address/@multifunction)')" = on ]
  [ "$(x 'string(//controller[@type="pci"][@index="1"]/@model)')" = pcie-root-port ]
  # the only guest PCI addresses pgs writes are the GPU's
  [ "$(x 'count(//devices/*[not(self::hostdev)]/address[@type="pci"])')" = 0 ]
  # NVIDIA: hidden KVM and a vendor id
  [ "$(x 'string(//features/kvm/hidden/@state)')" = on ]
  [ "$(x 'string(//hyperv/vendor_id/@state)')" = on ]
  [ "$(x 'count(//hyperv/avic)')" = 0 ]       # Intel: no avic
  [ "$(x 'count(//cpu/feature[@name="topoext"])')" = 0 ]
}

@test "i7-13650HX (6P+8E): all 12 P-threads 0-11 as 6 x 2, emulator and iothread on the first E-core cluster 12-15; --cpus beyond the P-threads is refused" {
  machine laptop-13650hx
  xml --mode passthrough
  [ "$(pins)" = "0,1,2,3,4,5,6,7,8,9,10,11" ]
  [ "$(topo)" = "1 6 2" ]
  [ "$(x 'string(//cputune/emulatorpin/@cpuset)')" = "12-15" ]
  [ "$(x 'string(//cputune/iothreadpin/@cpuset)')" = "12-15" ]
  run pgs vm create w11 --print-xml --sysroot "$R" --mode passthrough --cpus 14
  [ "$status" -eq 1 ]
  [[ "$output" == *"--cpus 14: the guest can have at most 12 (the P-cores' threads; E-cores are the host's)"* ]]
  xml --mode passthrough --cpus 8
  [ "$(pins)" = "0,1,2,3,4,5,6,7" ]
  [ "$(topo)" = "1 4 2" ]
}

@test "Ryzen 9 7950X3D: the V-Cache CCD's 16 threads 0,16,1,17,…,7,23, the host on 8,24 of the other CCD; AMD: topoext, avic, no evmcs" {
  machine desktop-7950x3d
  xml --mode passthrough
  [ "$(pins)" = "0,16,1,17,2,18,3,19,4,20,5,21,6,22,7,23" ]
  [ "$(topo)" = "1 8 2" ]
  [ "$(x 'string(//cputune/emulatorpin/@cpuset)')" = "8,24" ]
  [ "$(x 'count(//cpu/feature[@name="topoext"][@policy="require"])')" = 1 ]
  [ "$(x 'count(//hyperv/avic[@state="on"])')" = 1 ]
  [ "$(x 'count(//hyperv/evmcs)')" = 0 ]
  # an AMD card: the hypervisor stays visible by default
  [ "$(x 'count(//features/kvm/hidden)')" = 0 ]
}

@test "Ryzen 9 7950X (equal CCDs): the default rule, CCD0 filled before CCD1: 1,17,…,7,23 then 8,24,…,15,31; host 0,16" {
  machine ryzen7000
  xml --mode passthrough --memory 16G
  [ "$(pins)" = "1,17,2,18,3,19,4,20,5,21,6,22,7,23,8,24,9,25,10,26,11,27,12,28,13,29,14,30,15,31" ]
  [ "$(topo)" = "1 15 2" ]
  [ "$(x 'string(//cputune/emulatorpin/@cpuset)')" = "0,16" ]
  xml --mode passthrough --cpus 8
  [ "$(pins)" = "1,17,2,18,3,19,4,20" ]
}

@test "Ryzen 7 3700X (two 4-core CCXs): 1,9,2,10,3,11 fill the first CCX before 4,12,…,7,15; host 0,8" {
  machine zen2-3700x
  xml --mode passthrough
  [ "$(pins)" = "1,9,2,10,3,11,4,12,5,13,6,14,7,15" ]
  [ "$(topo)" = "1 7 2" ]
  [ "$(x 'string(//cputune/emulatorpin/@cpuset)')" = "0,8" ]
  xml --mode passthrough --cpus 6
  [ "$(pins)" = "1,9,2,10,3,11" ]
}

@test "i5-6500 (4 cores, no SMT), GVT-g: 3 vCPUs 1,2,3 with threads='1' and a warning; an mdev with a fresh UUID; Looking Glass on" {
  machine gen9
  "$TB/fakesys" gvtg "$R" 0000:00:02.0
  xml --mode gvtg
  [ "$(pins)" = "1,2,3" ]
  [ "$(topo)" = "1 3 1" ]
  [ "$(x 'string(//cputune/emulatorpin/@cpuset)')" = "0" ]
  [[ "$stderr" == *"no SMT"*"threads='1'"* ]]
  [[ "$stderr" == *"Looking Glass is switched on"* ]]
  u=$(x 'string(//hostdev[@type="mdev"]/source/address/@uuid)')
  [[ "$u" =~ ^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$ ]]
  [ "$(x 'count(//metadata/*[local-name()="vm"]/*[local-name()="mdev"])')" = 1 ]
  [ "$(x 'string(//shmem[@name="looking-glass"]/size)')" = 32 ]
  xml --mode gvtg
  [ "$(x 'string(//hostdev[@type="mdev"]/source/address/@uuid)')" != "$u" ]
}

@test "Ryzen 7 5800H APU + RTX 3060: 14 vCPUs 1,9,…,7,15, the RTX's VGA and audio, never the APU's boot VGA" {
  machine apu-nvidia
  xml --mode passthrough
  [ "$(pins)" = "1,9,2,10,3,11,4,12,5,13,6,14,7,15" ]
  [ "$(x 'count(//hostdev/source/address[@bus="0x01"])')" = 2 ]
  [ "$(x 'count(//hostdev/source/address[@bus="0x05"])')" = 0 ]
  run pgs vm create w11 --print-xml --sysroot "$R" --mode passthrough --gpu 0000:05:00.0
  [ "$status" -eq 1 ]
  [[ "$output" == *"0000:05:00.0: it is the boot VGA device"* ]]
}

@test "capabilities decide: Debian 12's list (spinlocks, vendor_id) gives only the Hyper-V basics; KVM's full list gives vpindex, synic, stimer, tlbflush, ipi; no TPM → none and a warning" {
  machine laptop-9750h
  xml --mode passthrough --domcaps "$FX/domcaps-debian12-kvm.xml"
  for h in relaxed vapic; do [ "$(x "string(//hyperv/$h/@state)")" = on ]; done
  [ "$(x 'string(//hyperv/spinlocks/@retries)')" = 8191 ]
  for h in vpindex synic stimer tlbflush ipi evmcs runtime frequencies; do [ "$(x "count(//hyperv/$h)")" = 0 ]; done
  [ "$(x 'string(//tpm/@model)')" = tpm-crb ]
  [ "$(x 'string(//tpm/backend/@type)')" = emulator ]
  xml --mode passthrough --domcaps "$FX/domcaps-hyperv.xml"
  for h in vpindex runtime synic stimer frequencies tlbflush ipi evmcs; do [ "$(x "string(//hyperv/$h/@state)")" = on ]; done
  [ "$(x 'count(//hyperv/reset)')" = 0 ]
  xml --mode passthrough --domcaps "$FX/domcaps-hyperv-notpm.xml"
  [ "$(x 'count(//tpm)')" = 0 ]
  [[ "$stderr" == *"no TPM 2.0 emulator"* ]]
}

@test "every domain: firmware by autoselection with secure boot and enrolled keys, no loader or nvram path, q35, host-passthrough, the clock set, no balloon, pm off, vmport off, no mac, no qemu:commandline" {
  machine laptop-9750h
  xml --mode passthrough --domcaps "$FX/domcaps-hyperv.xml"
  [ "$(x 'string(/domain/@type)')" = kvm ]
  [ "$(x 'string(//os/@firmware)')" = efi ]
  [ "$(x 'string(//os/firmware/feature[@name="secure-boot"]/@enabled)')" = yes ]
  [ "$(x 'string(//os/firmware/feature[@name="enrolled-keys"]/@enabled)')" = yes ]
  [ "$(x 'count(//os/loader | //os/nvram)')" = 0 ]
  [ "$(x 'string(//os/type/@machine)')" = q35 ]
  [ "$(x 'string(//cpu/@mode)')" = host-passthrough ]
  [ "$(x 'string(//cpu/cache/@mode)')" = passthrough ]
  [ "$(x 'string(//cpu/feature[@name="invtsc"]/@policy)')" = require ]
  [ "$(x 'string(//clock/@offset)')" = localtime ]
  [ "$(x 'string(//clock/timer[@name="hpet"]/@present)')" = no ]
  [ "$(x 'string(//clock/timer[@name="hypervclock"]/@present)')" = yes ]
  [ "$(x 'string(//clock/timer[@name="rtc"]/@tickpolicy)')" = catchup ]
  [ "$(x 'string(//clock/timer[@name="pit"]/@tickpolicy)')" = delay ]
  [ "$(x 'string(//memballoon/@model)')" = none ]
  [ "$(x 'string(//pm/suspend-to-mem/@enabled)')" = no ]
  [ "$(x 'string(//features/vmport/@state)')" = off ]
  [ "$(x 'count(//mac | //*[local-name()="commandline"])')" = 0 ]
  [ "$(x 'string(//metadata/*[local-name()="libosinfo"]/*[local-name()="os"]/@id)')" = http://microsoft.com/win/11 ]
  [ "$(x 'count(//metadata/*[local-name()="vm"][namespace-uri()="urn:pgs:domain:1"]/*[local-name()="hugepages"])')" = 1 ]
  [ "$(x 'string(//memoryBacking/hugepages/page/@size)')" = 2048 ]
  [ "$(x 'string(//memory)')" = 8192 ]
  [ "$(x 'string(//memory/@unit)')" = MiB ]
  # the default set without --domcaps prints the same as the fixture with KVM's full list
  cp "$BATS_TEST_TMPDIR/d.xml" "$BATS_TEST_TMPDIR/with-fixture.xml"
  xml --mode passthrough
  diff <(grep -v 'machine=' "$BATS_TEST_TMPDIR/with-fixture.xml") <(grep -v 'machine=' "$BATS_TEST_TMPDIR/d.xml")
}

@test "1 GiB pages only when enough are reserved and free and a pagesize=1G hugetlbfs is mounted, else 2 MiB" {
  machine laptop-9750h
  echo 8 > "$R/sys/kernel/mm/hugepages/hugepages-1048576kB/free_hugepages"
  xml --mode passthrough
  [ "$(x 'string(//memoryBacking/hugepages/page/@size)')" = 2048 ]
  echo "hugetlbfs /dev/hugepages1G hugetlbfs rw,relatime,pagesize=1024M 0 0" >> "$R/proc/mounts"
  xml --mode passthrough
  [ "$(x 'string(//memoryBacking/hugepages/page/@size)')" = 1048576 ]
  xml --mode passthrough --memory 10G
  [ "$(x 'string(//memoryBacking/hugepages/page/@size)')" = 2048 ]
}

@test "TCG capabilities: type='qemu', cpu mode='maximum', the TCG-safe Hyper-V subset, no invtsc, no hostdevs, no hugepages" {
  machine laptop-9750h
  xml --mode passthrough --domcaps "$FX/domcaps-debian12-tcg.xml"
  [ "$(x 'string(/domain/@type)')" = qemu ]
  [ "$(x 'string(//cpu/@mode)')" = maximum ]
  for h in vpindex synic stimer ipi tlbflush evmcs avic; do [ "$(x "count(//hyperv/$h)")" = 0 ]; done
  [ "$(x 'count(//cpu/feature[@name="invtsc"] | //hostdev | //memoryBacking | //input[@type="evdev"])')" = 0 ]
  [ "$(x 'string(//tpm/@model)')" = tpm-crb ]
  [[ "$stderr" == *"no KVM here"* ]]
}

@test "evdev auto: the keyboard and the mouse by-id, not a gaming mouse's keyboard interface; by-path for a built-in keyboard; the grab toggle on the keyboard only" {
  machine laptop-9750h
  mkdir -p "$R/dev/input/by-id" "$R/dev/input/by-path"
  ln -s ../event3 "$R/dev/input/by-id/usb-Logitech_G502-event-mouse"
  ln -s ../event4 "$R/dev/input/by-id/usb-Logitech_G502-if01-event-kbd"
  ln -s ../event0 "$R/dev/input/by-path/platform-i8042-serio-0-event-kbd"
  touch "$R/dev/input/event0" "$R/dev/input/event3" "$R/dev/input/event4"
  xml --mode passthrough
  [ "$(x 'count(//input[@type="evdev"])')" = 2 ]
  [ "$(x 'string(//input[@type="evdev"][source/@grabToggle]/source/@dev)')" = /dev/input/by-path/platform-i8042-serio-0-event-kbd ]
  [ "$(x 'string(//input[@type="evdev"][source/@grabToggle]/source/@grab)')" = all ]
  [ "$(x 'string(//input[@type="evdev"][source/@grabToggle]/source/@repeat)')" = on ]
  [ "$(x 'string(//input[@type="evdev"][not(source/@grabToggle)]/source/@dev)')" = /dev/input/by-id/usb-Logitech_G502-event-mouse ]
  [[ "$stderr" == *"missing when the VM starts fails the start"* ]]
  ln -s ../event5 "$R/dev/input/by-id/usb-Cherry_Keyboard-event-kbd"
  xml --mode passthrough
  [ "$(x 'string(//input[@type="evdev"][source/@grabToggle]/source/@dev)')" = /dev/input/by-id/usb-Cherry_Keyboard-event-kbd ]
  xml --mode passthrough --evdev none
  [ "$(x 'count(//input[@type="evdev"])')" = 0 ]
}

@test "Looking Glass: 32 MiB for 1080p SDR, 64 MiB for 1440p SDR, 128 for HDR (W x H x 4|8 x 2 + 10 MiB, to a power of two); spice with video none; a 3D controller only with it" {
  machine laptop-3d
  run pgs vm create w11 --print-xml --sysroot "$R" --mode passthrough
  [ "$status" -eq 1 ]
  [[ "$output" == *"0000:01:00.0: a 3D controller has no outputs of its own; with --looking-glass"* ]]
  xml --mode passthrough --looking-glass
  [ "$(x 'string(//shmem[@name="looking-glass"]/model/@type)')" = ivshmem-plain ]
  [ "$(x 'string(//shmem/size)')" = 32 ]
  [ "$(x 'string(//shmem/size/@unit)')" = M ]
  [ "$(x 'string(//graphics/@type)')" = spice ]
  [ "$(x 'string(//video/model/@type)')" = none ]
  [[ "$stderr" == *"is a 3D controller (no outputs)"* ]]
  xml --mode passthrough --looking-glass=2560x1440
  [ "$(x 'string(//shmem/size)')" = 64 ]
  xml --mode passthrough --looking-glass=2560x1440,hdr
  [ "$(x 'string(//shmem/size)')" = 128 ]
}

@test "SR-IOV: the first VF of the iGPU; hidden hypervisor for an Intel VF; maxphysaddr for what host-phys-bits-limit did; none created yet is a clear error" {
  machine laptop-13650hx
  run pgs vm create w11 --print-xml --sysroot "$R" --mode sriov
  [ "$status" -eq 1 ]
  [[ "$output" == *"0000:00:02.0 has no virtual functions now; pgs setup --mode sriov creates them at boot"* ]]
  PGS_FAKE_ROOT=$R LD_PRELOAD=$TB/libfakesys.so sh -c "echo 2 > '$R/sys/bus/pci/devices/0000:00:02.0/sriov_numvfs'"
  xml --mode sriov
  [ "$(x 'count(//hostdev[@type="pci"])')" = 1 ]
  [ "$(x 'string(//hostdev/source/address/@function)')" = 0x1 ]
  [ "$(x 'string(//features/kvm/hidden/@state)')" = on ]
  [ "$(x 'string(//cpu/maxphysaddr/@bits)')" = 39 ]
}

@test "bad input gives a clear error and prints no XML: a missing GPU, the boot VGA, a non-viable group, too much memory, an odd --cpus on SMT, an invalid name, a malformed size" {
  machine sata-group
  run --separate-stderr pgs vm create w11 --print-xml --sysroot "$R" --mode passthrough --gpu 0000:01:00.0
  [ "$status" -eq 1 ] && [ -z "$output" ]
  [[ "$stderr" == *"IOMMU group 1 also holds 0000:02:00.0 (class 010601)"*"not viable"* ]]
  machine laptop-9750h
  run --separate-stderr pgs vm create w11 --print-xml --sysroot "$R" --mode passthrough --gpu 0000:07:00.0
  [ "$status" -eq 1 ] && [ -z "$output" ] && [[ "$stderr" == *"there is no PCI device 0000:07:00.0"* ]]
  run --separate-stderr pgs vm create w11 --print-xml --sysroot "$R" --mode passthrough --gpu 0000:00:02.0
  [ "$status" -eq 1 ] && [[ "$stderr" == *"boot VGA"* ]]
  run --separate-stderr pgs vm create w11 --print-xml --sysroot "$R" --mode passthrough --memory 14G
  [ "$status" -eq 1 ] && [[ "$stderr" == *"--memory 14336 MiB: this host has 15935 MiB and keeps a quarter"* ]]
  run --separate-stderr pgs vm create w11 --print-xml --sysroot "$R" --mode passthrough --memory 2G
  [ "$status" -eq 1 ] && [[ "$stderr" == *"Windows 11 needs at least 4096 MiB"* ]]
  run --separate-stderr pgs vm create w11 --print-xml --sysroot "$R" --mode passthrough --cpus 5
  [ "$status" -eq 1 ] && [[ "$stderr" == *"--cpus 5: this host has 2 threads per core"* ]]
  for bad in "../etc" "a/b" "$(printf 'a\nb')" "-x" ".hidden" "$(printf '%070d' 0)"; do
    run --separate-stderr pgs vm create "$bad" --print-xml --sysroot "$R" --mode passthrough
    [ "$status" -ne 0 ] && [ -z "$output" ]
  done
  run --separate-stderr pgs vm create "../etc" --print-xml --sysroot "$R" --mode passthrough
  [[ "$stderr" == *"is not a name pgs gives a domain"* ]]
  run --separate-stderr pgs vm create w11 --print-xml --sysroot "$R" --mode passthrough --memory 8X
  [ "$status" -eq 64 ] && [[ "$stderr" == *"--memory '8X'"* ]]
  run --separate-stderr pgs vm create w11 --print-xml --sysroot "$R"
  [ "$status" -eq 64 ] && [[ "$stderr" == *"--mode passthrough|gvtg|sriov is required"* ]]
  run --separate-stderr pgs vm create w11 --print-xml --sysroot "$R" --mode passthrough --domcaps /nonexistent
  [ "$status" -eq 1 ] && [[ "$stderr" == *"/nonexistent"* ]]
  printf '<!DOCTYPE x [<!ENTITY a "b">]><domainCapabilities/>' > "$BATS_TEST_TMPDIR/evil.xml"
  run --separate-stderr pgs vm create w11 --print-xml --sysroot "$R" --mode passthrough --domcaps "$BATS_TEST_TMPDIR/evil.xml"
  [ "$status" -eq 1 ] && [[ "$stderr" == *"DOCTYPE"* ]]
}

@test "pgs vm --help is true to the options create takes" {
  run pgs vm --help
  [ "$status" -eq 0 ]
  for o in mode gpu windows memory cpus image size disk disk-controller rom laptop looking-glass evdev secure-boot hide-hypervisor tcg replace print-xml domcaps dry-run sysroot; do
    [[ "$output" == *"--$o"* ]]
  done
  [[ "$output" == *"libvirt group"* ]]
  run pgs vm create --bogus
  [ "$status" -eq 64 ]
}

@test "--isolate off leaves the hook's <pgs:isolate/> out and keeps the governor; on (the default) asks for it; anything else is refused" {
  machine laptop-9750h
  xml --mode passthrough --domcaps "$FX/domcaps-debian12-kvm.xml"
  [ "$(x 'count(//metadata/*[local-name()="vm"]/*[local-name()="isolate"])')" = 1 ]
  xml --mode passthrough --isolate off --domcaps "$FX/domcaps-debian12-kvm.xml"
  [ "$(x 'count(//metadata/*[local-name()="vm"]/*[local-name()="isolate"])')" = 0 ]
  [ "$(x 'count(//metadata/*[local-name()="vm"]/*[local-name()="governor"])')" = 1 ]
  xml --mode passthrough --isolate on --domcaps "$FX/domcaps-debian12-kvm.xml"
  [ "$(x 'count(//metadata/*[local-name()="vm"]/*[local-name()="isolate"])')" = 1 ]
  run pgs vm create w11 --print-xml --sysroot "$R" --mode passthrough --isolate maybe
  [ "$status" -eq 64 ]
  [[ "$output" == *"--isolate 'maybe': on or off"* ]]
}
