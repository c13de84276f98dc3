#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# pgs-qemu-hook on fake trees: the static front exactly as libvirt runs it,
# handing managed domains to the worker (the dynamic build, so the fake kernel
# can be preloaded: nr_hugepages gives what "memory" allows, more after
# compact_memory; cpufreq refuses unknown governors and, under intel_pstate,
# EPP writes while the governor is performance).

load helper

UUID1=4dea22b3-1d52-d8f3-2516-782e98ab3fa0
UUID2=8f0c7c1e-9e2a-4d3b-a1f2-0c9d8e7f6a5b

setup() {
  fk_setup
  fk hugepages 2048 16 200 0 0          # a boot reservation of 16 pages, room for 200
  fk cpufreq 8 2 schedutil acpi-cpufreq  # 4 policies of 2 CPUs
}

# domxml NAME UUID MEM_MIB CPUSET "PGS CHILDREN"
domxml() {
  local pgs=""
  [ -n "${5-<pgs:hugepages/><pgs:governor/>}" ] && pgs="<metadata><pgs:vm xmlns:pgs=\"urn:pgs:domain:1\">${5-<pgs:hugepages/><pgs:governor/>}</pgs:vm></metadata>"
  cat <<EOX
<domain type='kvm' id='3'>
  <name>$1</name>
  <uuid>$2</uuid>
  $pgs
  <memory unit='KiB'>$(( $3 * 1024 ))</memory>
  <currentMemory unit='KiB'>$(( $3 * 1024 ))</currentMemory>
  <memoryBacking><hugepages><page size='2048' unit='KiB'/></hugepages></memoryBacking>
  <vcpu placement='static'>2</vcpu>
  <cputune><vcpupin vcpu='0' cpuset='${4%%,*}'/><vcpupin vcpu='1' cpuset='${4#*,}'/></cputune>
  <os><type arch='x86_64' machine='pc-q35-7.2'>hvm</type></os>
</domain>
EOX
}

hook() { # hook NAME OP SUBOP < xml
  PGS_SYSROOT=$R PGS_HOOK_WORKER=$TOP/build/pgs-qemu-hook-xml LD_PRELOAD=$TB/libfakesys.so \
    "$TOP/build/pgs-qemu-hook" "$1" "$2" "$3" -
}
pool() { cat "$R/sys/kernel/mm/hugepages/hugepages-2048kB/$1"; }
gov() { cat "$R/sys/devices/system/cpu/cpufreq/policy$1/scaling_governor"; }
# every sysfs/procfs file's content, and the journals and shared records
state() {
  (cd "$R" && find sys proc -type f -print0 | sort -z | xargs -0 md5sum
   ls run/pgs 2>/dev/null | grep -v -e '^lock$' -e '^shared$' || true
   ls run/pgs/shared 2>/dev/null || true)
}

@test "an unmanaged domain costs one fast exit: the worker is never run, nothing changes" {
  before=$(state)
  domxml win10 $UUID1 1024 2,3 "" > "$BATS_TEST_TMPDIR/x"
  for ev in "prepare begin" "start begin" "started begin" "stopped end" "release end"; do
    PGS_SYSROOT=$R PGS_HOOK_WORKER=/nonexistent run "$TOP/build/pgs-qemu-hook" win10 $ev - < "$BATS_TEST_TMPDIR/x"
    [ "$status" -eq 0 ]
    [ -z "$output" ]
  done
  [ "$(state)" = "$before" ]
}

@test "prepare allocates only the shortfall, sets performance on the vCPUs' policies; release puts back exactly that" {
  domxml win11 $UUID1 256 2,3 > "$BATS_TEST_TMPDIR/x"    # 128 pages; 16 free from the boot reservation
  before=$(state)
  run hook win11 prepare begin < "$BATS_TEST_TMPDIR/x"
  [ "$status" -eq 0 ]
  [ "$(pool nr_hugepages)" = 128 ]
  [[ "$output" == *"hugepages: 128 × 2 MiB ready (16 were free, 112 added)"* ]]
  [ "$(gov 2)" = performance ]
  [ "$(gov 0)" = schedutil ]
  [ "$(gov 4)" = schedutil ]
  grep -qx "hold sys/devices/system/cpu/cpufreq/policy2/scaling_governor" "$R/run/pgs/$UUID1"
  for ev in "start begin" "started begin" "stopped end"; do hook win11 $ev < "$BATS_TEST_TMPDIR/x"; done
  run hook win11 release end < "$BATS_TEST_TMPDIR/x"
  [ "$status" -eq 0 ]
  [ "$(pool nr_hugepages)" = 16 ]
  [ "$(gov 2)" = schedutil ]
  [ ! -e "$R/run/pgs/$UUID1" ]
  [ "$(state)" = "$before" ]
}

@test "a shortfall that compaction cannot cover fails prepare with what to do, and frees only what it added" {
  domxml big $UUID1 1024 2,3 > "$BATS_TEST_TMPDIR/x"     # 512 pages, the kernel has room for 200
  before=$(state)
  run hook big prepare begin < "$BATS_TEST_TMPDIR/x"
  [ "$status" -eq 1 ]
  [[ "$output" == *"hugepages: needs 512 × 2 MiB (1024 MiB); 16 were free and only 184 more could be allocated (312 short)"* ]]
  [[ "$output" == *"Reserve them at boot: hugepages=512 on the kernel command line (pgs boot apply --hugepages 2M:512)"* ]]
  [[ "$output" == *"everything pgs changed for it is back as it was"* ]]
  [ "$(pool nr_hugepages)" = 16 ]
  [ "$(state)" = "$before" ]
}

@test "pages that only compaction frees are obtained after drop_caches + compact_memory" {
  fk hugepages 2048 0 100 400 0
  domxml vm $UUID1 512 2,3 "<pgs:hugepages/>" > "$BATS_TEST_TMPDIR/x"   # 256 pages
  run hook vm prepare begin < "$BATS_TEST_TMPDIR/x"
  [ "$status" -eq 0 ]
  [ "$(pool nr_hugepages)" = 256 ]
  [ -e "$R/.fake/compacted" ]
}

@test "no hugetlbfs mounted for the page size: prepare fails early, nothing changed" {
  rm "$R/proc/mounts"; fk hugepages 2048 16 200 0 0 unmounted
  domxml vm $UUID1 256 2,3 > "$BATS_TEST_TMPDIR/x"
  before=$(state)
  run hook vm prepare begin < "$BATS_TEST_TMPDIR/x"
  [ "$status" -eq 1 ]
  [[ "$output" == *"no hugetlbfs is mounted for 2 MiB pages"*"restart libvirtd"* ]]
  [ "$(state)" = "$before" ]
}

