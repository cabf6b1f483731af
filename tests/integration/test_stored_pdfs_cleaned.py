"""PDFs stored before the cleaner existed are cleaned once by the upgrade, and every row follows the new file."""

from __future__ import annotations

import hashlib

from appliance.models.portfolio import Achievement, Evidence
from appliance.services import uploads
from appliance.services.stored_files import clean_stored_pdfs
from tests.unit.test_pdf_evidence import DANGER, HOSTILE


def store_raw(settings, data: bytes) -> str:
    """As the first release stored an upload: the bytes as they came, under their sha256."""
    sha = hashlib.sha256(data).hexdigest()
    path = uploads.file_path(settings, sha)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return sha


def test_old_pdfs_are_rewritten_without_active_content_once(settings, demo):
    hostile = HOSTILE["open-action script"]
    old_sha = store_raw(settings, hostile)
    achievements = list(Achievement.select().limit(2))
    rows = [Evidence.create(achievement=a, sha256=old_sha, original_name="грамота.pdf", mime="application/pdf",
                            size=len(hostile)) for a in achievements]
    broken_sha = store_raw(settings, b"%PDF-1.4 not really a pdf")
    broken = Evidence.create(achievement=achievements[0], sha256=broken_sha, original_name="битый.pdf",
                             mime="application/pdf", size=25)

    result = clean_stored_pdfs(settings)
    assert (result.rewritten, result.unreadable) == (1, 1)
    new_shas = {Evidence.get_by_id(row.id).sha256 for row in rows}
    assert len(new_shas) == 1 and old_sha not in new_shas, "both rows follow the one new file"
    new_sha = new_shas.pop()
    cleaned = uploads.file_path(settings, new_sha).read_bytes()
    assert hashlib.sha256(cleaned).hexdigest() == new_sha and not DANGER.search(cleaned)
    assert Evidence.get_by_id(rows[0].id).size == len(cleaned)
    assert not uploads.file_path(settings, old_sha).exists()
    # The unreadable one is kept as it was: it is still the pupil's evidence.
    assert Evidence.get_by_id(broken.id).sha256 == broken_sha and uploads.file_path(settings, broken_sha).exists()
    # Done once: a later upgrade does not parse every PDF again.
    assert clean_stored_pdfs(settings).done_before
