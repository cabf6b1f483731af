"""The appliance's life in a Debian 12 system that really boots: install, harden, reboot, upgrade.

A debootstrap tree (cached, see test_ansible_playbook.py) gets the playbook's first run the way a
server being prepared does — packages and the portal downloaded, services installed but not started
(`okey_start_services: false`, through the chroot connection, with the host's route to the package
mirrors). Then the tree boots with `systemd-nspawn --boot` in its own network namespace (no way out:
everything the appliance needs is on it) and the same playbook runs inside the booted system with
services started: the units, their hardening, the handlers, the segment at boot (a veth pair stands in
for the Wi-Fi card), the journal, a reboot, a second run during the school day, an upgrade in place
and an upgrade whose migration fails. Last, the disaster drill: the server is lost, and a second
booted system follows deploy/ansible/README.md §7 and docs/backup.md step by step from the USB copy
and the recovery sheet's key, timed, with the district hub counting the school once afterwards.

`make converge` runs this file and prints the figures (converge time, exposure, boot and drill time);
`make drill` runs the first server's checks and the drill.
"""

from __future__ import annotations

import base64
import json
import re
import shutil
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from appliance import __version__
from tests.system.booted import Machine, UsbDrive, nspawn_available
from tests.system.test_ansible_playbook import (
    ANSIBLE_DIR,
    BIN,
    REPO,
    cached_root_tar,
    playbook_mounts,
    recap,
    run_playbook,
    use_host_package_sources,
    write_vault,
)

pytestmark = [pytest.mark.system, pytest.mark.slow, pytest.mark.timeout(1200)]

# `systemd-analyze security okey.service`: the overall exposure (0 = locked down, 10 = nothing).
# systemd calls ≤ 2.5 "OK"; the unit must stay there.
EXPOSURE_LIMIT = 2.5
# The whole booted converge (install run + booted run) on a 2-core machine with warm caches.
CONVERGE_BUDGET_SECONDS = 600
SEGMENT = "seg0"
FIGURES: dict[str, str] = {}

# The Wi-Fi card's stand-in: a veth pair made at boot before the network is configured, as a card's
# driver would make wlan0. `okey-test-wifi` is the test's, not the appliance's.
WIFI_STAND_IN = f"""[Unit]
Description=Test stand-in for the Wi-Fi card: veth pair {SEGMENT} <-> phone0
DefaultDependencies=no
Before=network-pre.target networking.service
Wants=network-pre.target

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/sbin/ip link add {SEGMENT} type veth peer name phone0
ExecStart=/sbin/ip link set phone0 up

[Install]
WantedBy=sysinit.target
"""


def figure(name: str, value: str) -> None:
    FIGURES[name] = value
    print(f"\n[figure] {name}: {value}", flush=True)


