"""QR codes as inline SVG: crisp in print and on screen, no image files."""

from __future__ import annotations

from markupsafe import Markup

from appliance.lazy import lazy

qrcode = lazy("qrcode")
qrcode_svg = lazy("qrcode.image.svg")
qrcode_constants = lazy("qrcode.constants")


def qr_svg(data: str, box_size: int = 10) -> Markup:
    image = qrcode.make(data, image_factory=qrcode_svg.SvgPathImage, box_size=box_size,
                        border=2, error_correction=qrcode_constants.ERROR_CORRECT_M)
    # The SVG is drawn by qrcode from modules, never from the text: nothing of the data is markup.
    return Markup(image.to_string(encoding="unicode"))  # noqa: S704  # nosec B704


def wifi_payload(ssid: str, password: str = "") -> str:  # nosec B107 - "" means an open network
    """The Wi-Fi join string phones' cameras understand (open network when no password)."""
    def escape(value: str) -> str:
        return "".join("\\" + ch if ch in '\\;,":' else ch for ch in value)

    if password:
        return f"WIFI:T:WPA;S:{escape(ssid)};P:{escape(password)};;"
    return f"WIFI:T:nopass;S:{escape(ssid)};;"