@test "a write that fails at any step of prepare leaves the tree byte-identical" {
  fk cpufreq 8 2 powersave intel_pstate epp
  domxml vm $UUID1 256 2,5 > "$BATS_TEST_TMPDIR/x"
  before=$(state)
  for f in nr_hugepages=EIO policy2/energy_performance_preference=EIO policy2/scaling_governor=EIO policy4/energy_performance_preference=EACCES policy4/scaling_governor=EBUSY; do
    PGS_FAKE_FAIL=$f run hook vm prepare begin < "$BATS_TEST_TMPDIR/x"
    [ "$status" -eq 1 ] || { echo "$f: status $status: $output"; false; }
    [ "$(state)" = "$before" ] || { echo "$f left changes"; diff <(echo "$before") <(state); false; }
  done
}

@test "intel_pstate: EPP set before the governor, the governor restored first on release" {
  fk cpufreq 8 2 powersave intel_pstate epp
  domxml vm $UUID1 64 2,3 "<pgs:governor/>" > "$BATS_TEST_TMPDIR/x"
  before=$(state)
  hook vm prepare begin < "$BATS_TEST_TMPDIR/x"
  [ "$(gov 2)" = performance ]
  [ "$(cat "$R/sys/devices/system/cpu/cpufreq/policy2/energy_performance_preference")" = performance ]
  run hook vm release end < "$BATS_TEST_TMPDIR/x"
  [ "$status" -eq 0 ]
  [ "$(state)" = "$before" ]
}

@test "two VMs: the first one's release keeps what the second still needs" {
  domxml vm1 $UUID1 128 2,3 > "$BATS_TEST_TMPDIR/a"     # 64 pages
  domxml vm2 $UUID2 128 3,4 > "$BATS_TEST_TMPDIR/b"     # 64 pages, shares policy2 (CPUs 2-3)
  before=$(state)
  hook vm1 prepare begin < "$BATS_TEST_TMPDIR/a"
  echo 64 > "$R/.fake/hugepages-2048kB-used"; echo 0 > "$R/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages"  # vm1 runs
  hook vm2 prepare begin < "$BATS_TEST_TMPDIR/b"
  [ "$(pool nr_hugepages)" = 128 ]
  [ "$(gov 2)" = performance ] && [ "$(gov 4)" = performance ]
  echo 0 > "$R/.fake/hugepages-2048kB-used"   # vm1 stopped: its pages are free again
  hook vm1 release end < "$BATS_TEST_TMPDIR/a"
  [ "$(gov 2)" = performance ]                 # vm2 still runs on CPU 3
  [ "$(pool nr_hugepages)" = 80 ]              # vm1 gave back its 48
  hook vm2 release end < "$BATS_TEST_TMPDIR/b"
  [ "$(gov 2)" = schedutil ] && [ "$(gov 4)" = schedutil ]
  [ "$(pool nr_hugepages)" = 16 ]
  [ "$(state)" = "$before" ]
}

@test "release without prepare does nothing; release twice is the same as once" {
  domxml vm $UUID1 128 2,3 > "$BATS_TEST_TMPDIR/x"
  before=$(state)
  run hook vm release end < "$BATS_TEST_TMPDIR/x"
  [ "$status" -eq 0 ]
  hook vm prepare begin < "$BATS_TEST_TMPDIR/x"
  hook vm release end < "$BATS_TEST_TMPDIR/x"
  hook vm release end < "$BATS_TEST_TMPDIR/x"
  [ "$(state)" = "$before" ]
}

@test "hostile input gets a clear message and changes nothing" {
  before=$(state)
  long=$(printf 'x%.0s' $(seq 1200))
  for name in "../../etc/passwd" "a/b" "$(printf 'evil\nname')" "$long"; do
    domxml "$name" $UUID1 128 2,3 > "$BATS_TEST_TMPDIR/x"
    run hook "$name" prepare begin < "$BATS_TEST_TMPDIR/x"
    [ "$status" -eq 1 ]
    [[ "$output" == *"has '/', control characters or over 200 characters; nothing changed"* ]] || { echo "name [$name]: $output"; false; }
  done
  domxml "my vm" $UUID1 128 2,3 > "$BATS_TEST_TMPDIR/x"
  run hook "other" prepare begin < "$BATS_TEST_TMPDIR/x"
  [[ "$output" == *"does not match the XML's <name>"* ]]
  # spaces are a legal name: it works, and goes back
  run hook "my vm" prepare begin < "$BATS_TEST_TMPDIR/x"
  [ "$status" -eq 0 ]
  [ "$(cat "$R/run/pgs/$UUID1" | sed -n 's/^name //p')" = "my%20vm" ]
  hook "my vm" release end < "$BATS_TEST_TMPDIR/x"
  # a domain may be called --help: argv is never parsed as options
  domxml "--help" $UUID1 128 2,3 "" > "$BATS_TEST_TMPDIR/x"
  run hook --help prepare begin < "$BATS_TEST_TMPDIR/x"
  [ "$status" -eq 0 ] && [ -z "$output" ]
  printf '<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n<domain><name>&x;</name><metadata><pgs:vm xmlns:pgs="urn:pgs:domain:1"/></metadata></domain>\n' > "$BATS_TEST_TMPDIR/x"
  run hook vm prepare begin < "$BATS_TEST_TMPDIR/x"
  [ "$status" -eq 1 ]
  [[ "$output" == *"DOCTYPE or entity declarations; refusing it, nothing changed"* ]]
  { printf '<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'; for i in 1 2 3 4 5 6 7 8 9; do printf '<!ENTITY lol%d "&lol%s;&lol%s;&lol%s;&lol%s;&lol%s;&lol%s;&lol%s;&lol%s;&lol%s;&lol%s;">' $i $((i-1)) $((i-1)) $((i-1)) $((i-1)) $((i-1)) $((i-1)) $((i-1)) $((i-1)) $((i-1)) $((i-1)); done; printf ']><domain><name>&lol9;</name><metadata><pgs:vm xmlns:pgs="urn:pgs:domain:1"/></metadata></domain>\n'; } | sed 's/&lol0;/\&lol;/g' > "$BATS_TEST_TMPDIR/x"
  run hook vm prepare begin < "$BATS_TEST_TMPDIR/x"
  [ "$status" -eq 1 ]
  { printf '<domain><name>vm</name><metadata><pgs:vm xmlns:pgs="urn:pgs:domain:1"/></metadata><description>'; head -c 1100000 /dev/zero | tr '\0' a; printf '</description></domain>'; } > "$BATS_TEST_TMPDIR/x"
  run hook vm prepare begin < "$BATS_TEST_TMPDIR/x"
  [ "$status" -eq 1 ]
  [[ "$output" == *"domain XML over 1 MiB on stdin; refusing it, nothing changed"* ]]
  printf 'urn:pgs:domain:1 \x00\x01\xff garbage <<<' > "$BATS_TEST_TMPDIR/x"
  run hook vm prepare begin < "$BATS_TEST_TMPDIR/x"
  [ "$status" -eq 1 ]
  [[ "$output" == *"domain XML does not parse"* ]]
  domxml vm "../../../../etc" 128 2,3 > "$BATS_TEST_TMPDIR/x"
  run hook vm prepare begin < "$BATS_TEST_TMPDIR/x"
  [[ "$output" == *"<uuid> is not a UUID; nothing changed"* ]]
  [ "$(state)" = "$before" ]
  [ -z "$(ls "$R/run/pgs" | grep -v -e lock -e shared)" ]
}