def wheel_with_migration(tmp: Path, version: str, migration: str, number: int) -> Path:
    """This checkout as release `version`, with one more migration (its body given): what the next
    release with a schema change looks like."""
    source = tmp / f"okey-{version}"
    shutil.copytree(REPO, source, ignore=shutil.ignore_patterns(
        ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", "var", "tests", "bench", ".stamps", "deploy"))
    init = source / "appliance" / "__init__.py"
    init.write_text(init.read_text().replace(f'__version__ = "{__version__}"', f'__version__ = "{version}"'))
    (source / "appliance" / "migrations" / f"m{number:04d}_upgrade_drill.py").write_text(migration)
    out = tmp / f"wheel-{version}"
    subprocess.run([str(BIN / "python"), "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(source)],
                   check=True, capture_output=True, timeout=600)
    (found,) = out.glob(f"okey_school-{version}-*.whl")
    return found


GOOD_MIGRATION = '''"""Журнал учений по обновлению"""


def upgrade(db):
    db.execute_sql("CREATE TABLE upgrade_drill (id INTEGER PRIMARY KEY, note TEXT NOT NULL)")
    db.execute_sql("INSERT INTO upgrade_drill (note) VALUES ('applied')")
'''

BROKEN_MIGRATION = '''"""Сломанное обновление для проверки отката"""


def upgrade(db):
    db.execute_sql("CREATE TABLE upgrade_broken (id INTEGER PRIMARY KEY)")
    raise RuntimeError("broken on purpose")
'''


def next_version(step: int) -> str:
    parts = __version__.split(".")
    return ".".join([*parts[:-1], str(int(parts[-1]) + step)])


class School:
    """The booted school server and how to run the playbook against it."""

    def __init__(self, tmp: Path, machine: Machine, inventory: Path, vault_args: list[str], variables: dict):
        self.tmp = tmp
        self.machine = machine
        self.inventory = inventory
        self.vault_args = vault_args
        self.variables = variables
        self.district_key = ""
        self.hub = Path()

    def converge(self, **override) -> tuple[subprocess.CompletedProcess, dict[str, int]]:
        extra = self.tmp / "extra.json"
        extra.write_text(json.dumps({**self.variables, **override}))
        result = run_playbook(self.tmp, self.inventory / "hosts.yml", "-e", f"@{extra}", *self.vault_args)
        out = result.stdout + result.stderr
        return result, recap(out)

    def okey(self, *argv: str, check: bool = True) -> subprocess.CompletedProcess:
        return self.machine.run("/opt/okey/venv/bin/okey", *argv, as_user="okey", check=check)

    def main_pid(self) -> str:
        return self.machine.unit_property("okey.service", "MainPID")


def host_okey(*argv: str) -> subprocess.CompletedProcess:
    """`okey` on this machine: the district hub's side."""
    result = subprocess.run([str(BIN / "okey"), *argv], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"okey {' '.join(argv)}: {result.stdout}{result.stderr}"
    return result


def write_inventory(tmp: Path, root: Path, enter_exe: Path | None) -> Path:
    inventory = tmp / "inventory"
    if not inventory.exists():
        shutil.copytree(ANSIBLE_DIR / "inventory" / "example", inventory)
    host = f"      ansible_host: {root}\n      ansible_connection: community.general.chroot\n"
    if enter_exe:
        host += f"      ansible_chroot_exe: {enter_exe}\n"
    (inventory / "hosts.yml").write_text(f"okey:\n  hosts:\n    school-17:\n{host}")
    return inventory


def new_server(root: Path, tar: Path) -> None:
    """A freshly installed Debian 12 (the cached debootstrap root) with its Wi-Fi card (the stand-in)."""
    subprocess.run(["tar", "-C", str(root), "--numeric-owner", "-xpf", str(tar)], check=True, timeout=600)
    use_host_package_sources(root)
    (root / "etc/systemd/system/okey-test-wifi.service").write_text(WIFI_STAND_IN)
    (root / "etc/systemd/system/sysinit.target.wants").mkdir(parents=True, exist_ok=True)
    (root / "etc/systemd/system/sysinit.target.wants/okey-test-wifi.service").symlink_to(
        "/etc/systemd/system/okey-test-wifi.service")


def changed_tasks(output: str) -> list[str]:
    """The names of the tasks a run reports as changed."""
    names, task = [], ""
    for line in output.splitlines():
        header = re.match(r"^(?:TASK|RUNNING HANDLER) \[(.*)\] \**$", line)
        if header:
            task = header.group(1)
        elif line.startswith("changed: [") and task not in names:
            names.append(task)
    return names


def install_run(school: School, **override) -> None:
    """The playbook's first run through chroot, as when a server is prepared with the network at hand:
    packages and the portal downloaded, services installed and enabled but not started."""
    root = school.machine.root
    with playbook_mounts(root):
        result, _ = school.converge(okey_start_services=False, **override)
        assert result.returncode == 0, (result.stdout + result.stderr)[-6000:]
    (root / "usr/sbin/policy-rc.d").unlink()  # the chroot guard goes: this system boots


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([str(BIN / "python"), "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(REPO)],
                   check=True, capture_output=True, timeout=600)
    (found,) = out.glob("okey_school-*.whl")
    return found


@pytest.fixture(scope="module")
def school(tmp_path_factory: pytest.TempPathFactory, wheel: Path) -> Iterator[School]:
    why = nspawn_available()
    if why:
        pytest.skip(why)
    tmp = tmp_path_factory.mktemp("booted")
    tar = cached_root_tar()
    root = tmp / "school-17"
    root.mkdir()
    new_server(root, tar)
    inventory = write_inventory(tmp, root, None)
    # The district hub (SQLite, on this machine): its key goes into the vault as the guide says.
    hub = tmp / "hub"
    host_okey("hub", "init", "--data", str(hub), "--password", "district-drill-2026")
    district_key = host_okey("hub", "district-key", "--data", str(hub)).stdout.strip().splitlines()[0]
    vault_args = write_vault(tmp, inventory, {"vault_district_key": district_key, "vault_backup_district_password": ""})
    variables = {"okey_app_wheel": str(wheel), "district_enrolment_dir": str(tmp / "enrolments"),
                 "segment_interface": SEGMENT, "segment_wifi_interface": "",
                 "backup_district_enabled": False,
                 # This kernel has no vfat: the drill's USB drive is ext4 (see UsbDrive).
                 "backup_usb_fstype": "ext4", "backup_usb_options": "defaults"}
    started = time.monotonic()

    school = School(tmp, Machine(root, "school-17", tmp), inventory, vault_args, variables)
    school.district_key = district_key
    school.hub = hub
    machine = school.machine
    try:
        # 1. The install run, through chroot.
        install_run(school)
        figure("install run (chroot, packages from the mirror)", f"{time.monotonic() - started:.0f} s")
        # 2. Boot it, and converge inside the booted system with services started.
        machine.boot()
        figure("boot to multi-user", f"{machine.boot_seconds[-1]:.1f} s")
        write_inventory(tmp, root, machine.ansible_enter_exe(tmp))
        booted_start = time.monotonic()
        result, counts = school.converge(okey_start_services=True)
        assert result.returncode == 0, (result.stdout + result.stderr)[-6000:]
        figure("booted run (services started)", f"{time.monotonic() - booted_start:.0f} s, changed={counts['changed']}")
        total = time.monotonic() - started
        figure("converge time (install + booted run)", f"{total:.0f} s")
        assert total < CONVERGE_BUDGET_SECONDS
        yield school
    finally:
        try:
            (tmp / "journal.txt").write_text(machine.journal(lines=2000) if machine.process else "")
        finally:
            machine.stop()
        shutil.rmtree(root, ignore_errors=True)
        print("\n" + "\n".join(f"[figure] {k}: {v}" for k, v in FIGURES.items()), flush=True)


def http_get(machine: Machine, url: str, host: str | None = None) -> tuple[int, str]:
    """A GET from inside the machine (python3 is there; curl need not be)."""
    script = ("import sys, urllib.request, urllib.error\n"
              "req = urllib.request.Request(sys.argv[1], headers={'Host': sys.argv[2]} if sys.argv[2] else {})\n"
              "class NoRedirect(urllib.request.HTTPRedirectHandler):\n"
              "    def redirect_request(self, *a, **k): return None\n"
              "opener = urllib.request.build_opener(NoRedirect)\n"
              "try:\n    r = opener.open(req, timeout=10); print(r.status); print(r.read(4000).decode())\n"
              "except urllib.error.HTTPError as e:\n    print(e.code); print(e.read(4000).decode(errors='replace'))\n")
    result = machine.run("python3", "-c", script, url, host or "", check=False, timeout=30)
    assert result.returncode == 0, result.stderr
    status, _, body = result.stdout.partition("\n")
    return int(status), body


def wait_active(machine: Machine, unit: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if machine.run("systemctl", "is-active", unit, check=False).stdout.strip() == "active":
            return
        time.sleep(0.5)
    raise AssertionError(f"{unit} not active: {machine.run('systemctl', 'status', '--no-pager', unit, check=False).stdout}")


def wait_portal(machine: Machine, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            status, _ = http_get(machine, "http://127.0.0.1:8080/login")
            if status == 200:
                return
        except AssertionError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"the portal does not answer: {machine.journal('-u', 'okey', lines=50)}")


def check_running_appliance(machine: Machine) -> None:
    """What an administrator checks after the run or a reboot, in the booted system."""
    for unit in ("okey", "okey-segment-firewall", "okey-segment-dnsmasq"):
        wait_active(machine, f"{unit}.service")
    assert machine.run("systemctl", "is-enabled", "okey.service").stdout.strip() == "enabled"
    failed = machine.run("systemctl", "--failed", "--plain", "--no-legend", "--no-pager").stdout
    assert "okey" not in failed, failed
    wait_portal(machine)
    status, body = http_get(machine, "http://127.0.0.1:8080/login")
    assert status == 200 and "Окей, школа" in body
    # The segment: its address from ifupdown at boot, its listener, its firewall and DHCP.
    addresses = machine.run("ip", "-o", "-4", "addr", "show", "dev", SEGMENT).stdout
    assert "10.77.0.1/22" in addresses, addresses
    status, _ = http_get(machine, "http://10.77.0.1/generate_204", host="connectivitycheck.gstatic.com")
    assert status in (200, 302), status
    tables = machine.run("nft", "list", "tables").stdout
    assert "inet okey_segment" in tables, tables
    assert machine.run("pgrep", "-x", "dnsmasq", check=False).returncode == 0
    # In order: the network (ifupdown gives the segment its address) is up before `okey serve` starts.
    network_up = int(machine.unit_property("networking.service", "ActiveEnterTimestampMonotonic"))
    portal_start = int(machine.unit_property("okey.service", "ExecMainStartTimestampMonotonic"))
    assert 0 < network_up <= portal_start, (network_up, portal_start)
    # The portal logs to the journal, one line per event.
    deadline = time.monotonic() + 30
    while "работает" not in machine.journal("-u", "okey", "-b") and time.monotonic() < deadline:
        time.sleep(0.5)
    assert "«Окей, школа» работает" in machine.journal("-u", "okey", "-b")
    assert "Сегмент Wi-Fi" in machine.journal("-u", "okey", "-b")


def test_booted_appliance_serves_and_is_hardened(school: School) -> None:
    machine = school.machine
    check_running_appliance(machine)
    security = machine.run("systemd-analyze", "security", "--no-pager", "okey.service", check=False)
    match = re.search(r"Overall exposure level for okey\.service: (\d+(?:\.\d+)?) (\S+)", security.stdout)
    assert match, security.stdout + security.stderr
    exposure = float(match.group(1))
    figure("systemd-analyze security okey.service", f"{exposure} {match.group(2)} (limit {EXPOSURE_LIMIT})")
    assert exposure <= EXPOSURE_LIMIT, security.stdout
    # No cron or timer of the appliance's own: the portal's scheduler runs backups and sync;
    # the system's timers (apt, logrotate, tmpfiles) are there and armed.
    timers = machine.run("systemctl", "list-timers", "--all", "--no-pager", "--plain").stdout
    for timer in ("apt-daily-upgrade.timer", "logrotate.timer", "systemd-tmpfiles-clean.timer"):
        assert timer in timers, timers
    # The journal is kept across reboots (base role).
    assert machine.run("test", "-d", "/var/log/journal").returncode == 0
    # The USB drive is absent: its mount waits 10 s at most and never fails the boot.
    mount = machine.run("systemctl", "show", "-P", "ActiveState", "media-okey\\x2dbackup.mount").stdout.strip()
    assert mount in ("inactive", "failed"), mount
    # … and the administrator is told so, with what to do.
    status = school.okey("status", check=False).stdout
    assert "[ошибка] Флешка «OKEY-BACKUP» не подключена или не смонтирована" in status, status
    assert f"Версия программы: {__version__}." in status


def test_second_run_in_the_school_day_changes_nothing(school: School) -> None:
    before = school.main_pid()
    result, counts = school.converge(okey_start_services=True)
    assert result.returncode == 0, (result.stdout + result.stderr)[-6000:]
    assert counts["changed"] == 0, (result.stdout + result.stderr)[-6000:]
    assert school.main_pid() == before, "the portal was restarted although nothing changed"


def test_reboot_brings_everything_back(school: School) -> None:
    machine = school.machine
    machine.reboot()
    figure("reboot to multi-user", f"{machine.boot_seconds[-1]:.1f} s")
    check_running_appliance(machine)
    boots = machine.run("journalctl", "--list-boots", "--no-pager").stdout.strip().splitlines()
    assert len(boots) >= 2, boots  # the journal kept the previous boot


def test_segment_interface_absent_portal_serves_the_lan(school: School) -> None:
    machine = school.machine
    machine.run("systemctl", "disable", "okey-test-wifi.service")
    try:
        machine.reboot()
        wait_active(machine, "okey.service")
        wait_portal(machine)
        log = machine.journal("-u", "okey", "-b")
        assert "сегмент Wi-Fi не запущен" in log, log
        status = school.okey("status", check=False)
        assert f"{SEGMENT}" in status.stdout and "нет" in status.stdout.lower(), status.stdout + status.stderr
    finally:
        machine.run("systemctl", "enable", "okey-test-wifi.service")
        machine.reboot()
        check_running_appliance(machine)


# -- the disaster drill: the school server is lost; a blank one serves the school again ---------------

def pdf_text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True).stdout


def sheet_key(pdf: Path) -> str:
    """The backup key as an administrator types it from the printed recovery sheet (spaces removed)."""
    text = pdf_text(pdf)
    # The key is printed in groups over several lines; everything up to the next words is the key.
    match = re.search(r"AGE-SECRET-KEY-1[0-9A-Z\s]+", text)
    assert match, text
    key = re.sub(r"\s", "", match.group(0))
    assert re.fullmatch(r"AGE-SECRET-KEY-1[0-9A-Z]{58}", key), text
    return key


def instance_id(machine: Machine) -> str:
    """The database's sync identity ("" before anything asked for it)."""
    return machine.run("python3", "-c", "import sqlite3; print((sqlite3.connect('/var/lib/okey/okey.db').execute("
                       "\"select value from okey_meta where key='instance_id'\").fetchone() or [''])[0])").stdout.strip()


def user_count(machine: Machine) -> str:
    return machine.run("python3", "-c", "import sqlite3; print(sqlite3.connect('/var/lib/okey/okey.db')"
                       ".execute('select count(*) from user').fetchone()[0])").stdout.strip()


def tmp_enrolment(school: School) -> Path:
    return Path(school.variables["district_enrolment_dir"]) / "enrolment-school-17.json"


def export_to_hub(school: School, tmp: Path, name: str) -> str:
    """`okey sync export` on the school server, the bundle carried to the hub and imported there."""
    out = school.okey("sync", "export", "--no-send", "--out", "/tmp/okey-out").stdout
    path = re.search(r"Пакет: (\S+)", out).group(1)
    bundle = tmp / name
    bundle.write_bytes(base64.b64decode(school.machine.run("base64", path).stdout))
    return host_okey("hub", "import", "--data", str(school.hub), "--receipts", str(tmp / "receipts"), str(bundle)).stdout


def hub_rows(hub: Path) -> dict[str, int]:
    """Rows the hub holds for its schools, per table."""
    db = sqlite3.connect(hub / "okey.db")
    try:
        return dict(db.execute("select tbl, count(*) from hub_row group by tbl").fetchall())
    finally:
        db.close()


def step(text: str, started: float) -> None:
    print(f"[drill {time.monotonic() - started:6.1f} s] {text}", flush=True)


@pytest.mark.skipif(not shutil.which("pdftotext") or not shutil.which("mkfs.ext4"), reason="needs poppler-utils, e2fsprogs")
def test_disaster_drill_restores_the_school_on_a_blank_server(school: School, tmp_path_factory) -> None:
    """deploy/ansible/README.md §5 and §7 and docs/backup.md, step by step, on a second booted system."""
    old = school.machine
    tmp = tmp_path_factory.mktemp("drill")
    uid = old.run("id", "-u", "okey").stdout.strip()
    gid = old.run("id", "-g", "okey").stdout.strip()
    drive = UsbDrive(tmp / "usb.img", "OKEY-BACKUP", owner=f"{uid}:{gid}")
    new: Machine | None = None
    try:
        # The old server, the evening before: the drive is plugged in and last night's copy made (§5.4).
        old.run("sh", "-c", "printf 'Роль;ФИО;Логин\\nучитель;Сидоров Пётр Ильич;sidorov\\n' > /tmp/drill.csv")
        school.okey("users", "import", "/tmp/drill.csv")
        drive.plug(old)
        old.run("mount", "/media/okey-backup")                                    # sudo mount /media/okey-backup
        school.okey("backup", "run")                                              # sudo -u okey okey backup run
        # The recovery sheet from the safe (§5.1).
        school.okey("backup", "recovery-sheet", "--out", "/tmp/sheet.pdf")      # … --out /tmp/sheet.pdf
        (tmp / "sheet.pdf").write_bytes(base64.b64decode(old.run("base64", "/tmp/sheet.pdf").stdout))  # print it
        old.run("rm", "/tmp/sheet.pdf")                                           # delete the file
        key = sheet_key(tmp / "sheet.pdf")
        # The sheet's commands name the folder where this server (and a replacement) mounts the drive.
        assert "/media/okey-backup/okey-school-17/ФАЙЛ.backup" in "".join(pdf_text(tmp / "sheet.pdf").split())
        users_before, instance_before = user_count(old), instance_id(old)
        # The district enrolled the school (§5.3) and received its nightly bundle.
        host_okey("hub", "enroll", "--data", str(school.hub), str(tmp_enrolment(school)))
        export_to_hub(school, tmp, "before.bundle")
        rows_before = hub_rows(school.hub)
        assert rows_before
        old.run("umount", "/media/okey-backup")
        old.stop()  # the server is lost

        started = time.monotonic()
        # §7.1 Debian 12 on the new server; §7.2 the sheet's key in the vault; §7.3 the playbook.
        step("§7.1 new server: Debian 12", started)
        root = tmp / "school-17-new"
        root.mkdir()
        new_server(root, cached_root_tar())
        inventory = write_inventory(tmp, root, None)
        vault_args = write_vault(tmp, inventory, {"vault_district_key": school.district_key,
                                                  "vault_backup_district_password": "", "vault_backup_key": key})
        step("§7.2 vault_backup_key from the recovery sheet", started)
        new = Machine(root, "school-17-new", tmp)
        restored = School(tmp, new, inventory, vault_args, dict(school.variables))
        restored.hub, restored.district_key = school.hub, school.district_key
        install_run(restored, district_enabled=False)                             # -e district_enabled=false
        step("§7.3 playbook: install run done", started)
        new.boot()
        write_inventory(tmp, root, new.ansible_enter_exe(tmp))
        result, counts = restored.converge(okey_start_services=True, district_enabled=False)  # -e district_enabled=false
        assert result.returncode == 0, (result.stdout + result.stderr)[-6000:]
        wait_portal(new)
        step("§7.3 playbook: the empty school is up", started)
        # §7.4 on the server, the guide's commands as written.
        new.run("systemctl", "stop", "okey")                                      # sudo systemctl stop okey
        drive.plug(new)
        new.run("mount", "/media/okey-backup")                                    # sudo mount /media/okey-backup
        listing = restored.okey("backup", "list").stdout                          # sudo -u okey okey backup list
        names = re.findall(r"okey-school-17-\d{8}-\d{6}\.backup", listing)
        assert names, listing
        newest = f"/media/okey-backup/okey-school-17/{sorted(names)[-1]}"
        restored.okey("backup", "restore", newest, "--force")                     # sudo -u okey okey backup restore … --force
        new.run("systemctl", "start", "okey")                                     # sudo systemctl start okey
        wait_portal(new)
        elapsed = time.monotonic() - started
        step("§7.4 restored, the portal answers", started)
        figure("disaster drill: blank server → school restored and answering", f"{elapsed:.0f} s")
        assert elapsed < 30 * 60

        assert user_count(new) == users_before
        assert "Сидоров Пётр Ильич" in restored.okey("users", "reset-password", "sidorov").stdout
        assert instance_id(new) and instance_id(new) != instance_before
        # §7.5 the key out of the vault again, the district on: only the district's tasks change.
        vault_args[:] = write_vault(tmp, inventory, {"vault_district_key": school.district_key,
                                                     "vault_backup_district_password": "", "vault_backup_key": ""})
        result, counts = restored.converge(okey_start_services=True)
        assert result.returncode == 0, (result.stdout + result.stderr)[-6000:]
        changed = changed_tasks(result.stdout)
        figure("§7.5 run after the restore", f"changed={counts['changed']} {changed}")
        assert changed and all(name.startswith(("district :", "okey_app : Restart", "okey_app : Reload")) for name in changed), changed
        check_running_appliance(new)
        # §7.6 the district accepts the restored school's new key; its next export counts it once.
        host_okey("hub", "enroll", "--replace", "--data", str(school.hub), str(tmp_enrolment(restored)))
        imported = export_to_hub(restored, tmp, "after.bundle")
        figure("hub import after the restore", imported.strip())
        assert hub_rows(school.hub) == rows_before  # the same school, counted once
        schools = host_okey("hub", "schools", "--data", str(school.hub)).stdout.strip().splitlines()
        assert len(schools) == 1, schools
    finally:
        if new is not None:
            new.stop()
            shutil.rmtree(new.root, ignore_errors=True)
        drive.remove()
        if old.process is None:
            old.boot()  # the first server comes back for the upgrade tests


# -- upgrades in place (after the drill: the hub of the drill knows this release's schema only) ---------

def test_upgrade_in_place_keeps_data_and_restarts_once(school: School, tmp_path: Path) -> None:
    machine = school.machine
    machine.run("sh", "-c", "printf 'Роль;ФИО;Логин\\nадминистратор;Петрова Анна Ивановна;petrova\\n' > /tmp/admin.csv")
    school.okey("users", "import", "/tmp/admin.csv")
    before = school.main_pid()
    version = next_version(1)
    newer = wheel_with_migration(tmp_path, version, GOOD_MIGRATION, 900)
    result, counts = school.converge(okey_start_services=True, okey_app_wheel=str(newer))
    out = result.stdout + result.stderr
    assert result.returncode == 0, out[-6000:]
    assert "RUNNING HANDLER [okey_app : Restart the portal]" in out
    wait_portal(machine)
    assert school.main_pid() != before
    assert school.okey("--version").stdout.strip() == f"okey {version}"
    assert "Петрова Анна Ивановна" in school.okey("users", "reset-password", "petrova").stdout
    applied = machine.run("python3", "-c", "import sqlite3; print(sqlite3.connect('/var/lib/okey/okey.db')"
                          ".execute('select count(*) from upgrade_drill').fetchone()[0])").stdout.strip()
    assert applied == "1"
    copies = machine.run("ls", "/var/lib/okey/state/before-upgrade").stdout.split()
    assert len(copies) == 1, copies
    # The same wheel again: no migration, no restart.
    before = school.main_pid()
    result, counts = school.converge(okey_start_services=True, okey_app_wheel=str(newer))
    assert result.returncode == 0 and counts["changed"] == 0, (result.stdout + result.stderr)[-6000:]
    assert school.main_pid() == before
    school.variables["okey_app_wheel"] = str(newer)


def test_failed_migration_leaves_the_old_version_running(school: School, tmp_path: Path) -> None:
    machine = school.machine
    old = school.okey("--version").stdout.strip()
    before = school.main_pid()
    broken = wheel_with_migration(tmp_path, next_version(2), BROKEN_MIGRATION, 901)
    result, counts = school.converge(okey_start_services=True, okey_app_wheel=str(broken))
    out = result.stdout + result.stderr
    assert result.returncode != 0 and counts["failed"] == 1, out[-6000:]
    assert "broken on purpose" in out and "Обновление схемы 0901" in out, out[-6000:]
    assert "The previous version" in out, out[-6000:]
    # The old program is back in the venv, the service was never restarted and still answers.
    assert school.okey("--version").stdout.strip() == old
    assert school.main_pid() == before
    wait_portal(machine)
    tables = machine.run("python3", "-c", "import sqlite3; print([r[0] for r in sqlite3.connect("
                         "'/var/lib/okey/okey.db').execute(\"select name from sqlite_master where type='table'\")])").stdout
    assert "upgrade_broken" not in tables
    # A restart (a crash, a reboot) runs the old version against the unchanged database.
    machine.run("systemctl", "restart", "okey.service")
    wait_portal(machine)
