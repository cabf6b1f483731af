"""Upkeep of evidence files stored before today's checks.

PDFs uploaded before the cleaner existed (the first release) were stored as they came. `okey init`,
which every upgrade runs, passes over them once: each is written again by `uploads.clean_pdf`, stored
under its new sha256, and every row that named the old file names the new one. A marker in the uploads
directory records that the pass is done, so later runs cost nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from appliance.config import Settings
from appliance.db import database
from appliance.files import write_atomic
from appliance.models.base import utcnow
from appliance.models.portfolio import Evidence
from appliance.services import uploads

log = logging.getLogger("okey.uploads")

PDFS_DONE_MARKER = ".pdfs-cleaned-1"


@dataclass
class PdfPass:
    checked: int = 0
    rewritten: int = 0
    unreadable: int = 0
    done_before: bool = False


def clean_stored_pdfs(settings: Settings) -> PdfPass:
    """Write every stored evidence PDF again without active content, once per data directory."""
    marker = settings.uploads_dir / "evidence" / PDFS_DONE_MARKER
    if marker.exists():
        return PdfPass(done_before=True)
    result = PdfPass()
    shas = [row.sha256 for row in Evidence.select(Evidence.sha256).where(Evidence.mime == "application/pdf")
            .distinct()]
    for sha in shas:
        path = uploads.file_path(settings, sha)
        if not path.is_file():
            continue
        result.checked += 1
        original = path.read_bytes()
        try:
            prepared = uploads.prepare(path.name, original)
        except uploads.UploadRefused:
            # Kept: it is the pupil's evidence; it is only ever downloaded, under a sandboxing policy.
            result.unreadable += 1
            log.warning("stored PDF %s does not parse; left as it is", sha)
            continue
        if prepared.sha256 == sha:
            continue
        with uploads.Batch(settings) as batch:
            batch.write(prepared)
            with database.atomic():
                (Evidence.update(sha256=prepared.sha256, size=prepared.size, updated_at=utcnow())
                 .where(Evidence.sha256 == sha).execute())
        uploads.remove_files(settings, sha)
        result.rewritten += 1
    marker.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(marker, f"{result.checked} checked, {result.rewritten} rewritten\n".encode())
    return result
