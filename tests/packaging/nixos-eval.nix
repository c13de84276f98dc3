# SPDX-License-Identifier: GPL-2.0-or-later
# tests/packaging/nixos-eval.nix — pgs's NixOS module evaluated without
# nixpkgs (none is reachable here): a stub `lib` with the functions the module
# calls, the module applied to a config, and every option path it sets checked
# against the NixOS options it means to set (a typo there fails the test).
# nix-instantiate --eval --strict --json tests/packaging/nixos-eval.nix --arg systemdInitrd BOOL
{ systemdInitrd ? false, mode ? "sriov", module ? ../../installers/packaging/nixos/module.nix }:
let
  lib = rec {
    mkOption = o: o // { _option = true; };
    mkEnableOption = d: { type = "bool"; default = false; description = d; _option = true; };
    mkIf = cond: v: { _if = cond; _then = v; };
    optional = c: v: if c then [ v ] else [ ];
    optionals = c: v: if c then v else [ ];
    optionalString = c: s: if c then s else "";
    concatStringsSep = builtins.concatStringsSep;
    mapAttrsToList = f: a: map (n: f n a.${n}) (builtins.attrNames a);
    attrValues = builtins.attrValues;
    foldl' = builtins.foldl';
    splitString = sep: s: builtins.filter builtins.isString (builtins.split sep s);
    types = {
      package = "package"; str = "str"; bool = "bool";
      enum = l: { enum = l; }; listOf = t: { listOf = t; }; attrsOf = t: { attrsOf = t; };
      nullOr = t: { nullOr = t; }; strMatching = r: { match = r; };
      ints = { unsigned = "unsigned"; };
    };
  };
  pkgs = { pgs = "/nix/store/00000000000000000000000000000000-pgs-0.1.0"; writeText = n: t: "/nix/store/text-${n}"; };
  cfgIn = {
    enable = true; package = pkgs.pgs; inherit mode; bind = [ "auto" "0000:01:00.0" ];
    sriov = { "0000:00:02.0" = 2; }; hugepages = "1G:8";
  };
  config = { services.pgs = cfgIn; boot.initrd.systemd.enable = systemdInitrd; };
  m = import module { inherit config lib pkgs; };
  # mkIf, resolved as the module system would
  resolve = v: if builtins.isAttrs v && v ? _if then (if v._if then resolve v._then else null)
               else if builtins.isAttrs v && !(v ? _option) then builtins.mapAttrs (_: resolve) v else v;
  cfg = resolve m.config;
  # the option paths it sets, to the depth NixOS declares them
  known = [
    "assertions" "environment.systemPackages" "environment.etc.pgs.conf"
    "boot.kernelParams" "boot.kernelModules" "boot.initrd.kernelModules"
    "boot.initrd.extraUtilsCommands" "boot.initrd.preDeviceCommands" "boot.initrd.extraFiles"
    "boot.initrd.systemd.storePaths" "boot.initrd.systemd.contents" "boot.initrd.systemd.services"
    "services.udev.packages" "virtualisation.libvirtd.hooks.qemu"
  ];
  # every path it sets to something (a mkIf that is off sets nothing)
  paths = prefix: v:
    if v == null then [ ]
    else if builtins.elem prefix known then [ prefix ]
    else if builtins.isAttrs v then builtins.concatLists (map (n: paths (if prefix == "" then n else "${prefix}.${n}") v.${n}) (builtins.attrNames v))
    else [ prefix ];
  set = paths "" cfg;
  unknown = builtins.filter (p: !builtins.elem p known) set;
in
  if unknown != [ ] then throw "pgs's NixOS module sets options NixOS does not have: ${toString unknown}"
  else {
    options = builtins.attrNames m.options.services.pgs;
    setPaths = set;
    kernelParams = cfg.boot.kernelParams;
    pgsConf = cfg.environment.etc."pgs.conf".text;
    scripted = cfg.boot.initrd.preDeviceCommands;
    unit = if cfg.boot.initrd.systemd.services == null then null else cfg.boot.initrd.systemd.services.pgs-early;
    hook = cfg.virtualisation.libvirtd.hooks.qemu.pgs;
  }
