"""Rendering the segment's dnsmasq, nftables and hostapd configuration from `[segment]`.

The files are the single source of truth: Ansible installs exactly what this writes.
"""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined

from appliance.config import SegmentSettings
from appliance.files import AtomicFile
from captive_portal.plan import SegmentPlan, build_plan

# Configuration files, not HTML: nothing to escape, and every value was checked by plan.py.
_env = Environment(loader=PackageLoader("captive_portal", "conf"), autoescape=False,  # noqa: S701  # nosec B701
                   undefined=StrictUndefined, keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True)


def owe_ifname(wifi_interface: str) -> str:
    """The second (OWE) network's interface, which hostapd creates: at most 15 characters."""
    return f"{wifi_interface[:11]}-owe"


def render_files(plan: SegmentPlan) -> dict[str, str]:
    """File name → text; hostapd.conf only when the segment has its own Wi-Fi interface."""
    files = {
        "dnsmasq.conf": _env.get_template("dnsmasq.conf.j2").render(p=plan),
        "nftables.conf": _env.get_template("nftables.conf.j2").render(p=plan),
    }
    if plan.wifi_interface:
        owe_ssid = plan.ssid.encode("utf-8")[:28] + b"-OWE"
        files["hostapd.conf"] = _env.get_template("hostapd.conf.j2").render(
            p=plan, ssid_hex=plan.ssid.encode("utf-8").hex(),
            owe_ifname=owe_ifname(plan.wifi_interface) if plan.owe else "", owe_ssid_hex=owe_ssid.hex())
    return files


def write_files(seg: SegmentSettings, out: Path) -> dict[str, Path]:
    """Check the settings, render and write every file; on any problem write nothing."""
    files = render_files(build_plan(seg))
    out.mkdir(parents=True, exist_ok=True)
    written = {}
    # Every file goes to a temporary name first and is renamed only when all are written,
    # so a failure leaves the old set untouched.
    staged: list[AtomicFile] = []
    try:
        for name, text in files.items():
            staged.append(AtomicFile(out / name, hashed=False, mode=0o644))
            staged[-1].write(text.encode("utf-8"))
    except BaseException:
        for part in staged:
            part.abort()
        raise
    for part in staged:
        part.commit()
        written[part.path.name] = part.path
    stale = out / "hostapd.conf"
    if "hostapd.conf" not in files and stale.exists():
        stale.unlink()  # the segment moved to a wired/VLAN interface
    return written
