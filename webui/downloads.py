"""Files the pages offer to download: the attachment header and the import templates."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import quote

from flask import Response, abort

from appliance.documents.csv_table import ENCODINGS, csv_bytes


def attachment(name: str) -> dict:
    """The header that makes the browser save the file under `name` (any letters)."""
    return {"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"}


def csv_template(rows: Iterable[Iterable[object]], encoding: str, stem: str) -> Response:
    """An import template in UTF-8 with a BOM or Windows-1251; any other encoding in the address is a 404."""
    if encoding not in ENCODINGS:
        abort(404)
    charset = "windows-1251" if encoding == "cp1251" else "utf-8"
    return Response(csv_bytes(rows, encoding), mimetype="text/csv", content_type=f"text/csv; charset={charset}",
                    headers=attachment(f"{stem}-{encoding}.csv"))
