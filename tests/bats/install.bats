#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# pgs vm install --print-answer: the answer file Windows Setup reads, for a
# domain pgs vm create --print-xml wrote (--domain-xml), with the host's
# locale, keyboard and zone from a fake tree and the language from an ISO's
# volume id (ISOs made by xorriso). Checked with XPath, never by text. The
# whole install against libvirt, with a signed stand-in medium under TCG:
# tests/vmtest/vm.

bats_require_minimum_version 1.5.0
load helper

setup() {
  R=$BATS_TEST_TMPDIR/root
  "$TOP/tests/fake/machine" laptop-9750h "$R" >/dev/null
  mkdir -p "$R/etc/default" "$BATS_TEST_TMPDIR/cd"
  echo 'XKBLAYOUT="de,us"' > "$R/etc/default/keyboard"
  echo 'Europe/Berlin' > "$R/etc/timezone"
  : > "$BATS_TEST_TMPDIR/cd/setup.exe"
  ISO=$BATS_TEST_TMPDIR/win.iso
  mkiso CPBA_X64FRE_DE-DE_DV5 "$ISO"
  printf 'pa"ss<&>word\n' > "$BATS_TEST_TMPDIR/pw"
}
mkiso() { xorriso -as mkisofs -quiet -V "$1" -o "$2" "$BATS_TEST_TMPDIR/cd" 2>/dev/null; }
pgs() { "$TOP/build/pgs" "$@"; }
# a domain as create writes it: $1 = domcaps fixture, then create options
dom() {
  local caps=$1; shift
  pgs vm create w11-Gaming_PC.1 --print-xml --sysroot "$R" --domcaps "$TOP/tests/fixtures/vm/$caps" --image /x.img "$@" > "$BATS_TEST_TMPDIR/d.xml" 2>/dev/null
}
answer() {
  run --separate-stderr env LANG=fr_FR.UTF-8 "$TOP/build/pgs" vm install w11-Gaming_PC.1 --iso "$ISO" --print-answer \
    --domain-xml "$BATS_TEST_TMPDIR/d.xml" --sysroot "$R" "$@"
  [ "$status" -eq 0 ] || { echo "$stderr"; return 1; }
  printf '%s\n' "$output" > "$BATS_TEST_TMPDIR/a.xml"
  xmllint --noout "$BATS_TEST_TMPDIR/a.xml"
}
# XPath in the unattend namespace: u:settings[@pass='oobeSystem']/…
x() { xmllint --xpath "$1" - 2>/dev/null <<<"$(sed 's/xmlns="urn:schemas-microsoft-com:unattend"//' "$BATS_TEST_TMPDIR/a.xml")"; }
comp() { echo "//settings[@pass='$1']/component[@name='$2']"; }

@test "the answer file: well formed, every component with its five attributes" {
  dom domcaps-debian12-kvm.xml --mode passthrough
  answer --password-file "$BATS_TEST_TMPDIR/pw"
  n=$(x 'count(//component)')
  [ "$n" -ge 6 ]
  [ "$(x 'count(//component[@name and @processorArchitecture="amd64" and @publicKeyToken="31bf3856ad364e35" and @language="neutral" and @versionScope="nonSxS"])')" = "$n" ]
  [ "$(x 'count(//settings)')" = 3 ]
}

@test "language from the ISO's volume id, locale from LANG, keyboard from XKBLAYOUT, zone by ICU's Windows mapping" {
  dom domcaps-debian12-kvm.xml --mode passthrough
  answer --password-file "$BATS_TEST_TMPDIR/pw"
  [ "$(x "string($(comp windowsPE Microsoft-Windows-International-Core-WinPE)/SetupUILanguage/UILanguage)")" = de-DE ]
  [ "$(x "string($(comp oobeSystem Microsoft-Windows-International-Core)/UserLocale)")" = fr-FR ]
  [ "$(x "string($(comp oobeSystem Microsoft-Windows-International-Core)/SystemLocale)")" = fr-FR ]
  [ "$(x "string($(comp oobeSystem Microsoft-Windows-International-Core)/InputLocale)")" = de-DE ]
  [ "$(x "string($(comp specialize Microsoft-Windows-Shell-Setup)/TimeZone)")" = "W. Europe Standard Time" ]
}

