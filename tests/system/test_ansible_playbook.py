"""The Ansible playbook in deploy/ansible: lint, syntax, bad variables, and a real converge.

The converge provisions a Debian 12 root made with debootstrap through the chroot connection,
checks what it installed and runs the playbook a second time expecting no change. The root is
cached as a tar outside the repository (OKEY_TEST_CACHE, default /var/cache/okey-test), together
with the downloaded .deb files and pip's cache, so later runs only unpack and converge.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from appliance import __version__
from appliance.config import load_settings

REPO = Path(__file__).resolve().parents[2]
ANSIBLE_DIR = REPO / "deploy" / "ansible"
BIN = Path(sys.executable).parent
CACHE = Path(os.environ.get("OKEY_TEST_CACHE", "/var/cache/okey-test"))
ROOT_TAR = CACHE / "bookworm-root.tar"
HOST_SOURCES = Path("/etc/apt/sources.list.d/debian.sources")
RECAP = re.compile(r"^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.M)


def ansible_env(tmp: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "ANSIBLE_CONFIG": str(ANSIBLE_DIR / "ansible.cfg"),
        "ANSIBLE_HOME": str(tmp / "ansible-home"),
        "ANSIBLE_LOCAL_TEMP": str(tmp / "ansible-tmp"),
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_FORCE_COLOR": "0",
        "PATH": f"{BIN}:{env.get('PATH', '/usr/bin:/bin')}",
    })
    return env


def run_playbook(tmp: Path, inventory: Path, *args: str, timeout: int = 900) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "ansible-playbook"), "-i", str(inventory), "site.yml", *args],
                          cwd=ANSIBLE_DIR, env=ansible_env(tmp), capture_output=True, text=True, timeout=timeout)


def recap(output: str) -> dict[str, int]:
    found = RECAP.findall(output)
    assert len(found) == 1, output[-3000:]
    _, ok, changed, unreachable, failed = found[0]
    return {"ok": int(ok), "changed": int(changed), "unreachable": int(unreachable), "failed": int(failed)}


# -- static checks ---------------------------------------------------------------------------------

def test_syntax_check(tmp_path: Path) -> None:
    result = subprocess.run([str(BIN / "ansible-playbook"), "--syntax-check", "-i", "inventory/example/hosts.yml", "site.yml"],
                            cwd=ANSIBLE_DIR, env=ansible_env(tmp_path), capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_ansible_lint_production_profile(tmp_path: Path) -> None:
    result = subprocess.run([str(BIN / "ansible-lint"), "--profile", "production", "--offline", "--nocolor"],
                            cwd=ANSIBLE_DIR, env=ansible_env(tmp_path), capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Passed" in result.stdout + result.stderr


def test_every_role_documents_its_variables() -> None:
    """Each variable a role's tasks, templates and handlers use is documented in its defaults."""
    for role in sorted((ANSIBLE_DIR / "roles").iterdir()):
        defaults = (role / "defaults" / "main.yml").read_text()
        own = set(re.findall(rf"^({role.name}_[a-z0-9_]+):", defaults, re.M))
        assert own, role.name
        registered = set()
        used = set()
        for path in role.rglob("*"):
            if path.is_file() and path.parent.name in ("tasks", "handlers", "templates", "vars"):
                text = path.read_text()
                registered |= set(re.findall(rf"(?:register|loop_var):\s*({role.name}_[a-z0-9_]+)", text))
                registered |= set(re.findall(rf"^({role.name}_[a-z0-9_]+):", text, re.M)) if path.parent.name == "vars" else set()
                used |= set(re.findall(rf"\b({role.name}_[a-z0-9_]+)\b", text))
        undocumented = used - own - registered
        assert not undocumented, f"{role.name}: not in defaults/main.yml: {sorted(undocumented)}"
        # Every default sits in a paragraph that has a comment explaining it.
        for paragraph in defaults.split("\n\n"):
            lines = paragraph.strip().splitlines()
            if any(re.match(r"^[a-z_]+:", line) for line in lines):
                assert any(line.startswith("#") for line in lines), f"{role.name}: no comment for\n{paragraph}"