@test "hostile numbers and encodings: negative or huge <memory>, a DTD in UTF-7, too many hostdevs — refused, nothing changed" {
  before=$(state)
  for mem in -1 -2048 +5 ' 64' 18446744073709551615 99999999999999999999 0x40; do
    domxml vm $UUID1 64 2,3 | sed "s|<memory unit='KiB'>[0-9]*</memory>|<memory unit='KiB'>$mem</memory>|" > "$BATS_TEST_TMPDIR/x"
    run hook vm prepare begin < "$BATS_TEST_TMPDIR/x"
    [ "$status" -eq 1 ] || { echo "memory [$mem]: $output"; false; }
    [[ "$output" == *"no valid <memory>; nothing changed"* ]]
  done
  domxml vm $UUID1 64 2,3 | sed "s|<memory unit='KiB'>[0-9]*</memory>|<memory unit='TiB'>4096</memory>|" > "$BATS_TEST_TMPDIR/x"
  run hook vm prepare begin < "$BATS_TEST_TMPDIR/x"
  [ "$status" -eq 1 ]
  domxml vm $UUID1 64 2,3 | sed "s|size='2048'|size='-2048'|" > "$BATS_TEST_TMPDIR/x"
  run hook vm prepare begin < "$BATS_TEST_TMPDIR/x"
  [[ "$output" == *"<page> has no valid size; nothing changed"* ]]
  # a DOCTYPE the byte search cannot see: the body in UTF-7 ("<!" is "+ADwAIQ-"),
  # pgs's namespace still readable to the front
  { printf '<?xml version="1.0" encoding="UTF-7"?>\n'
    printf '<!DOCTYPE d [<!ENTITY x "y">]>\n<domain><name>vm</name><uuid>%s</uuid><metadata><pgs:vm xmlns:pgs="urn:pgs:domain:1"><pgs:governor/></pgs:vm></metadata><memory>65536</memory></domain>\n' $UUID1 |
      iconv -f UTF-8 -t UTF-7; } > "$BATS_TEST_TMPDIR/x"
  grep -q 'urn:pgs:domain:1' "$BATS_TEST_TMPDIR/x" && ! grep -q DOCTYPE.d.. "$BATS_TEST_TMPDIR/x"
  run hook vm prepare begin < "$BATS_TEST_TMPDIR/x"
  [ "$status" -eq 1 ]
  [[ "$output" == *"refusing it, nothing changed"* ]]
  # 65 PCI hostdevs: refused, not cut to the first few
  hd=$(for i in $(seq 1 65); do printf "<hostdev mode='subsystem' type='pci' managed='yes'><source><address domain='0x0000' bus='0x%02x' slot='0x00' function='0x0'/></source></hostdev>" $i; done)
  domxml vm $UUID1 64 2,3 | sed "s|<os>|<devices>$hd</devices><os>|" > "$BATS_TEST_TMPDIR/x"
  run hook vm prepare begin < "$BATS_TEST_TMPDIR/x"
  [ "$status" -eq 1 ]
  [[ "$output" == *"more than 64 PCI <hostdev>s"* ]]
  [ "$(state)" = "$before" ]
}

@test "a ^N in one <vcpupin> does not drop a CPU another pin uses" {
  fk isolation 8 2
  domxml vm $UUID1 64 2,3 "<pgs:isolate/>" | sed "s|cpuset='3'|cpuset='2-3,^2'|" > "$BATS_TEST_TMPDIR/x"
  run hook vm prepare begin < "$BATS_TEST_TMPDIR/x"
  [ "$status" -eq 0 ]
  [ "$(irq 0)" = 0-1,4-7 ]
  hook vm release end < "$BATS_TEST_TMPDIR/x"
}

@test "release undoes every line of a journal with thousands of IRQs, then removes it" {
  fk isolation 8 5000
  domxml vm $UUID1 64 2,3 "<pgs:isolate/>" > "$BATS_TEST_TMPDIR/x"
  before=$(state)
  run hook vm prepare begin < "$BATS_TEST_TMPDIR/x"
  [ "$status" -eq 0 ]
  [ "$(irq 4999)" = 0-1,4-7 ]
  [ "$(grep -c '^hold proc/irq/' "$R/run/pgs/$UUID1")" -eq 5000 ]
  run hook vm release end < "$BATS_TEST_TMPDIR/x"
  [ "$status" -eq 0 ]
  [ "$(irq 0)" = 0-7 ] && [ "$(irq 4999)" = 0-7 ] && [ "$(wq)" = ff ] && [ "$(cg system.slice)" = "" ]
  [ ! -e "$R/run/pgs/$UUID1" ]
  [ "$(state)" = "$before" ]
}

