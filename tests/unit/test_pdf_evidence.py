"""PDF evidence is read with a real PDF parser: scripts, launch and auto-open actions and embedded
files are taken out however they are written (escaped names, compressed object streams), and the
cleaned file is what is stored and served."""

from __future__ import annotations

import io
import re

import pikepdf
import pytest

from appliance.services import uploads

DANGER = re.compile(rb"/(JavaScript|JS|Launch|EmbeddedFile|EmbeddedFiles|OpenAction|AA|RichMedia|XFA)\b")


def _pdf(build, **save) -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(200, 200))
    build(pdf)
    out = io.BytesIO()
    pdf.save(out, **save)
    return out.getvalue()


def _script(pdf):
    pdf.Root.OpenAction = pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert(1)"))


def _launch_link(pdf):
    action = pikepdf.Dictionary(S=pikepdf.Name.Launch, F=pikepdf.String("calc.exe"))
    link = pikepdf.Dictionary(Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Link, Rect=[0, 0, 100, 100], A=action)
    pdf.pages[0].Annots = pdf.make_indirect(pikepdf.Array([pdf.make_indirect(link)]))
    pdf.pages[0].AA = pikepdf.Dictionary(O=pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("x")))


def _attachment(pdf):
    pdf.attachments["payload.exe"] = pikepdf.AttachedFileSpec(pdf, b"MZ\x90\x00 program")
    names = pdf.Root.Names
    names.JavaScript = pikepdf.Dictionary(Names=[pikepdf.String("a"), pdf.make_indirect(
        pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert(2)")))])


def _escaped(data: bytes) -> bytes:
    """The names written with #xx escapes, which a byte filter does not see."""
    return (data.replace(b"/JavaScript", b"/J#61vaScript").replace(b"/OpenAction", b"/Op#65nAction")
            .replace(b"/Launch", b"/L#61unch"))


HOSTILE = {
    "open-action script": _pdf(_script),
    "escaped script name": _pdf(_script, compress_streams=False, object_stream_mode=pikepdf.ObjectStreamMode.disable,
                                normalize_content=False),
    "script in a compressed object stream": _pdf(_script, object_stream_mode=pikepdf.ObjectStreamMode.generate),
    "launch link and page action": _pdf(_launch_link, object_stream_mode=pikepdf.ObjectStreamMode.generate),
    "embedded program and name-tree script": _pdf(_attachment),
}
HOSTILE["escaped script name"] = _escaped(HOSTILE["escaped script name"])
HOSTILE["escaped launch"] = _escaped(_pdf(_launch_link, object_stream_mode=pikepdf.ObjectStreamMode.disable))


def _active_content(data: bytes) -> list[str]:
    found = []
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Dictionary | pikepdf.Stream):
                for key in obj.keys():
                    if DANGER.fullmatch(key.encode()):
                        found.append(key)
                if obj.get("/S") in (pikepdf.Name.JavaScript, pikepdf.Name.Launch):
                    found.append(str(obj.get("/S")))
        found += list(pdf.attachments)
        out = io.BytesIO()
        pdf.save(out, compress_streams=False, object_stream_mode=pikepdf.ObjectStreamMode.disable)
    found += [m.group(0).decode() for m in DANGER.finditer(out.getvalue())]
    return found


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_active_content_is_taken_out(case):
    data = HOSTILE[case]
    assert _active_content(data), "the sample carries what it should"
    prepared = uploads.prepare("diploma.pdf", data)
    assert prepared.mime == "application/pdf"
    assert _active_content(prepared.data) == []
    with pikepdf.open(io.BytesIO(prepared.data)) as pdf:
        assert len(pdf.pages) == 1  # still the same document


def test_a_plain_pdf_stays_a_pdf_and_a_broken_one_is_refused():
    plain = uploads.prepare("diploma.pdf", _pdf(lambda pdf: None))
    with pikepdf.open(io.BytesIO(plain.data)) as pdf:
        assert len(pdf.pages) == 1
    with pytest.raises(uploads.UploadRefused, match="не открывается"):
        uploads.prepare("a.pdf", b"%PDF-1.4\n1 0 obj << /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >>")
    with pytest.raises(uploads.UploadRefused, match="не открывается"):
        uploads.prepare("a.pdf", b"%PDF-1.4\n%%EOF")