def test_guide_lists_every_school_variable() -> None:
    """The variables table of the guide covers every value the example inventory sets."""
    guide = (ANSIBLE_DIR / "README.md").read_text()
    example = (ANSIBLE_DIR / "inventory/example/group_vars/okey/main.yml").read_text()
    for name in re.findall(r"^([a-z_]+):", example, re.M):
        assert f"`{name}`" in guide, name


# -- bad variables: the first play stops before anything touches the server ------------------------

BAD_VARIABLES = [
    ({"segment_address": "10.77.0.1"}, "segment_address"),
    ({"segment_address": "10.77.300.1/22"}, "segment_address"),
    ({"segment_ssid": ""}, "segment_ssid"),
    ({"segment_ssid": "Очень длинное имя сети школы номер 17"}, "segment_ssid"),
    ({"segment_interface": ""}, "segment_interface"),
    ({"segment_interface": "eth 1"}, "segment_interface"),
    ({"okey_app_school_code": "Школа 17"}, "okey_app_school_code"),
    ({"base_timezone": "Moscow time"}, "base_timezone"),
    ({"vault_district_key": "okey-district-1:not-a-key"}, "district_key"),
    ({"backup_time": "2:30"}, "backup_time"),
    ({"okey_app_port": 80}, "segment_portal_port"),
]


@pytest.fixture
def unreachable_root(tmp_path: Path) -> Path:
    """A directory the chroot connection accepts but where nothing can run: any task that
    got past the checks would fail on it instead of changing a real machine."""
    root = tmp_path / "no-such-server"
    (root / "bin").mkdir(parents=True)
    # An executable file the connection accepts, yet no program: chroot cannot run it.
    (root / "bin" / "sh").write_bytes(b"")
    (root / "bin" / "sh").chmod(0o755)
    return root


def example_inventory(tmp: Path, host: Path) -> Path:
    """The example inventory (its group_vars with a school's values) aimed at a chroot."""
    inventory = tmp / "inventory"
    shutil.copytree(ANSIBLE_DIR / "inventory" / "example", inventory)
    (inventory / "hosts.yml").write_text(
        "okey:\n  hosts:\n    school-17:\n"
        f"      ansible_host: {host}\n      ansible_connection: community.general.chroot\n")
    return inventory


@pytest.mark.parametrize(("override", "variable"), BAD_VARIABLES,
                         ids=[f"{v}={next(iter(o.values()))!r}" for o, v in BAD_VARIABLES])
def test_bad_variable_stops_before_touching_the_server(tmp_path: Path, unreachable_root: Path,
                                                        override: dict, variable: str) -> None:
    inventory = example_inventory(tmp_path, unreachable_root)
    wheel = tmp_path / "okey_school-9.9.9-py3-none-any.whl"
    extra = {"okey_app_wheel": str(wheel), **override}
    result = run_playbook(tmp_path, inventory / "hosts.yml", "-e", json.dumps(extra), timeout=120)
    out = result.stdout + result.stderr
    assert result.returncode != 0, out
    assert variable in out, out
    assert "Check the variables before touching the server" in out
    # Nothing past the checks ran: no facts gathered, no task of the provisioning play.
    assert "Gathering Facts" not in out and "Provision the school appliance" not in out, out
    assert sorted(p.name for p in unreachable_root.iterdir()) == ["bin"]
    counts = recap(out)
    assert counts["failed"] == 1 and counts["changed"] == 0


def new_district_key() -> str:
    """A district key line as `okey hub district-key` prints it, from fresh hub keys."""
    from pyrage import x25519

    from sync.keys import DistrictKey, b64, new_signing_key, public_raw

    return DistrictKey(str(x25519.Identity.generate().to_public()), b64(public_raw(new_signing_key()))).text

# -- the real converge into a Debian 12 root --------------------------------------------------------

def debian_mirror() -> str:
    """The Debian mirror this machine uses (first URI of the stanza serving bookworm itself)."""
    for stanza in HOST_SOURCES.read_text().split("\n\n"):
        fields = dict(line.split(":", 1) for line in stanza.splitlines() if ":" in line and not line.startswith("#"))
        suites = fields.get("Suites", "").split()
        if "bookworm" in suites and fields.get("URIs"):
            return fields["URIs"].split()[0]
    raise AssertionError(f"no bookworm mirror in {HOST_SOURCES}")