@test "pgs restore undoes a crashed domain's changes, but never while its QEMU runs" {
  domxml win11 $UUID1 256 2,3 > "$BATS_TEST_TMPDIR/x"
  before=$(state)
  hook win11 prepare begin < "$BATS_TEST_TMPDIR/x"
  mkdir -p "$R/proc/4711"
  printf 'qemu-system-x86_64\0-name\0guest=win11\0-uuid\0%s\0' $UUID1 > "$R/proc/4711/cmdline"
  ln -s /usr/bin/qemu-system-x86_64 "$R/proc/4711/exe"
  LD_PRELOAD=$TB/libfakesys.so run "$TOP/build/pgs" restore win11 --sysroot "$R"
  [ "$status" -eq 1 ]
  [[ "$output" == *"win11 ($UUID1): its QEMU is still running (pid 4711)"* ]]
  [ "$(gov 2)" = performance ]
  rm -r "$R/proc/4711"
  # libvirt's pid file names a live QEMU too
  mkdir -p "$R/proc/5000" "$R/run/libvirt/qemu"; ln -s /usr/bin/qemu-system-x86_64 "$R/proc/5000/exe"; echo 5000 > "$R/run/libvirt/qemu/win11.pid"
  LD_PRELOAD=$TB/libfakesys.so run "$TOP/build/pgs" restore win11 --dry-run --sysroot "$R"
  [[ "$output" == *"its QEMU is still running (pid 5000)"* ]]
  rm -r "$R/proc/5000" "$R/run/libvirt"
  # any user can run a process with "-uuid UUID" in its argv: it blocks nothing
  mkdir -p "$R/proc/666" "$R/proc/667"
  printf 'sleep\0-uuid\0%s\0' $UUID1 > "$R/proc/666/cmdline"; ln -s /usr/bin/sleep "$R/proc/666/exe"
  printf 'qemu-system-x86_64\0-uuidx\0%s\0' $UUID1 > "$R/proc/667/cmdline"; ln -s /usr/bin/qemu-system-x86_64 "$R/proc/667/exe"
  LD_PRELOAD=$TB/libfakesys.so run "$TOP/build/pgs" restore win11 --dry-run --sysroot "$R"
  [ "$status" -eq 0 ]
  [[ "$output" == *"would restore win11"* ]]
  rm -r "$R/proc/666" "$R/proc/667"
  LD_PRELOAD=$TB/libfakesys.so run "$TOP/build/pgs" restore --dry-run --sysroot "$R"
  [[ "$output" == *"would restore win11 ($UUID1)"* ]]
  [ "$(gov 2)" = performance ]
  LD_PRELOAD=$TB/libfakesys.so run "$TOP/build/pgs" restore --sysroot "$R"
  [ "$status" -eq 0 ]
  [[ "$output" == *"restored win11 ($UUID1)"* ]]
  [ "$(state)" = "$before" ] || { diff <(echo "$before") <(state); false; }
  LD_PRELOAD=$TB/libfakesys.so run "$TOP/build/pgs" restore nosuchvm --sysroot "$R"
  [ "$status" -eq 1 ]
}

@test "pgs restore trusts /run/pgs only as root's own directory, and replays only /sys, /proc and systemd values" {
  domxml win11 $UUID1 256 2,3 > "$BATS_TEST_TMPDIR/x"
  hook win11 prepare begin < "$BATS_TEST_TMPDIR/x"
  chmod 0777 "$R/run/pgs"
  run "$TOP/build/pgs" restore --sysroot "$R"
  [ "$status" -eq 1 ]
  [[ "$output" == *"/run/pgs or /run/pgs/shared is a link, not ours, or writable by others; not trusting it"* ]]
  run hook win11 release end < "$BATS_TEST_TMPDIR/x"
  [ "$status" -eq 1 ]
  [[ "$output" == *"not trusting it; nothing changed"* ]]
  chmod 0755 "$R/run/pgs"
  hook win11 release end < "$BATS_TEST_TMPDIR/x"
  # a crafted journal: lines naming files outside /sys and /proc are not replayed
  echo secret > "$R/etc/keep"
  printf '# pgs-hook 1\nname x\npages etc/keep 1\npages-begin etc/keep 7\nhold etc/keep\n' > "$R/run/pgs/$UUID2"
  run "$TOP/build/pgs" restore --sysroot "$R"
  [ "$status" -eq 1 ]
  [[ "$output" == *"etc/keep: not a /sys, /proc or systemd value; not replayed"* ]]
  [ "$(cat "$R/etc/keep")" = secret ]
  [ -e "$R/run/pgs/$UUID2" ]
}

@test "temporary files a killed writer left in /run/pgs are cleared under the lock" {
  mkdir -p "$R/run/pgs/shared"
  echo half > "$R/run/pgs/shared/.sys!devices!x.4242.tmp"; echo half > "$R/run/pgs/.$UUID1.4242.tmp"
  domxml win11 $UUID1 64 2,3 > "$BATS_TEST_TMPDIR/x"
  hook win11 prepare begin < "$BATS_TEST_TMPDIR/x"
  [ -z "$(find "$R/run/pgs" -name '*.tmp')" ]
  hook win11 release end < "$BATS_TEST_TMPDIR/x"
}

@test "pgs setup hook: qemu when free, qemu.d/pgs beside another hook; --remove takes back only its own" {
  S=$BATS_TEST_TMPDIR/s; mkdir -p "$S/usr/sbin"
  printf '#!/bin/sh\n' > "$S/usr/sbin/libvirtd"; chmod +x "$S/usr/sbin/libvirtd"
  run "$TOP/build/pgs" setup hook --sysroot "$S"
  [ "$status" -eq 0 ]
  [ "$(readlink "$S/etc/libvirt/hooks/qemu")" = /usr/lib/pgs/pgs-qemu-hook ]
  [[ "$output" == *"restart libvirtd once"* ]]
  run "$TOP/build/pgs" setup hook --sysroot "$S"
  [[ "$output" == *"already pgs-qemu-hook"* ]]
  "$TOP/build/pgs" setup hook --remove --sysroot "$S"
  [ ! -e "$S/etc/libvirt/hooks/qemu" ] && [ ! -L "$S/etc/libvirt/hooks/qemu" ]
  printf '#!/bin/sh\n# the user own dispatcher\n' > "$S/etc/libvirt/hooks/qemu"
  printf '#!/bin/sh\n' > "$S/usr/sbin/virtqemud"; chmod +x "$S/usr/sbin/virtqemud"; mkdir -p "$S/etc/systemd/system/sockets.target.wants"; touch "$S/etc/systemd/system/sockets.target.wants/virtqemud.socket"
  run "$TOP/build/pgs" setup hook --sysroot "$S"
  [ "$(readlink "$S/etc/libvirt/hooks/qemu.d/pgs")" = /usr/lib/pgs/pgs-qemu-hook ]
  grep -q 'the user own dispatcher' "$S/etc/libvirt/hooks/qemu"
  [[ "$output" == *"restart virtqemud once"* ]]
  run "$TOP/build/pgs" setup hook --remove --dry-run --sysroot "$S"
  [[ "$output" == *"would remove /etc/libvirt/hooks/qemu.d/pgs"* ]]
  [ -L "$S/etc/libvirt/hooks/qemu.d/pgs" ]
  "$TOP/build/pgs" setup hook --remove --sysroot "$S"
  [ ! -L "$S/etc/libvirt/hooks/qemu.d/pgs" ]
  grep -q 'the user own dispatcher' "$S/etc/libvirt/hooks/qemu"
}

irq() { cat "$R/proc/irq/$1/smp_affinity_list"; }
cg() { cat "$R/sys/fs/cgroup/$1/cpuset.cpus"; }
wq() { cat "$R/sys/devices/virtual/workqueue/cpumask"; }