@test "GPT: ESP, MSR, Windows; installed to partition 3; the edition's generic key" {
  dom domcaps-debian12-kvm.xml --mode passthrough
  answer --password-file "$BATS_TEST_TMPDIR/pw" --edition home
  c=$(comp windowsPE Microsoft-Windows-Setup)
  [ "$(x "string($c/DiskConfiguration/Disk/CreatePartitions/CreatePartition[Order=1]/Type)")" = EFI ]
  [ "$(x "string($c/DiskConfiguration/Disk/CreatePartitions/CreatePartition[Order=2]/Type)")" = MSR ]
  [ "$(x "string($c/DiskConfiguration/Disk/CreatePartitions/CreatePartition[Order=3]/Extend)")" = true ]
  [ "$(x "string($c/DiskConfiguration/Disk/ModifyPartitions/ModifyPartition[PartitionID=1]/Format)")" = FAT32 ]
  [ "$(x "string($c/ImageInstall/OSImage/InstallTo/PartitionID)")" = 3 ]
  [ "$(x "string($c/UserData/ProductKey/Key)")" = YTMG3-N6DKC-DKB77-7M9GH-8HVX7 ]
}

@test "ComputerName NetBIOS-safe from NAME; one administrator with AutoLogon once; the password escaped, as written" {
  dom domcaps-debian12-kvm.xml --mode passthrough
  SUDO_USER=alice answer --password-file "$BATS_TEST_TMPDIR/pw"
  [ "$(x "string($(comp specialize Microsoft-Windows-Shell-Setup)/ComputerName)")" = W11-GAMING-PC-1 ]
  s=$(comp oobeSystem Microsoft-Windows-Shell-Setup)
  [ "$(x "count($s/UserAccounts/LocalAccounts/LocalAccount)")" = 1 ]
  [ "$(x "string($s/UserAccounts/LocalAccounts/LocalAccount/Name)")" = alice ]
  [ "$(x "string($s/UserAccounts/LocalAccounts/LocalAccount/Group)")" = Administrators ]
  [ "$(x "string($s/AutoLogon/LogonCount)")" = 1 ]
  [ "$(x "string($s/AutoLogon/Password/Value)")" = 'pa"ss<&>word' ]
  [ "$(x "string($s/FirstLogonCommands/SynchronousCommand/Order)")" = 1 ]
}

@test "DriverPaths for virtio-win's storage driver at D: to H:, for the domain's Windows" {
  dom domcaps-debian12-kvm.xml --mode passthrough --windows 10
  answer --password-file "$BATS_TEST_TMPDIR/pw"
  p=$(comp windowsPE Microsoft-Windows-PnpCustomizationsWinPE)/DriverPaths/PathAndCredentials
  [ "$(x "count($p)")" = 5 ]
  [ "$(x "string($p[1]/Path)")" = 'D:\vioscsi\w10\amd64' ]
  [ "$(x "string($p[5]/Path)")" = 'H:\vioscsi\w10\amd64' ]
}

@test "bypass keys only for what the domain lacks: none with TPM and secure boot, BypassTPMCheck without a TPM, both with --secure-boot off too; none for Windows 10" {
  dom domcaps-hyperv.xml --mode passthrough
  answer --password-file "$BATS_TEST_TMPDIR/pw"
  [ "$(x 'count(//RunSynchronous)')" = 0 ]
  ! grep -q Bypass "$BATS_TEST_TMPDIR/a.xml"
  dom domcaps-hyperv-notpm.xml --mode passthrough
  answer --password-file "$BATS_TEST_TMPDIR/pw"
  [ "$(x 'count(//RunSynchronousCommand)')" = 1 ]
  x 'string(//RunSynchronousCommand/Path)' | grep -q 'LabConfig /v BypassTPMCheck'
  dom domcaps-hyperv-notpm.xml --mode passthrough --secure-boot off
  answer --password-file "$BATS_TEST_TMPDIR/pw"
  [ "$(x 'count(//RunSynchronousCommand)')" = 2 ]
  x 'string(//RunSynchronousCommand[Order=2]/Path)' | grep -q 'BypassSecureBootCheck'
  dom domcaps-hyperv-notpm.xml --mode passthrough --secure-boot off --windows 10
  answer --password-file "$BATS_TEST_TMPDIR/pw"
  [ "$(x 'count(//RunSynchronous)')" = 0 ]
}

@test "nothing that weakens Windows: no LabConfig beyond the bypasses, no Defender, UAC or firewall switches" {
  dom domcaps-hyperv-notpm.xml --mode passthrough
  answer --password-file "$BATS_TEST_TMPDIR/pw"
  ! grep -qiE 'EnableLUA|Defender|DisableAntiSpyware|firewall|SkipMachineOOBE|BypassRAMCheck' "$BATS_TEST_TMPDIR/a.xml"
  [ "$(x "string($(comp oobeSystem Microsoft-Windows-Shell-Setup)/OOBE/ProtectYourPC)")" = 1 ]
}