def mounts_under(path: Path) -> list[str]:
    return [line.split()[4] for line in Path("/proc/self/mountinfo").read_text().splitlines()
            if line.split()[4].startswith(f"{path}/")]


def remove_root(path: Path) -> None:
    """Delete a root directory, never through a mount left in it (a bound /dev is the host's)."""
    for target in sorted(mounts_under(path), reverse=True):
        if subprocess.run(["umount", target]).returncode != 0:
            subprocess.run(["umount", "-l", target])
    assert not mounts_under(path), f"still mounted: {mounts_under(path)}"
    shutil.rmtree(path, ignore_errors=True)


def cached_root_tar() -> Path:
    """Make the debootstrap root once; later runs reuse the tar."""
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / "build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two test runs at once build it once
        if not ROOT_TAR.exists():
            build_root_tar()
    return ROOT_TAR


def build_root_tar() -> None:
    build = CACHE / "bookworm-root.build"
    remove_root(build)
    try:
        made = subprocess.run(["debootstrap", "--include=python3,python3-apt,ca-certificates", "bookworm", str(build),
                               debian_mirror()], capture_output=True, text=True, timeout=1800)
        assert made.returncode == 0, (made.stdout + made.stderr)[-3000:]
        partial = ROOT_TAR.with_suffix(".tar.partial")
        subprocess.run(["tar", "-C", str(build), "--numeric-owner", "-cf", str(partial), "."], check=True, timeout=600)
        partial.rename(ROOT_TAR)
    finally:
        remove_root(build)


def use_host_package_sources(root: Path) -> None:
    """The root fetches packages the way this machine does: its apt sources and settings,
    its extra CA certificates and pip settings (a proxy may sit between it and the registries)."""
    (root / "etc/apt/sources.list").unlink(missing_ok=True)
    shutil.copy(HOST_SOURCES, root / "etc/apt/sources.list.d/debian.sources")
    for conf in Path("/etc/apt/apt.conf.d").glob("99*"):
        shutil.copy(conf, root / "etc/apt/apt.conf.d" / conf.name)
    extra_ca = Path("/usr/local/share/ca-certificates")
    if extra_ca.is_dir():
        shutil.copytree(extra_ca, root / "usr/local/share/ca-certificates", dirs_exist_ok=True)
        subprocess.run(["chroot", str(root), "update-ca-certificates"], check=True, capture_output=True, timeout=120)
    (root / "etc/pip.conf").write_text("[global]\ncert = /etc/ssl/certs/ca-certificates.crt\n")
    shutil.copy("/etc/resolv.conf", root / "etc/resolv.conf")
    # The usual guard for chroots: package scripts must not start daemons here.
    policy = root / "usr/sbin/policy-rc.d"
    policy.write_text("#!/bin/sh\nexit 101\n")
    policy.chmod(0o755)


@contextlib.contextmanager
def playbook_mounts(root: Path) -> Iterator[Path]:
    """What the playbook needs mounted in a chroot (/proc, /dev, the package caches), all unmounted after."""
    mounts: list[Path] = []

    def mount(args: list[str], target: Path) -> None:
        target.mkdir(parents=True, exist_ok=True)
        subprocess.run(["mount", *args, str(target)], check=True)
        mounts.append(target)

    try:
        mount(["-t", "proc", "proc"], root / "proc")
        mount(["--bind", "/dev"], root / "dev")
        for cache, inside in (("apt-archives", "var/cache/apt/archives"), ("pip", "root/.cache/pip")):
            (CACHE / cache / "partial").mkdir(parents=True, exist_ok=True)
            mount(["--bind", str(CACHE / cache)], root / inside)
        yield root
    finally:
        for target in reversed(mounts):
            if subprocess.run(["umount", str(target)]).returncode != 0:
                subprocess.run(["umount", "-l", str(target)])
        assert not mounts_under(root), f"still mounted: {mounts_under(root)}"