@test "isolate: IRQs, the workqueue cpumask and the host cgroups leave the vCPUs' CPUs, and come back" {
  fk isolation 8 6
  touch "$R/.fake/irq-3-managed"
  domxml vm $UUID1 64 2,3 "<pgs:isolate/>" > "$BATS_TEST_TMPDIR/x"
  before=$(state)
  run hook vm prepare begin < "$BATS_TEST_TMPDIR/x"
  [ "$status" -eq 0 ]
  [[ "$output" == *"isolate: host work on CPUs 0-1,4-7: 5 IRQs moved (1 managed ones skipped), 3 cgroups"* ]]
  [ "$(irq 0)" = 0-1,4-7 ] && [ "$(irq 5)" = 0-1,4-7 ] && [ "$(irq 3)" = 0-7 ]
  [ "$(wq)" = f3 ]
  [ "$(cg system.slice)" = 0-1,4-7 ] && [ "$(cg user.slice)" = 0-1,4-7 ] && [ "$(cg init.scope)" = 0-1,4-7 ]
  [ "$(cg machine.slice)" = "" ]
  run hook vm release end < "$BATS_TEST_TMPDIR/x"
  [ "$status" -eq 0 ]
  [ "$(state)" = "$before" ] || { diff <(echo "$before") <(state); false; }
}

@test "isolate with two VMs: each keeps its own CPUs out until it goes" {
  fk isolation 8 2
  domxml vm1 $UUID1 64 2,3 "<pgs:isolate/>" > "$BATS_TEST_TMPDIR/a"
  domxml vm2 $UUID2 64 4,5 "<pgs:isolate/>" > "$BATS_TEST_TMPDIR/b"
  before=$(state)
  hook vm1 prepare begin < "$BATS_TEST_TMPDIR/a"
  hook vm2 prepare begin < "$BATS_TEST_TMPDIR/b"
  [ "$(irq 0)" = 0-1,6-7 ] && [ "$(wq)" = c3 ] && [ "$(cg system.slice)" = 0-1,6-7 ]
  hook vm1 release end < "$BATS_TEST_TMPDIR/a"
  [ "$(irq 0)" = 0-3,6-7 ] && [ "$(wq)" = cf ] && [ "$(cg system.slice)" = 0-3,6-7 ]
  hook vm2 release end < "$BATS_TEST_TMPDIR/b"
  [ "$(state)" = "$before" ]
}

@test "isolate refuses to leave the host no CPU, and a failing cgroup write undoes everything" {
  fk isolation 4 2
  domxml vm $UUID1 64 0-1,2-3 "<pgs:isolate/>" > "$BATS_TEST_TMPDIR/x"
  before=$(state)
  run hook vm prepare begin < "$BATS_TEST_TMPDIR/x"
  [ "$status" -eq 1 ]
  [[ "$output" == *"isolate: the vCPUs are pinned to every online CPU (0-3); none would be left for the host"* ]]
  [ "$(state)" = "$before" ]
  domxml vm $UUID1 64 2,3 "<pgs:isolate/>" > "$BATS_TEST_TMPDIR/x"
  PGS_FAKE_FAIL='user.slice/cpuset.cpus=EACCES' run hook vm prepare begin < "$BATS_TEST_TMPDIR/x"
  [ "$status" -eq 1 ]
  [[ "$output" == *"user.slice/cpuset.cpus: Permission denied"* ]]
  [ "$(state)" = "$before" ] || { diff <(echo "$before") <(state); false; }
}

@test "isolate warns when irqbalance runs, since it rewrites the masks" {
  fk isolation 4 1
  mkdir -p "$R/proc/777"; echo irqbalance > "$R/proc/777/comm"
  domxml vm $UUID1 64 2,3 "<pgs:isolate/>" > "$BATS_TEST_TMPDIR/x"
  run hook vm prepare begin < "$BATS_TEST_TMPDIR/x"
  [ "$status" -eq 0 ]
  [[ "$output" == *"irqbalance is running and will rewrite IRQ masks"* ]]
}

MDEV1=a297db4a-f4c2-11e6-90f6-d3b88d6c9525
MDEV2=b3b9f2c4-1d2e-4f5a-8b7c-6d5e4f3a2b1c
mdevxml() { # NAME UUID "PGS CHILDREN" MDEV-UUIDS...
  local name=$1 uuid=$2 kids=$3; shift 3
  domxml "$name" "$uuid" 64 2,3 "$kids" | sed '/<\/domain>/d'
  echo "  <devices>"
  for m in "$@"; do echo "    <hostdev mode='subsystem' type='mdev' managed='no' model='vfio-pci' display='off'><source><address uuid='$m'/></source></hostdev>"; done
  echo "  </devices>"
  echo "</domain>"
}
avail() { cat "$R/sys/bus/pci/devices/0000:00:02.0/mdev_supported_types/$1/available_instances"; }

@test "GVT-g: the domain's mdev is created with the largest type on offer, verified, and removed on release" {
  fk add 0000:00:02.0 8086:3e92 0x030000 group=0 boot_vga=1 driver=i915
  fk gvtg 0000:00:02.0
  mdevxml vm $UUID1 "<pgs:governor/>" $MDEV1 > "$BATS_TEST_TMPDIR/x"
  before=$(state)
  run hook vm prepare begin < "$BATS_TEST_TMPDIR/x"
  [ "$status" -eq 0 ]
  [[ "$output" == *"mdev $MDEV1 created (i915-GVTg_V5_1 on 0000:00:02.0)"* ]]
  [ -d "$R/sys/bus/mdev/devices/$MDEV1" ]
  [ "$(avail i915-GVTg_V5_1)" = 0 ]
  run hook vm release end < "$BATS_TEST_TMPDIR/x"
  [ ! -e "$R/sys/bus/mdev/devices/$MDEV1" ]
  [ "$(avail i915-GVTg_V5_1)" = 1 ]
  [ "$(state)" = "$before" ]
}

@test "GVT-g: the type pgs's metadata names; none left gives a clear error and undoes the first mdev" {
  fk add 0000:00:02.0 8086:3e92 0x030000 group=0 boot_vga=1 driver=i915
  fk gvtg 0000:00:02.0
  mdevxml vm $UUID1 "<pgs:mdev type='i915-GVTg_V5_4'/>" $MDEV1 > "$BATS_TEST_TMPDIR/x"
  hook vm prepare begin < "$BATS_TEST_TMPDIR/x"
  [ "$(avail i915-GVTg_V5_4)" = 1 ]
  hook vm release end < "$BATS_TEST_TMPDIR/x"
  mdevxml vm $UUID1 "<pgs:mdev type='i915-GVTg_V5_1'/>" $MDEV1 $MDEV2 > "$BATS_TEST_TMPDIR/x"
  before=$(state)
  run hook vm prepare begin < "$BATS_TEST_TMPDIR/x"
  [ "$status" -eq 1 ]
  [[ "$output" == *"mdev: 0000:00:02.0 offers no instance of i915-GVTg_V5_1; is another VM using them?"* ]]
  [ ! -e "$R/sys/bus/mdev/devices/$MDEV1" ]
  [ "$(state)" = "$before" ]
}

