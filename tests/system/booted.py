"""A Debian 12 system that really boots systemd: `systemd-nspawn --boot` on a debootstrap tree.

The machine has its own network namespace (`--private-network`: only its loopback and the
interfaces made inside it), so the portal's ports, dnsmasq and the segment's nftables table never
touch the host's network. Commands run in it with `nsenter` into the namespaces of its PID 1, and
Ansible reaches it the same way: the chroot connection with `nsenter` in place of `chroot`
(`ansible_chroot_exe`), so every module runs inside the booted system, talking to its systemd.

`--register=no --keep-unit`: the host here has no systemd-machined (it may itself be a container
whose PID 1 is not systemd); nspawn then needs neither. A reboot inside the machine ends nspawn with
exit status 133, and `reboot()` starts it again on the same tree, as a boot loader would.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def nspawn_available() -> str | None:
    """Why a booted machine cannot run here, or None when it can."""
    if os.geteuid() != 0:
        return "a booted machine needs root"
    for tool in ("systemd-nspawn", "nsenter", "debootstrap"):
        if not shutil.which(tool):
            return f"{tool} is not installed (Debian package systemd-container / util-linux / debootstrap)"
    return None


class Machine:
    """One booted Debian tree. `root` is its file system, kept between boots."""

    def __init__(self, root: Path, name: str, log_dir: Path, binds: list[tuple[Path, str]] | None = None):
        self.root = root
        self.name = name
        self.log_dir = log_dir
        self.binds = binds or []
        self.leader_file = log_dir / f"{name}.leader"
        self.process: subprocess.Popen | None = None
        self.boots = 0
        self.boot_seconds: list[float] = []

    # -- life cycle ----------------------------------------------------------------------------
    def boot(self, timeout: float = 120) -> None:
        assert self.process is None, "already running"
        self.boots += 1
        (self.root / "etc/hostname").write_text(f"{self.name}\n")
        command = ["systemd-nspawn", "--boot", "--quiet", "--directory", str(self.root), "--machine", self.name,
                   "--private-network", "--register=no", "--keep-unit", "--console=pipe",
                   "--resolv-conf=off", "--timezone=off", "--link-journal=no"]
        for source, inside in self.binds:
            command.append(f"--bind={source}:{inside}")
        log = open(self.log_dir / f"{self.name}-boot{self.boots}.log", "w")
        started = time.monotonic()
        self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        log.close()
        leader = self._wait_for_leader(timeout)
        self.leader_file.write_text(f"{leader}\n")
        state = self.run("systemctl", "is-system-running", "--wait", check=False, timeout=timeout).stdout.strip()
        self.boot_seconds.append(time.monotonic() - started)
        assert state in ("running", "degraded"), f"boot ended in state {state!r}\n{self.journal(lines=80)}"

    def _wait_for_leader(self, timeout: float) -> int:
        deadline = time.monotonic() + timeout
        assert self.process is not None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"systemd-nspawn ended with {self.process.returncode}: {self.boot_log()}")
            for child in Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split():
                try:
                    comm = Path(f"/proc/{child}/comm").read_text().strip()
                    if comm == "systemd" and self._bus_ready(int(child)):
                        return int(child)
                except OSError:
                    continue
            time.sleep(0.2)
        raise AssertionError(f"the machine did not start within {timeout} s: {self.boot_log()}")

    def _bus_ready(self, pid: int) -> bool:
        return Path(f"/proc/{pid}/root/run/systemd/private").exists()

    def boot_log(self) -> str:
        return (self.log_dir / f"{self.name}-boot{self.boots}.log").read_text()[-3000:]

    def reboot(self, timeout: float = 120) -> None:
        """`systemctl reboot` inside; nspawn ends with 133; boot the same tree again."""
        assert self.process is not None
        self.run("systemctl", "reboot", check=False)
        code = self.process.wait(timeout=timeout)
        assert code == 133, f"nspawn ended with {code}, not the reboot status 133: {self.boot_log()}"
        self.process = None
        self.boot(timeout)

    def stop(self, timeout: float = 60) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.run("systemctl", "poweroff", check=False, timeout=30)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()  # our own nspawn, by its id; its namespace dies with it
                self.process.wait(timeout=30)
        self.process = None
        self.leader_file.unlink(missing_ok=True)

    # -- inside --------------------------------------------------------------------------------
    @property
    def leader(self) -> int:
        return int(self.leader_file.read_text())

    def enter_command(self) -> list[str]:
        return ["nsenter", "--target", str(self.leader), "--mount", "--uts", "--ipc", "--net", "--pid", "--cgroup",
                "--root", "--wd", "--", "env", "-i", f"PATH={PATH}", "HOME=/root", "LANG=C.UTF-8", "TERM=dumb"]

    def run(self, *argv: str, check: bool = True, timeout: float = 120, input: str | None = None,
            as_user: str | None = None) -> subprocess.CompletedProcess:
        if as_user:
            argv = ("runuser", "-u", as_user, "--", *argv)
        result = subprocess.run([*self.enter_command(), *argv], capture_output=True, text=True, timeout=timeout,
                                input=input)
        if check and result.returncode != 0:
            raise AssertionError(f"{' '.join(argv)} → {result.returncode}\n{result.stdout}\n{result.stderr}")
        return result

    def sh(self, script: str, **kwargs) -> subprocess.CompletedProcess:
        return self.run("sh", "-ec", script, **kwargs)

    def journal(self, *args: str, lines: int = 200) -> str:
        return self.run("journalctl", "--no-pager", "-n", str(lines), *args, check=False).stdout

    def unit_property(self, unit: str, name: str) -> str:
        return self.run("systemctl", "show", "-P", name, unit).stdout.strip()

    def ansible_enter_exe(self, folder: Path) -> Path:
        """A `chroot`-shaped program for Ansible's chroot connection: `exe ROOT sh -c CMD` runs
        CMD inside this machine (ROOT is ignored; the leader is read at each call, so it follows reboots)."""
        exe = folder / f"enter-{self.name}"
        exe.write_text("#!/bin/sh\n"
                       "# Called as: enter ROOT PROGRAM ARGS… (the chroot connection's shape)\n"
                       "shift\n"
                       f'exec nsenter --target "$(cat {self.leader_file})" --mount --uts --ipc --net --pid --cgroup'
                       f' --root --wd -- env -i PATH={PATH} HOME=/root LANG=C.UTF-8 "$@"\n')
        exe.chmod(0o755)
        return exe


class UsbDrive:
    """A USB drive for the machines: an image file on a loop device of the host, "plugged in" by
    making its device node and the udev link /dev/disk/by-label/LABEL inside a machine (there is no
    udev in a container). ext4: this kernel has no vfat (FAT32 as the guide's drives are sold)."""

    def __init__(self, image: Path, label: str, size_mb: int = 256, owner: str = "0:0"):
        self.image = image
        self.label = label
        subprocess.run(["truncate", "-s", f"{size_mb}M", str(image)], check=True)
        subprocess.run(["mkfs.ext4", "-q", "-F", "-L", label, "-E", f"root_owner={owner}", str(image)], check=True,
                       capture_output=True, timeout=120)
        self.loop = subprocess.run(["losetup", "--find", "--show", str(image)], check=True, capture_output=True,
                                   text=True).stdout.strip()

    def plug(self, machine: Machine, node: str = "sdb1") -> None:
        stat = os.stat(self.loop)
        machine.sh(f"mknod /dev/{node} b {os.major(stat.st_rdev)} {os.minor(stat.st_rdev)}; "
                   f"mkdir -p /dev/disk/by-label; ln -sf ../../{node} /dev/disk/by-label/{self.label}")

    def unplug(self, machine: Machine, node: str = "sdb1") -> None:
        machine.sh(f"umount /dev/{node} 2>/dev/null || true; rm -f /dev/disk/by-label/{self.label} /dev/{node}")

    def remove(self) -> None:
        subprocess.run(["losetup", "-d", self.loop], check=False)
        self.image.unlink(missing_ok=True)