@pytest.fixture
def debian_root(tmp_path: Path) -> Iterator[Path]:
    if os.geteuid() != 0 or not shutil.which("debootstrap"):
        pytest.skip("the converge needs root and debootstrap")
    tar = cached_root_tar()
    root = tmp_path / "bookworm"
    root.mkdir()
    subprocess.run(["tar", "-C", str(root), "--numeric-owner", "-xpf", str(tar)], check=True, timeout=600)
    use_host_package_sources(root)
    with playbook_mounts(root):
        yield root


@pytest.fixture(scope="session")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([str(BIN / "python"), "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(REPO)],
                   check=True, capture_output=True, timeout=600)
    (found,) = out.glob("okey_school-*.whl")
    return found


@pytest.fixture(scope="session")
def newer_wheel(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The same checkout with the next version number: what an upgrade installs."""
    parts = __version__.split(".")
    version = ".".join([*parts[:-1], str(int(parts[-1]) + 1)])
    source = tmp_path_factory.mktemp("newer") / "okey"
    shutil.copytree(REPO, source, ignore=shutil.ignore_patterns(
        ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", "var", "tests", "bench", ".stamps", "deploy"))
    init = source / "appliance" / "__init__.py"
    init.write_text(init.read_text().replace(f'__version__ = "{__version__}"', f'__version__ = "{version}"'))
    assert version in init.read_text()
    out = source.parent / "wheel"
    subprocess.run([str(BIN / "python"), "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(source)],
                   check=True, capture_output=True, timeout=600)
    (found,) = out.glob(f"okey_school-{version}-*.whl")
    return found, version


def write_vault(tmp: Path, inventory: Path, secrets: dict[str, str]) -> list[str]:
    """Secrets the way the guide says: a vault file next to group_vars, encrypted."""
    password = tmp / "vault-pass"
    password.write_text("correct horse battery staple\n")
    password.chmod(0o600)
    vault = inventory / "group_vars" / "okey" / "vault.yml"
    vault.write_text("---\n" + "".join(f"{k}: {json.dumps(v)}\n" for k, v in secrets.items()))
    subprocess.run([str(BIN / "ansible-vault"), "encrypt", "--vault-password-file", str(password), str(vault)],
                   check=True, capture_output=True, env=ansible_env(tmp), timeout=60)
    assert vault.read_text().startswith("$ANSIBLE_VAULT;")
    return ["--vault-password-file", str(password)]


@pytest.mark.system
@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_converge_into_debian_root(tmp_path: Path, debian_root: Path, wheel: Path,
                                         newer_wheel: tuple[Path, str]) -> None:
    inventory = example_inventory(tmp_path, debian_root)
    district_key = new_district_key()
    vault_args = write_vault(tmp_path, inventory, {
        "vault_district_key": district_key,
        "vault_backup_district_password": "district-share-secret",
    })
    extra = tmp_path / "converge.json"
    enrolments = tmp_path / "enrolments"
    extra.write_text(json.dumps({"okey_app_wheel": str(wheel), "okey_start_services": False,
                                 "district_enrolment_dir": str(enrolments)}))
    first = run_playbook(tmp_path, inventory / "hosts.yml", "-e", f"@{extra}", *vault_args)
    out = first.stdout + first.stderr
    assert first.returncode == 0, out[-6000:]
    assert recap(out)["changed"] > 0

    check_settings(debian_root)
    check_units(debian_root)
    check_segment_files(debian_root, tmp_path)
    check_backup_setup(debian_root)
    check_enrolment(debian_root, enrolments, district_key)

    version = in_root(debian_root, "/opt/okey/venv/bin/okey", "--version")
    assert version.stdout.strip() == f"okey {__version__}"
    assert os.readlink(debian_root / "usr/local/bin/okey") == "/opt/okey/venv/bin/okey"
    assert (debian_root / "var/lib/okey/okey.db").is_file()

    second = run_playbook(tmp_path, inventory / "hosts.yml", "-e", f"@{extra}", *vault_args)
    out2 = second.stdout + second.stderr
    assert second.returncode == 0, out2[-6000:]
    counts = recap(out2)
    assert counts["changed"] == 0 and counts["failed"] == 0, out2[-6000:]

    # An upgrade is the same playbook with a newer wheel; the school's data stays.
    (debian_root / "tmp/admin.csv").write_text("Роль;ФИО;Логин\nадминистратор;Петрова Анна Ивановна;petrova\n")
    in_root(debian_root, "runuser", "-u", "okey", "--", "okey", "users", "import", "/tmp/admin.csv")
    wheel_path, version = newer_wheel
    upgrade = tmp_path / "upgrade.json"
    upgrade.write_text(json.dumps({**json.loads(extra.read_text()), "okey_app_wheel": str(wheel_path)}))
    third = run_playbook(tmp_path, inventory / "hosts.yml", "-e", f"@{upgrade}", *vault_args)
    out3 = third.stdout + third.stderr
    assert third.returncode == 0, out3[-6000:]
    assert recap(out3)["changed"] > 0
    assert in_root(debian_root, "okey", "--version").stdout.strip() == f"okey {version}"
    kept = in_root(debian_root, "runuser", "-u", "okey", "--", "okey", "users", "reset-password", "petrova")
    assert "Петрова Анна Ивановна" in kept.stdout

    # Turning features off removes what they installed and leaves working settings.
    off = tmp_path / "off.json"
    off.write_text(json.dumps({**json.loads(upgrade.read_text()), "segment_enabled": False,
                               "backup_enabled": False, "district_enabled": False}))
    fourth = run_playbook(tmp_path, inventory / "hosts.yml", "-e", f"@{off}", *vault_args)
    assert fourth.returncode == 0, (fourth.stdout + fourth.stderr)[-6000:]
    settings = load_settings(debian_root / "etc/okey/okey.toml", environ={})
    assert settings.segment.interface == "" and settings.backup.enabled is False and "sync" not in settings.extra
    assert settings.school.code == "school-17"
    for gone in ("etc/okey/segment", "etc/network/interfaces.d/okey-segment", "etc/okey/district.key",
                 "etc/systemd/system/okey-segment-dnsmasq.service", "etc/systemd/system/okey.service.d/backup.conf",
                 "etc/systemd/system/multi-user.target.wants/okey-segment-dnsmasq.service"):
        assert not (debian_root / gone).exists(), gone
    assert "okey-backup" not in (debian_root / "etc/fstab").read_text()


def in_root(root: Path, *argv: str) -> subprocess.CompletedProcess:
    return subprocess.run(["chroot", str(root), *argv], capture_output=True, text=True, check=True, timeout=120)


def check_settings(root: Path) -> None:
    """The settings file is what the portal itself reads, with the inventory's values."""
    config = root / "etc/okey/okey.toml"
    assert oct(config.stat().st_mode & 0o777) == "0o640"
    raw = tomllib.loads(config.read_text())
    assert raw["data_dir"] == "/var/lib/okey"
    settings = load_settings(config, environ={})
    assert settings.school.name == "МБОУ «Средняя школа № 17»"
    assert settings.school.code == "school-17"
    assert settings.server.port == 8080 and settings.segment.portal_port == 80
    assert settings.segment.interface == "wlan0" and settings.segment.ssid == "Школа-17"
    assert settings.segment.address == "10.77.0.1/22"
    assert settings.backup.targets == ["backups", "usb:OKEY-BACKUP", "district:/mnt/okey-district"]
    assert settings.backup.time == "02:30"
    data = root / "var/lib/okey"
    okey_uid = int(in_root(root, "id", "-u", "okey").stdout)
    assert data.stat().st_uid == okey_uid and oct(data.stat().st_mode & 0o777) == "0o750"
    # `okey init` ran as the service user: the database and the backup key are its own.
    assert (data / "okey.db").stat().st_uid == okey_uid
    assert oct((data / "keys" / "backup.key").stat().st_mode & 0o777) == "0o600"


def check_units(root: Path) -> None:
    unit = (root / "etc/systemd/system/okey.service").read_text()
    assert "ExecStart=/opt/okey/venv/bin/okey --config /etc/okey/okey.toml serve" in unit
    assert "User=okey" in unit
    capabilities = [line for line in unit.splitlines() if "CAP_" in line]
    assert capabilities == ["AmbientCapabilities=CAP_NET_BIND_SERVICE", "CapabilityBoundingSet=CAP_NET_BIND_SERVICE"]
    for option in ("NoNewPrivileges=true", "ProtectSystem=strict", "PrivateTmp=true", "Restart=on-failure",
                   "StandardOutput=journal", "ReadWritePaths=/var/lib/okey"):
        assert option in unit.splitlines(), option
    units = ["okey", "okey-segment-firewall", "okey-segment-dnsmasq", "okey-segment-hostapd"]
    for name in units:
        assert (root / f"etc/systemd/system/multi-user.target.wants/{name}.service").is_symlink(), name
    # systemd's own reading of the units (works offline inside the root).
    verify = subprocess.run(["chroot", str(root), "systemd-analyze", "verify",
                             *[f"/etc/systemd/system/{name}.service" for name in units]],
                            capture_output=True, text=True, timeout=120)
    assert verify.returncode == 0, verify.stdout + verify.stderr
    drop_in = (root / "etc/systemd/system/okey.service.d/backup.conf").read_text()
    assert "ReadWritePaths=-/media/okey-backup -/mnt/okey-district" in drop_in


def check_segment_files(root: Path, tmp: Path) -> None:
    """Installed segment files are exactly what `okey captive render` makes of the settings."""
    expected = tmp / "rendered"
    subprocess.run([str(BIN / "okey"), "captive", "render", "--config", str(root / "etc/okey/okey.toml"), "--out", str(expected)],
                   check=True, capture_output=True, timeout=120)
    installed = root / "etc/okey/segment"
    assert sorted(p.name for p in installed.iterdir()) == ["dnsmasq.conf", "hostapd.conf", "nftables.conf"]
    for name in ("dnsmasq.conf", "hostapd.conf", "nftables.conf"):
        assert (installed / name).read_text() == (expected / name).read_text(), name
    assert "interface=wlan0" in (installed / "dnsmasq.conf").read_text()
    assert "ssid2=" + "Школа-17".encode().hex() in (installed / "hostapd.conf").read_text()
    interfaces = (root / "etc/network/interfaces.d/okey-segment").read_text()
    assert "auto wlan0" in interfaces and "address 10.77.0.1/22" in interfaces


def check_backup_setup(root: Path) -> None:
    fstab = {line.split()[1]: line.split() for line in (root / "etc/fstab").read_text().splitlines()
             if line.strip() and not line.startswith("#")}
    usb = fstab["/media/okey-backup"]
    assert usb[0] == "LABEL=OKEY-BACKUP"
    options = usb[3].split(",")
    assert "nofail" in options and "x-systemd.device-timeout=10s" in options
    share = fstab["/mnt/okey-district"]
    assert share[0] == "//nas.district.local/okey/school-17" and share[2] == "cifs"
    assert {"_netdev", "nofail"} <= set(share[3].split(","))
    credentials = root / "etc/okey/district-storage.credentials"
    assert oct(credentials.stat().st_mode & 0o777) == "0o600"
    # The password came from the encrypted vault.
    assert "password=district-share-secret" in credentials.read_text()


def check_enrolment(root: Path, enrolments: Path, district_key: str) -> None:
    """The school is enrolled with the vault's district key; its enrolment file came back."""
    from sync.keys import parse_district_key

    settings = load_settings(root / "etc/okey/okey.toml", environ={})
    assert settings.extra["sync"]["hub_url"] == "https://hub.district.local"
    assert settings.extra["sync"]["scope"] == "analytics"
    key_file = root / "etc/okey/district.key"
    assert key_file.read_text().strip() == district_key and oct(key_file.stat().st_mode & 0o777) == "0o600"
    keys = in_root(root, "runuser", "-u", "okey", "--", "/opt/okey/venv/bin/okey", "sync", "keys")
    assert parse_district_key(district_key).fingerprint in keys.stdout
    document = json.loads((enrolments / "enrolment-school-17.json").read_text())
    assert "school-17" in json.dumps(document, ensure_ascii=False)