@test "GVT-g without an iGPU offering types says what to do" {
  mdevxml vm $UUID1 "" $MDEV1 > "$BATS_TEST_TMPDIR/x"
  sed -i 's|<metadata>|<metadata>|; s|<memory|<metadata><pgs:vm xmlns:pgs="urn:pgs:domain:1"/></metadata><memory|' "$BATS_TEST_TMPDIR/x"
  run hook vm prepare begin < "$BATS_TEST_TMPDIR/x"
  [ "$status" -eq 1 ]
  [[ "$output" == *"no device offers mediated types (GVT-g needs i915.enable_gvt=1 and kvmgt loaded: pgs boot apply --mode gvtg)"* ]]
}

pcixml() { # NAME UUID "PGS CHILDREN" MANAGED ADDR(bus slot fn)
  domxml "$1" "$2" 64 2,3 "$3" | sed '/<\/domain>/d'
  echo "  <devices><hostdev mode='subsystem' type='pci' managed='$4'><source><address domain='0x0000' bus='0x$5' slot='0x$6' function='0x$7'/></source></hostdev></devices>"
  echo "</domain>"
}
gpu_host() {
  fk add 0000:00:02.0 8086:3e92 0x030000 group=0 boot_vga=1 driver=i915
  fk add 0000:01:00.0 1234:1111 0x030000 group=1 boot_vga=0 driver=bochs-drm
  mkdir -p "$R/sys/devices/pci0000:00/0000:01:00.0/drm/card1" "$R/sys/devices/pci0000:00/0000:01:00.0/drm/renderD129"
  fk_kmods 6.1.0-pgs running
}
hookp() { PATH="$BATS_TEST_TMPDIR/bin:$PATH" hook "$@"; }

@test "GPU handover (managed='no' + <pgs:handover/>): host driver to vfio-pci, and back on release" {
  gpu_host
  pcixml vm $UUID1 "<pgs:handover/>" no 01 00 0 > "$BATS_TEST_TMPDIR/x"
  before=$(state)
  run hookp vm prepare begin < "$BATS_TEST_TMPDIR/x"
  [ "$status" -eq 0 ]
  [ "$(drv 0000:01:00.0)" = vfio-pci ]
  [[ "$output" == *"hostdev 0000:01:00.0 moved to vfio-pci; it goes back on release"* ]]
  run hookp vm release end < "$BATS_TEST_TMPDIR/x"
  [ "$status" -eq 0 ]
  [ "$(drv 0000:01:00.0)" = bochs-drm ]
  [ "$(cat "$R/sys/bus/pci/devices/0000:01:00.0/driver_override")" = "(null)" ]
  # the one thing left: vfio-pci stays loaded (another VM may need it)
  [ "$(state | grep -v drivers/vfio-pci/)" = "$before" ] || { diff <(echo "$before") <(state); false; }
}

@test "handover never moves the boot VGA device, nor a disk controller unless <pgs:handover allow> names it with its id" {
  gpu_host
  fk add 0000:02:00.0 144d:a808 0x010802 group=2 driver=nvme
  pcixml vm $UUID1 "<pgs:handover/>" no 00 02 0 > "$BATS_TEST_TMPDIR/x"
  before=$(state)
  run hookp vm prepare begin < "$BATS_TEST_TMPDIR/x"
  [ "$status" -eq 1 ]
  [[ "$output" == *"hostdev 0000:00:02.0 is the boot VGA device (on i915): pgs never hands it over"* ]]
  [ "$(drv 0000:00:02.0)" = i915 ]
  pcixml vm $UUID1 "<pgs:handover/>" no 02 00 0 > "$BATS_TEST_TMPDIR/x"
  run hookp vm prepare begin < "$BATS_TEST_TMPDIR/x"
  [ "$status" -eq 1 ]
  [[ "$output" == *"hostdev 0000:02:00.0 is class 0x010802 on nvme, not display, audio, USB or serial bus: pgs hands it over only when <pgs:handover allow='0000:02:00.0@144d:a808'/> names it"* ]]
  [ "$(drv 0000:02:00.0)" = nvme ]
  [ "$(state)" = "$before" ]
  # the wrong id in the allowance is no allowance
  pcixml vm $UUID1 "<pgs:handover allow='0000:02:00.0@144d:a809'/>" no 02 00 0 > "$BATS_TEST_TMPDIR/x"
  run hookp vm prepare begin < "$BATS_TEST_TMPDIR/x"
  [ "$status" -eq 1 ]
  pcixml vm $UUID1 "<pgs:handover allow='0000:02:00.0@144d:a808'/>" no 02 00 0 > "$BATS_TEST_TMPDIR/x"
  run hookp vm prepare begin < "$BATS_TEST_TMPDIR/x"
  [ "$status" -eq 0 ]
  [ "$(drv 0000:02:00.0)" = vfio-pci ]
  hookp vm release end < "$BATS_TEST_TMPDIR/x"
  [ "$(drv 0000:02:00.0)" = nvme ]
}

@test "an unbind that hangs: the hook returns at its deadline with its output closed and the lock free; the GPU ends on its driver" {
  gpu_host
  u=$R/sys/bus/pci/drivers/bochs-drm/unbind
  rm -f "$u"; mkfifo "$u"       # opening it blocks, as a hung NVIDIA unbind does
  pcixml vm $UUID1 "<pgs:handover/>" no 01 00 0 > "$BATS_TEST_TMPDIR/x"
  t0=$(date +%s%N)
  # libvirt reads the hook's output to EOF: so does this pipe
  run bash -c "PGS_TEST_UNBIND_MS=1500 PATH='$BATS_TEST_TMPDIR/bin':\$PATH PGS_SYSROOT='$R' PGS_HOOK_WORKER='$TOP/build/pgs-qemu-hook-xml' LD_PRELOAD='$TB/libfakesys.so' '$TOP/build/pgs-qemu-hook' vm prepare begin - < '$BATS_TEST_TMPDIR/x' 2>&1 | cat"
  dt=$(( ($(date +%s%N) - t0) / 1000000 ))
  [ "$dt" -lt 6000 ]
  [[ "$output" == *"unbinding it from bochs-drm did not finish in 1 s; when the kernel finishes it, pgs puts it back on bochs-drm"* ]]
  # the lock is free: another domain's prepare does not wait for the unbind
  domxml other $UUID2 64 4,5 "<pgs:governor/>" > "$BATS_TEST_TMPDIR/y"
  t0=$(date +%s%N)
  run hookp other prepare begin < "$BATS_TEST_TMPDIR/y"
  [ "$status" -eq 0 ]
  [ $(( ($(date +%s%N) - t0) / 1000000 )) -lt 5000 ]
  hookp other release end < "$BATS_TEST_TMPDIR/y"
  # libvirt calls release after a failed start
  hookp vm release end < "$BATS_TEST_TMPDIR/x"
  # the kernel finishes the unbind now: the child puts the GPU back
  cat "$u" > /dev/null
  for i in $(seq 100); do [ "$(drv 0000:01:00.0)" = bochs-drm ] && break; sleep 0.1; done
  [ "$(drv 0000:01:00.0)" = bochs-drm ]
  [ "$(cat "$R/sys/bus/pci/devices/0000:01:00.0/driver_override")" = "(null)" ]
}

