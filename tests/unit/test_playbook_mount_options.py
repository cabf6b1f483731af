"""The backup drive's mount options suit every filesystem the guide allows (FAT32 and exFAT as sold).

With fstype `auto` the kernel driver that recognises the drive parses the options, and both refuse a
drive whose options include one they do not know: the mount fails and no copy is made. The accepted
names are the drivers' parameter tables (fs/fat/inode.c `vfat_param_spec`, fs/exfat/super.c
`exfat_parameters`, Linux 6.1 as in Debian 12).
"""

from __future__ import annotations

from pathlib import Path

import yaml

DEFAULTS = Path(__file__).resolve().parents[2] / "deploy/ansible/roles/backup/defaults/main.yml"
VFAT = {"uid", "gid", "umask", "dmask", "fmask", "allow_utime", "codepage", "iocharset", "utf8", "shortname",
        "flush", "usefree", "showexec", "quiet", "errors", "discard", "nfs", "time_offset", "tz", "dos1xfloppy",
        "sys_immutable", "rodir", "debug", "check", "nocase", "uni_xlate", "posix", "nonumtail"}
EXFAT = {"uid", "gid", "umask", "dmask", "fmask", "allow_utime", "iocharset", "errors", "discard", "keep_last_dots",
         "sys_tz", "time_offset", "zero_size_dir"}
# Options the mount command itself takes, whatever the filesystem.
GENERIC = {"nofail", "noatime", "defaults", "rw", "ro", "nosuid", "nodev", "noexec"}


def test_the_drive_options_are_ones_both_fat_drivers_accept():
    defaults = yaml.safe_load(DEFAULTS.read_text(encoding="utf-8"))
    assert defaults["backup_usb_fstype"] == "auto"
    names = {option.split("=", 1)[0] for option in defaults["backup_usb_options"].split(",")}
    foreign = names - GENERIC
    assert foreign <= VFAT, f"vfat would refuse the drive: {sorted(foreign - VFAT)}"
    assert foreign <= EXFAT, f"exfat would refuse the drive: {sorted(foreign - EXFAT)}"
    assert {"uid", "gid", "umask"} <= names, "FAT has no owners: the portal's user must get the files"