@test "the ISO's language: en-GB, sr-Latn-RS; a volume id without one, or not an ISO, is refused with the reason; --language overrides" {
  dom domcaps-debian12-kvm.xml --mode passthrough
  mkiso CCCOMA_X64FRE_EN-GB_DV9 "$ISO"
  answer
  [ "$(x "string($(comp oobeSystem Microsoft-Windows-International-Core)/UILanguage)")" = en-GB ]
  mkiso CCCOMA_X64FRE_SR-LATN-RS_DV9 "$ISO"
  answer
  [ "$(x "string($(comp oobeSystem Microsoft-Windows-International-Core)/UILanguage)")" = sr-Latn-RS ]
  mkiso WIN_DATA "$ISO"
  run --separate-stderr pgs vm install w11-Gaming_PC.1 --iso "$ISO" --print-answer --domain-xml "$BATS_TEST_TMPDIR/d.xml" --sysroot "$R"
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"its volume id 'WIN_DATA' names no language"*"--language"* ]]
  answer --language it_IT
  [ "$(x "string($(comp oobeSystem Microsoft-Windows-International-Core)/UILanguage)")" = it-IT ]
  run --separate-stderr pgs vm install w11-Gaming_PC.1 --iso "$BATS_TEST_TMPDIR/pw" --print-answer --domain-xml "$BATS_TEST_TMPDIR/d.xml" --sysroot "$R"
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"not an ISO 9660 image"* ]]
}

@test "a host without LANG, keyboard or zone: the ISO's language and UTC" {
  dom domcaps-debian12-kvm.xml --mode passthrough
  rm "$R/etc/default/keyboard" "$R/etc/timezone"
  run --separate-stderr env -u LANG -u LC_ALL "$TOP/build/pgs" vm install w11-Gaming_PC.1 --iso "$ISO" --print-answer --domain-xml "$BATS_TEST_TMPDIR/d.xml" --sysroot "$R"
  [ "$status" -eq 0 ]
  printf '%s\n' "$output" > "$BATS_TEST_TMPDIR/a.xml"
  [ "$(x "string($(comp oobeSystem Microsoft-Windows-International-Core)/UserLocale)")" = de-DE ]
  [ "$(x "string($(comp oobeSystem Microsoft-Windows-International-Core)/InputLocale)")" = de-DE ]
  [ "$(x "string($(comp specialize Microsoft-Windows-Shell-Setup)/TimeZone)")" = UTC ]
}

@test "bad input is refused with the reason (usage errors, 64): edition, user, relative ISO, unknown driver, odd name" {
  dom domcaps-debian12-kvm.xml --mode passthrough
  i() { run --separate-stderr pgs vm install "$@"; }
  i w11 --iso "$ISO" --edition ultimate --print-answer
  [ "$status" -eq 64 ] && [[ "$stderr" == *"--edition ultimate: one of home"* ]]
  i w11 --iso "$ISO" --user 'a/b' --print-answer
  [ "$status" -eq 64 ] && [[ "$stderr" == *"--user"* ]]
  i w11 --iso win.iso --print-answer
  [ "$status" -eq 64 ] && [[ "$stderr" == *"--iso: an absolute path"* ]]
  : > "$BATS_TEST_TMPDIR/setup.exe"
  i w11 --iso "$ISO" --driver "$BATS_TEST_TMPDIR/setup.exe" --print-answer
  [ "$status" -eq 64 ] && [[ "$stderr" == *"knows no unattended install"* ]]
  i '../w' --iso "$ISO" --print-answer
  [ "$status" -eq 64 ] && [[ "$stderr" == *"not a name pgs gives"* ]]
  i w11 --print-answer
  [ "$status" -eq 64 ] && [[ "$stderr" == *"--iso WIN.iso is needed"* ]]
}

@test "--driver files of each kind pgs knows are taken (their flags: tests/vmtest/vm reads the script on the answer ISO)" {
  dom domcaps-debian12-kvm.xml --mode passthrough
  for f in 560.94-desktop-win10-win11-64bit-international-dch-whql.exe looking-glass-host-setup.exe amd-software-adrenalin-edition-24.1.1.exe gfx_win_101.5333.exe tools.msi; do : > "$BATS_TEST_TMPDIR/$f"; done
  answer --password-file "$BATS_TEST_TMPDIR/pw" --driver "$BATS_TEST_TMPDIR/560.94-desktop-win10-win11-64bit-international-dch-whql.exe" \
    --driver "$BATS_TEST_TMPDIR/looking-glass-host-setup.exe" --driver "$BATS_TEST_TMPDIR/amd-software-adrenalin-edition-24.1.1.exe" \
    --driver "$BATS_TEST_TMPDIR/gfx_win_101.5333.exe" --driver "$BATS_TEST_TMPDIR/tools.msi"
}

@test "pgs vm --help lists install and its options" {
  run pgs vm --help
  [ "$status" -eq 0 ]
  [[ "$output" == *"pgs vm install NAME --iso WIN.iso"* ]]
  [[ "$output" == *"--erase-disk"* ]]
  [[ "$output" == *"--password-file"* ]]
}