@test "GPU handover is refused, naming them, while processes hold the GPU's DRM node" {
  gpu_host
  mkdir -p "$R/proc/1234/fd" "$R/proc/99/fd"
  echo Xorg > "$R/proc/1234/comm"; ln -s /dev/dri/card1 "$R/proc/1234/fd/12"
  echo firefox > "$R/proc/99/comm"; ln -s /dev/dri/renderD129 "$R/proc/99/fd/40"
  for m in yes no; do
    pcixml vm $UUID1 "<pgs:handover/>" $m 01 00 0 > "$BATS_TEST_TMPDIR/x"
    before=$(state)
    run hookp vm prepare begin < "$BATS_TEST_TMPDIR/x"
    [ "$status" -eq 1 ]
    [[ "$output" == *"hostdev 0000:01:00.0 is on bochs-drm and held open by 99 (firefox), 1234 (Xorg): close them (or stop the display manager) first"* ]]
    [ "$(drv 0000:01:00.0)" = bochs-drm ]
    [ "$(state)" = "$before" ]
  done
}

@test "managed='yes' is left to libvirt; managed='no' without <pgs:handover/> says what to do" {
  gpu_host
  pcixml vm $UUID1 "<pgs:governor/>" yes 01 00 0 > "$BATS_TEST_TMPDIR/x"
  run hookp vm prepare begin < "$BATS_TEST_TMPDIR/x"
  [ "$status" -eq 0 ]
  [ "$(drv 0000:01:00.0)" = bochs-drm ]
  hookp vm release end < "$BATS_TEST_TMPDIR/x"
  pcixml vm $UUID1 "<pgs:governor/>" no 01 00 0 > "$BATS_TEST_TMPDIR/x"
  before=$(state)
  run hookp vm prepare begin < "$BATS_TEST_TMPDIR/x"
  [ "$status" -eq 1 ]
  [[ "$output" == *"has managed='no' but is on bochs-drm: libvirt will not move it; add <pgs:handover/> to pgs's metadata, or managed='yes'"* ]]
  [ "$(state)" = "$before" ]
}

@test "a handover whose bind fails puts the GPU back on its driver" {
  gpu_host
  pcixml vm $UUID1 "<pgs:handover/>" no 01 00 0 > "$BATS_TEST_TMPDIR/x"
  before=$(state)
  PGS_FAKE_FAIL='drivers_probe=EIO' run hookp vm prepare begin < "$BATS_TEST_TMPDIR/x"
  [ "$status" -eq 1 ]
  [[ "$output" == *"moving it to vfio-pci failed at drivers_probe"* ]]
  [ "$(drv 0000:01:00.0)" = bochs-drm ]
  [ "$(state | grep -v drivers/vfio-pci/)" = "$before" ] || { diff <(echo "$before") <(state); false; }
}

@test "release restores a custom IRQ mask and a non-default governor exactly" {
  fk isolation 8 2
  echo 4-5 > "$R/proc/irq/1/smp_affinity_list"
  fk cpufreq 8 2 ondemand acpi-cpufreq
  domxml vm $UUID1 64 2,3 "<pgs:isolate/><pgs:governor/>" > "$BATS_TEST_TMPDIR/x"
  before=$(state)
  hook vm prepare begin < "$BATS_TEST_TMPDIR/x"
  [ "$(irq 1)" = 4-5 ] && [ "$(irq 0)" = 0-1,4-7 ] && [ "$(gov 2)" = performance ]
  hook vm release end < "$BATS_TEST_TMPDIR/x"
  [ "$(irq 1)" = 4-5 ] && [ "$(gov 2)" = ondemand ]
  [ "$(state)" = "$before" ]
}

@test "NUMA: with <numatune> the pages come from those nodes' pools, spread evenly, and go back there" {
  fk numa 0 2048 0 100
  fk numa 1 2048 0 100
  domxml vm $UUID1 256 2,3 "<pgs:hugepages/>" | sed "s|<vcpu |<numatune><memory mode='strict' nodeset='0-1'/></numatune><vcpu |" > "$BATS_TEST_TMPDIR/x"
  before=$(state)
  run hook vm prepare begin < "$BATS_TEST_TMPDIR/x"
  [ "$status" -eq 0 ]
  [[ "$output" == *"64 × 2 MiB ready on NUMA node 0 (0 were free, 64 added)"* ]]
  [[ "$output" == *"64 × 2 MiB ready on NUMA node 1 (0 were free, 64 added)"* ]]
  [ "$(cat "$R/sys/devices/system/node/node1/hugepages/hugepages-2048kB/nr_hugepages")" = 64 ]
  [ "$(pool nr_hugepages)" = 16 ]
  hook vm release end < "$BATS_TEST_TMPDIR/x"
  [ "$(state)" = "$before" ]
  fk numa 1 2048 0 10
  before=$(state)
  run hook vm prepare begin < "$BATS_TEST_TMPDIR/x"
  [ "$status" -eq 1 ]
  [[ "$output" == *"needs 64 × 2 MiB on NUMA node 1 (128 MiB); 0 were free and only 10 more could be allocated (54 short)"* ]]
  [ "$(state)" = "$before" ]
}

@test "isolate under systemd: AllowedCPUs through systemctl set-property --runtime, the old value back on release" {
  fk isolation 8 1
  mkdir -p "$R/run/systemd/system" "$R/usr/bin" "$R/.fake/systemd"
  # systemctl changes the machine itself: it is not run for real here. The
  # strict stand-in (only the argv the real one takes) keeps unit properties in files
  standin_action systemctl <<'EOS'
d=$PGS_SYSROOT/.fake/systemd
case $1 in
  show) cat "$d/$5.$3" 2>/dev/null || echo ;;
  set-property) echo "${4#*=}" > "$d/$3.${4%%=*}"; echo "set-property $3 $4" >> "$d/calls" ;;
