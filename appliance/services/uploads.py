"""Evidence files: checked by their content, stored by sha256 in the uploads directory.

A photo is decoded and written again (turned upright, without EXIF data such as the place
it was taken, at most 4000 px), so what is stored is a plain image whatever was sent; a PDF
is parsed (pikepdf) and written again without scripts, actions that run or open anything by
themselves, embedded files, rich media and XFA forms, however they are spelled or compressed;
a PDF that does not parse is refused. Everything else is refused:
programs, archives, SVG, HTML. Files are written only after the whole form is checked, and
the files a failed save wrote are removed again (`Batch`).
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import threading
import unicodedata
import warnings
from dataclasses import dataclass
from pathlib import Path

from appliance.config import Settings
from appliance.files import write_atomic
from appliance.i18n import N_
from appliance.lazy import lazy
from appliance.services.errors import ServiceError

MAX_FILE_MB = 10
MAX_FILE_BYTES = MAX_FILE_MB * 1024 * 1024
MAX_FILES = 8
MAX_SIDE = 4000
PREVIEW_SIDE = 480
# The small picture lists show (the teacher's review queue): twice its 72-px box, for sharp phone screens.
THUMB_SIDE = 144
# Decoding bigger pictures is refused: a small file can unpack into gigabytes.
MAX_IMAGE_PIXELS = 60_000_000


def _limit_pixels(module) -> None:
    module.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS


# Pillow loads with the first photo, not in every worker at start.
Image = lazy("PIL.Image", ready=_limit_pixels)
ImageOps = lazy("PIL.ImageOps")
# What is decoded at full size: 4000 × 4000 points, 64 MB in memory. A larger JPEG (up to
# MAX_IMAGE_PIXELS) is decoded at half or a quarter of its size, which JPEG allows cheaply;
# a larger picture of any other kind (a PNG of 7,700 × 7,700 points can weigh 58 KB) is refused
# from its header, before decoding.
MAX_DECODED_PIXELS = 16_000_000
# Pictures decoded at once, whatever the number of uploads: each may take ~150 MB at the peak.
IMAGE_WORKERS = 2
IMAGE_WAIT_SECONDS = 60
_image_slots = threading.BoundedSemaphore(IMAGE_WORKERS)

_IMAGE_FORMATS = {"JPEG", "PNG", "WEBP", "GIF", "BMP", "TIFF", "MPO"}
_SVG_DANGER = re.compile(rb"<script|\son[a-z]+\s*=|javascript:|<foreignobject|<iframe|<embed", re.IGNORECASE)
# What a PDF may not keep: keys that hold scripts, automatic actions, embedded files, rich media, XFA.
_PDF_DROP_KEYS = {"/JS", "/JavaScript", "/AA", "/OpenAction", "/EmbeddedFiles", "/EF", "/RichMediaContent",
                  "/RichMediaSettings", "/XFA", "/AF"}
# Actions that run something, reach outside the document or send it somewhere.
_PDF_BAD_ACTIONS = {"/JavaScript", "/Launch", "/ImportData", "/SubmitForm", "/GoToE", "/GoToR",
                    "/RichMediaExecute", "/Rendition", "/Movie", "/Sound", "/SetOCGState", "/Trans", "/GoTo3DView"}
_PDF_BAD_ANNOTS = {"/FileAttachment", "/RichMedia", "/Screen", "/Movie", "/Sound", "/3D"}


class UploadRefused(ServiceError):
    status = 422


@dataclass
class Prepared:
    """A checked file, not yet on disk."""

    name: str
    data: bytes
    mime: str
    sha256: str
    width: int | None = None
    height: int | None = None
    preview: bytes | None = None

    @property
    def size(self) -> int:
        return len(self.data)


def safe_name(filename: str) -> str:
    """The last part of a file name, without directories, control characters or leading dots."""
    name = unicodedata.normalize("NFC", filename or "")
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = name.strip().lstrip(".").strip()
    if len(name) > 100:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 100 - len(ext) - 1] + dot + ext) if dot and len(ext) <= 8 else name[:100]
    return name or "файл"


def prepare(filename: str, data: bytes, *, images_only: bool = False, max_side: int = MAX_SIDE) -> Prepared:
    """Check one uploaded file by its content; raise UploadRefused with the reason. With
    `images_only` a PDF is refused too (a news photo); `max_side` bounds the stored picture."""
    name = safe_name(filename)
    if not data:
        raise UploadRefused(N_("Файл «%(name)s» пустой."), name=name)
    if len(data) > MAX_FILE_BYTES:
        raise UploadRefused(N_("Файл «%(name)s» больше %(mb)d МБ. Уменьши фото или сожми PDF."),
                            status=413, name=name, mb=MAX_FILE_MB)
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n")
    if data.startswith(b"%PDF-") and images_only:
        raise UploadRefused(N_("Файл «%(name)s» — это PDF. Сюда нужна фотография (JPEG, PNG, WebP)."), name=name)
    if data.startswith(b"%PDF-"):
        clean = clean_pdf(name, data)
        return Prepared(_with_ext(name, "pdf"), clean, "application/pdf", hashlib.sha256(clean).hexdigest())
    if data.startswith((b"MZ", b"\x7fELF", b"#!")):
        raise UploadRefused(N_("Файл «%(name)s» — это программа, а не фото или PDF. Такие файлы не принимаются."),
                            name=name)
    if head[:5].lower() in (b"<?xml", b"<svg ", b"<svg>", b"<!doc", b"<html") or b"<svg" in head.lower():
        if _SVG_DANGER.search(data):
            raise UploadRefused(N_("Файл «%(name)s» содержит скрипт — такие файлы не принимаются."), name=name)
        raise UploadRefused(N_("Файл «%(name)s» — это SVG или веб-страница. Загрузи фото (JPEG, PNG) или PDF."),
                            name=name)
    return _prepare_image(name, data, max_side)


def clean_pdf(name: str, data: bytes) -> bytes:
    """The PDF written again without active content (see the module's note); refused if it does not parse."""
    import pikepdf

    try:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            if len(pdf.pages) == 0:
                raise pikepdf.PdfError("no pages")
            seen: set = set()
            for obj in list(pdf.objects):
                _clean_pdf_object(obj, seen)
            for page in pdf.pages:
                _clean_pdf_object(page.obj, seen)
            out = io.BytesIO()
            pdf.remove_unreferenced_resources()
            pdf.save(out, fix_metadata_version=False, deterministic_id=True)
    except (pikepdf.PdfError, pikepdf.PasswordError, ValueError, RecursionError, KeyError, TypeError):
        raise UploadRefused(N_("PDF «%(name)s» не открывается: он повреждён или защищён паролем. Сохраните "
                               "документ заново как обычный PDF."), name=name) from None
    return out.getvalue()


def _clean_pdf_object(obj, seen: set, depth: int = 0) -> None:
    import pikepdf

    if depth > 64:
        raise ValueError("nested too deep")
    if not isinstance(obj, pikepdf.Object):
        return  # a number, a boolean: nothing inside
    if obj.is_indirect:
        if obj.objgen in seen:
            return
        seen.add(obj.objgen)
    if isinstance(obj, pikepdf.Array):
        for item in list(obj):
            _clean_pdf_object(item, seen, depth + 1)
        return
    if not isinstance(obj, pikepdf.Dictionary | pikepdf.Stream):
        return
    for key in list(obj.keys()):
        if key in _PDF_DROP_KEYS:
            del obj[key]
    if str(obj.get("/S", "")) in _PDF_BAD_ACTIONS:
        for key in list(obj.keys()):
            del obj[key]  # an action that does nothing: nothing of it is left
    if str(obj.get("/Type", "")) == "/EmbeddedFile" and isinstance(obj, pikepdf.Stream):
        obj.write(b"")
    annots = obj.get("/Annots")
    if isinstance(annots, pikepdf.Array):
        keep = [a for a in annots if not (isinstance(a, pikepdf.Dictionary) and str(a.get("/Subtype", "")) in _PDF_BAD_ANNOTS)]
        if len(keep) != len(annots):
            obj.Annots = pikepdf.Array(keep)
    for key in list(obj.keys()):
        _clean_pdf_object(obj[key], seen, depth + 1)


def _prepare_image(name: str, data: bytes, max_side: int = MAX_SIDE) -> Prepared:
    try:
        with warnings.catch_warnings():
            # Pillow only warns between the limit and twice it: here that is a refusal too.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(data))
        with probe:
            probe_format, (width, height) = probe.format, probe.size
            probe.verify()
        if probe_format not in _IMAGE_FORMATS:
            raise Image.UnidentifiedImageError(probe_format)
        if width * height > (Image.MAX_IMAGE_PIXELS if probe_format in ("JPEG", "MPO") else MAX_DECODED_PIXELS):
            raise Image.DecompressionBombError(f"{width}x{height}")
        if not _image_slots.acquire(timeout=IMAGE_WAIT_SECONDS):
            raise UploadRefused(N_("Сервер сейчас обрабатывает много фотографий. Попробуй ещё раз через минуту."),
                                status=503)
        try:
            return _finish_image(name, _decode_image(data, width * height), max_side)
        finally:
            _image_slots.release()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise UploadRefused(N_("Изображение «%(name)s» слишком большое по числу точек."), name=name) from None
    except (Image.UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise UploadRefused(N_("Файл «%(name)s» не похож ни на фото, ни на PDF. Принимаются JPEG, PNG, WebP, "
                               "GIF и PDF."), name=name) from None


def _decode_image(data: bytes, pixels: int) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    if pixels > MAX_DECODED_PIXELS:
        # JPEG only (checked above): decode at 1/2, 1/4 or 1/8 of the size, straight from the file.
        image.draft("RGB", (MAX_SIDE // 2, MAX_SIDE // 2))
    image.load()
    if image.width * image.height > MAX_DECODED_PIXELS:
        raise Image.DecompressionBombError(f"{image.width}x{image.height}")
    return image


def _finish_image(name: str, image: Image.Image, max_side: int = MAX_SIDE) -> Prepared:
    image = ImageOps.exif_transpose(image)
    keep_alpha = image.mode in ("RGBA", "LA", "P") and "transparency" in image.info or image.mode in ("RGBA", "LA")
    image = image.convert("RGBA" if keep_alpha else "RGB")
    image.thumbnail((max_side, max_side))
    out = io.BytesIO()
    if keep_alpha:
        image.save(out, "PNG", optimize=True)
        mime, ext = "image/png", "png"
    else:
        image.save(out, "JPEG", quality=88, optimize=True)
        mime, ext = "image/jpeg", "jpg"
    preview_image = image.convert("RGB")
    preview_image.thumbnail((PREVIEW_SIDE, PREVIEW_SIDE))
    preview = io.BytesIO()
    preview_image.save(preview, "JPEG", quality=80)
    stored = out.getvalue()
    return Prepared(_with_ext(name, ext), stored, mime, hashlib.sha256(stored).hexdigest(),
                    image.width, image.height, preview.getvalue())


def _with_ext(name: str, ext: str) -> str:
    stem, dot, old = name.rpartition(".")
    if dot and old.lower() in ("jpg", "jpeg") and ext == "jpg":
        return name
    return f"{stem if dot else name}.{ext}"


def file_path(settings: Settings, sha256: str) -> Path:
    _check_sha(sha256)
    return settings.uploads_dir / "evidence" / sha256[:2] / sha256


def preview_path(settings: Settings, sha256: str) -> Path:
    _check_sha(sha256)
    return settings.uploads_dir / "previews" / sha256[:2] / f"{sha256}.jpg"


def news_photo_path(settings: Settings, sha256: str) -> Path:
    """A news photo: kept apart from evidence, so that deleting a diploma never takes a news photo."""
    _check_sha(sha256)
    return settings.uploads_dir / "news" / sha256[:2] / sha256


def news_preview_path(settings: Settings, sha256: str) -> Path:
    _check_sha(sha256)
    return settings.uploads_dir / "news" / sha256[:2] / f"{sha256}.preview.jpg"


def thumb_path(settings: Settings, sha256: str) -> Path:
    _check_sha(sha256)
    return settings.uploads_dir / "thumbs" / sha256[:2] / f"{sha256}.jpg"


def thumbnail(settings: Settings, sha256: str) -> Path | None:
    """The small JPEG of a picture for lists, made once from its stored preview and kept beside it; None
    when the picture has no preview or the preview is not a JPEG within PREVIEW_SIDE (it is decoded only
    after that check, with the same refusal of decompression bombs as an upload)."""
    path = thumb_path(settings, sha256)
    if path.is_file():
        return path
    source = preview_path(settings, sha256)
    if not source.is_file():
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(source)
        with image:
            if image.format != "JPEG" or max(image.size) > PREVIEW_SIDE:
                return None
            image.thumbnail((THUMB_SIDE, THUMB_SIDE))
            out = io.BytesIO()
            image.convert("RGB").save(out, "JPEG", quality=75)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning, Image.UnidentifiedImageError, OSError, SyntaxError,
            ValueError):
        return None
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o750)
    write_atomic(path, out.getvalue(), mode=0o640, tmp_suffix=f".{os.getpid()}.{threading.get_ident()}.part")
    return path


def _check_sha(sha256: str) -> None:
    if not re.fullmatch(r"[0-9a-f]{64}", sha256 or ""):
        raise ValueError("not a sha256")


class Batch:
    """Writes prepared files; on an exception inside the `with`, removes the ones it created."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.created: list[Path] = []

    def __enter__(self) -> Batch:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            self.discard()

    def write(self, prepared: Prepared) -> None:
        self._write(file_path(self.settings, prepared.sha256), prepared.data)
        if prepared.preview:
            self._write(preview_path(self.settings, prepared.sha256), prepared.preview)

    def write_news_photo(self, prepared: Prepared) -> None:
        self._write(news_photo_path(self.settings, prepared.sha256), prepared.data)
        if prepared.preview:
            self._write(news_preview_path(self.settings, prepared.sha256), prepared.preview)

    def _write(self, path: Path, data: bytes) -> None:
        if path.exists():
            return
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o750)
        # Unique per thread: two students may upload the same photo at the same moment.
        write_atomic(path, data, mode=0o640, tmp_suffix=f".{os.getpid()}.{threading.get_ident()}.part")
        self.created.append(path)

    def discard(self) -> None:
        for path in self.created:
            path.unlink(missing_ok=True)
        self.created.clear()


def remove_news_photo(settings: Settings, sha256: str) -> None:
    """Delete a news photo and its preview (the caller checks no other note shows it)."""
    news_photo_path(settings, sha256).unlink(missing_ok=True)
    news_preview_path(settings, sha256).unlink(missing_ok=True)


def remove_files(settings: Settings, sha256: str) -> None:
    """Delete a stored file, its preview and thumbnail (the caller checks nothing refers to it)."""
    file_path(settings, sha256).unlink(missing_ok=True)
    preview_path(settings, sha256).unlink(missing_ok=True)
    thumb_path(settings, sha256).unlink(missing_ok=True)
