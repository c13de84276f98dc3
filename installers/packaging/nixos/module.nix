# SPDX-License-Identifier: GPL-2.0-or-later
# pgs's NixOS module. NixOS builds the initrd, the boot entries and /etc from
# configuration.nix, so `pgs setup` changes nothing there and prints the
# `services.pgs` this module takes:
#
#   services.pgs = { enable = true; mode = "passthrough"; bind = [ "auto" ];
#                    sriov = { "0000:00:02.0" = 2; }; hugepages = "1G:8"; };
#
# It puts pgs-early into both initrd flavours — the scripted one (in
# extraUtils, run from preDeviceCommands, before udev) and the systemd one (a
# unit ordered before systemd-udevd and systemd-modules-load) — with
# /etc/pgs.conf and pgs's modprobe.d (its `install vfio-pci` line) inside,
# the kernel parameters the mode needs, and the libvirt QEMU hook.
{ config, lib, pkgs, ... }:
let
  cfg = config.services.pgs;
  inherit (lib) mkOption mkEnableOption mkIf types concatStringsSep mapAttrsToList optional optionals;
  early = "${cfg.package}/lib/pgs/pgs-early";
  pgsConf = ''
    # /etc/pgs.conf, written by NixOS (services.pgs)
    ${lib.optionalString (cfg.mode == "passthrough") "[vfio]\nbind = ${concatStringsSep " " cfg.bind}"}
    ${lib.optionalString (cfg.sriov != { }) "[sriov]"}
    ${concatStringsSep "\n" (mapAttrsToList (addr: n: "${addr} = ${toString n}") cfg.sriov)}
  '';
  modprobeConf = "${cfg.package}/share/pgs/modprobe.conf";
  hp = lib.splitString ":" cfg.hugepages;
  vfs = lib.foldl' (a: b: if b > a then b else a) 0 (lib.attrValues cfg.sriov);
in
{
  options.services.pgs = {
    enable = mkEnableOption "pgs: the GPU on vfio-pci from the initrd, and the libvirt hook";
    package = mkOption {
      type = types.package;
      default = pkgs.pgs;
      description = "The pgs package.";
    };
    mode = mkOption {
      type = types.enum [ "passthrough" "gvtg" "sriov" ];
      default = "passthrough";
      description = "passthrough (a whole GPU), gvtg (an Intel GVT-g slice) or sriov (an Intel iGPU's virtual functions).";
    };
    bind = mkOption {
      type = types.listOf types.str;
      default = [ "auto" ];
      example = [ "0000:01:00.0" "10de:1b80" ];
      description = "What pgs-early gives to vfio-pci at boot ([vfio] bind in pgs.conf(5)).";
    };
    sriov = mkOption {
      type = types.attrsOf types.ints.unsigned;
      default = { };
      example = { "0000:00:02.0" = 2; };
      description = "Virtual functions to create per physical function ([sriov] in pgs.conf(5)).";
    };
    hugepages = mkOption {
      type = types.nullOr (types.strMatching "(1G|2M):[0-9]+");
      default = null;
      example = "1G:8";
      description = "Hugepages reserved at boot, SIZE:COUNT.";
    };
  };

  config = mkIf cfg.enable {
    assertions = [
      { assertion = cfg.mode != "sriov" || cfg.sriov != { };
        message = "services.pgs.mode = \"sriov\" needs services.pgs.sriov (like { \"0000:00:02.0\" = 2; })"; }
    ];
    environment.systemPackages = [ cfg.package ];
    environment.etc."pgs.conf".text = pgsConf;

    boot.kernelParams = [ "intel_iommu=on" "iommu=pt" ]
      ++ optional (cfg.mode == "gvtg") "i915.enable_gvt=1"
      ++ optionals (cfg.mode == "sriov") [ "i915.enable_guc=3" "i915.max_vfs=${toString vfs}" ]
      ++ optionals (cfg.hugepages != null) [
        "default_hugepagesz=${builtins.elemAt hp 0}" "hugepagesz=${builtins.elemAt hp 0}" "hugepages=${builtins.elemAt hp 1}" ];
    boot.kernelModules = optional (cfg.mode == "gvtg") "kvmgt";
    boot.initrd.kernelModules = [ "vfio" "vfio_iommu_type1" "vfio_pci" ];

    # the scripted initrd: pgs-early in extraUtils, run before udev starts
    boot.initrd.extraUtilsCommands = mkIf (!config.boot.initrd.systemd.enable) ''
      copy_bin_and_libs ${early}
    '';
    boot.initrd.preDeviceCommands = mkIf (!config.boot.initrd.systemd.enable) ''
      pgs-early || echo "pgs-early: exit status $? (the boot goes on)"
    '';
    boot.initrd.extraFiles = mkIf (!config.boot.initrd.systemd.enable) {
      "/etc/pgs.conf".source = pkgs.writeText "pgs.conf" pgsConf;
      "/etc/modprobe.d/pgs.conf".source = modprobeConf;
    };

    # the systemd initrd: a unit before udevd and modules-load
    boot.initrd.systemd.storePaths = mkIf config.boot.initrd.systemd.enable [ early ];
    boot.initrd.systemd.contents = mkIf config.boot.initrd.systemd.enable {
      "/etc/pgs.conf".text = pgsConf;
      "/etc/modprobe.d/pgs.conf".source = modprobeConf;
    };
    boot.initrd.systemd.services.pgs-early = mkIf config.boot.initrd.systemd.enable {
      description = "Bind the passed-through GPU to vfio-pci (pgs-early)";
      wantedBy = [ "sysinit.target" ];
      before = [ "systemd-udevd.service" "systemd-modules-load.service" "sysinit.target" ];
      unitConfig.DefaultDependencies = false;
      serviceConfig = { Type = "oneshot"; ExecStart = early; SuccessExitStatus = "2"; };
    };

    services.udev.packages = [ cfg.package ];
    virtualisation.libvirtd.hooks.qemu.pgs = "${cfg.package}/lib/pgs/pgs-qemu-hook";
  };
}