esac
EOS
  echo 0-5 > "$R/.fake/systemd/user.slice.AllowedCPUs"
  domxml vm $UUID1 64 2,3 "<pgs:isolate/>" > "$BATS_TEST_TMPDIR/x"
  run hook vm prepare begin < "$BATS_TEST_TMPDIR/x"
  [ "$status" -eq 0 ]
  [ "$(cat "$R/.fake/systemd/system.slice.AllowedCPUs")" = 0-1,4-7 ]
  [ "$(cat "$R/.fake/systemd/user.slice.AllowedCPUs")" = 0-1,4-5 ]
  [ "$(cat "$R/.fake/systemd/init.scope.AllowedCPUs")" = 0-1,4-7 ]
  [ "$(cg system.slice)" = "" ]     # the cgroup files are systemd's: not written directly
  hook vm release end < "$BATS_TEST_TMPDIR/x"
  [ "$(cat "$R/.fake/systemd/system.slice.AllowedCPUs")" = "" ]
  [ "$(cat "$R/.fake/systemd/user.slice.AllowedCPUs")" = 0-5 ]
  grep -qx 'set-property system.slice AllowedCPUs=' "$R/.fake/systemd/calls"
  ! grep -q REJECTED "$R/calls.log"
  grep -qx 'systemctl show -p AllowedCPUs --value system.slice' "$R/calls.log"
  grep -qx 'systemctl set-property --runtime system.slice AllowedCPUs=0-1,4-7' "$R/calls.log"
}

@test "the hook loads vfio-pci through libkmod for the running kernel, with no modprobe anywhere" {
  gpu_host
  rm -f "$BATS_TEST_TMPDIR/bin/modprobe"
  [ ! -e "$R/sys/bus/pci/drivers/vfio-pci" ]
  pcixml vm $UUID1 "<pgs:handover/>" no 01 00 0 > "$BATS_TEST_TMPDIR/x"
  run hookp vm prepare begin < "$BATS_TEST_TMPDIR/x"
  [ "$status" -eq 0 ]
  [ -d "$R/sys/bus/pci/drivers/vfio-pci" ]
  [ "$(drv 0000:01:00.0)" = vfio-pci ]
  run hookp vm release end < "$BATS_TEST_TMPDIR/x"
  [ "$(drv 0000:01:00.0)" = bochs-drm ]
}

@test "vfio-pci that cannot be loaded: libkmod's reason (install line, signature, no module), nothing changed" {
  gpu_host
  pcixml vm $UUID1 "<pgs:handover/>" no 01 00 0 > "$BATS_TEST_TMPDIR/x"
  before=$(state)
  mkdir -p "$R/etc/modprobe.d"
  printf 'blacklist vfio-pci\ninstall\tvfio-pci /bin/false\n' > "$R/etc/modprobe.d/no-vfio.conf"
  run hookp vm prepare begin < "$BATS_TEST_TMPDIR/x"
  [ "$status" -eq 1 ]
  [[ "$output" == *"hostdev 0000:01:00.0: vfio-pci cannot be loaded: modprobe.d says 'install vfio-pci /bin/false'"* ]]
  [ "$(drv 0000:01:00.0)" = bochs-drm ]
  [ "$(state)" = "$before" ]
  rm "$R/etc/modprobe.d/no-vfio.conf"
  echo 129 > "$R/.fake/modules/vfio-pci.refuse"
  run hookp vm prepare begin < "$BATS_TEST_TMPDIR/x"
  [ "$status" -eq 1 ]
  [[ "$output" == *"the kernel refused vfio-pci: its signature is missing or not trusted"* ]]
  [ "$(state)" = "$before" ]
  rm "$R/.fake/modules/vfio-pci.refuse"
  echo 6.9.9-other > "$R/proc/sys/kernel/osrelease"
  run hookp vm prepare begin < "$BATS_TEST_TMPDIR/x"
  [ "$status" -eq 1 ]
  [[ "$output" == *"kernel 6.9.9-other has no vfio-pci module"* ]]
  [ "$(drv 0000:01:00.0)" = bochs-drm ]
}

@test "a blacklist line does not stop loading vfio-pci by name (modprobe's rule)" {
  gpu_host
  mkdir -p "$R/usr/lib/modprobe.d"
  printf 'blacklist vfio-pci\nblacklist vfio_pci\n' > "$R/usr/lib/modprobe.d/bl.conf"
  pcixml vm $UUID1 "<pgs:handover/>" no 01 00 0 > "$BATS_TEST_TMPDIR/x"
  run hookp vm prepare begin < "$BATS_TEST_TMPDIR/x"
  [ "$status" -eq 0 ]
  [ "$(drv 0000:01:00.0)" = vfio-pci ]
}

@test "pgs status shows what the hook holds for each VM (hugepages, CPUs kept, governors), from the real hook's journals" {
  fk isolation 8 2
  domxml vm1 $UUID1 64 2,3 "<pgs:hugepages/><pgs:governor/><pgs:isolate/>" > "$BATS_TEST_TMPDIR/a"
  run "$TOP/build/pgs" status --json --sysroot "$R"
  [ "$(jq -r .vms <<< "$output")" = null ]
  hook vm1 prepare begin < "$BATS_TEST_TMPDIR/a"
  run "$TOP/build/pgs" status --json --sysroot "$R"
  [ "$status" -eq 0 ]
  [ "$(jq -r '.vms | length' <<< "$output")" = 1 ]
  [ "$(jq -r '.vms[0] | .uuid, .name, .isolated_cpus, .governors, .mdevs, .handed_over' <<< "$output" | tr '\n' ' ')" = "$UUID1 vm1 2-3 1 null null " ]
  [ "$(jq -r '.vms[0].hugepages[0] | "\(.size_kib) \(.pages)"' <<< "$output")" = "2048 16" ]
  run "$TOP/build/pgs" status --sysroot "$R"
  [[ "$output" == *"vm1 ($UUID1)"*"hugepages      16 × 2048 KiB"*"CPUs kept      2-3"* ]]
  hook vm1 release end < "$BATS_TEST_TMPDIR/a"
  run "$TOP/build/pgs" status --json --sysroot "$R"
  [ "$(jq -r .vms <<< "$output")" = null ]
}

@test "a non-root pgs status says what it cannot read: the hook's journals are root's" {
  domxml vm1 $UUID1 64 2,3 > "$BATS_TEST_TMPDIR/a"
  hook vm1 prepare begin < "$BATS_TEST_TMPDIR/a"
  chmod -R a+rX "$BATS_RUN_TMPDIR"
  chmod 0600 "$R/run/pgs/$UUID1"
  run setpriv --reuid=65534 --regid=65534 --clear-groups "$TOP/build/pgs" status --sysroot "$R"
  [[ "$output" == *"the hook's journals are root's (mode 0600); run pgs status as root"* ]]
  hook vm1 release end < "$BATS_TEST_TMPDIR/a"
}
