"""Reading an uploaded table (CSV as Excel saves it) for every import: class lists, events,
competency frameworks.

Text in UTF-8 (with or without BOM), UTF-16 or Windows-1251; columns split by «;», «,» or a tab
(whichever the first line has most of). Each caller gives its own size limit and the message that
names what the file should be, so a refusal speaks of the right thing.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from appliance.i18n import N_
from appliance.services.errors import ServiceError

MB = 1024 * 1024
_BINARY_SIGNATURES = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0", b"%PDF", b"\x89PNG", b"\xff\xd8\xff",
                      b"GIF8", b"MZ", b"\x7fELF")
_NOT_CSV = N_("Это не CSV-файл. В Excel выберите «Сохранить как» → «CSV (разделители — точки с запятой)».")


def decode_table(data: bytes, *, max_bytes: int, too_big: str) -> str:
    """Bytes of a CSV → text. `too_big` is the refusal for a file over `max_bytes`, with %(mb)s."""
    if len(data) > max_bytes:
        raise ServiceError(too_big, status=413, mb=max(max_bytes // MB, 1))
    if not data.strip():
        raise ServiceError(N_("Файл пустой."), status=422)
    if data.startswith(_BINARY_SIGNATURES):
        raise ServiceError(_NOT_CSV, status=415)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    if b"\x00" in data[:4096]:
        raise ServiceError(_NOT_CSV, status=415)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1251")
    except UnicodeDecodeError:
        raise ServiceError(N_("Не удалось определить кодировку файла. Сохраните его в UTF-8 или Windows-1251."),
                           status=422) from None


def table_rows(text: str) -> Iterator[list[str]]:
    """Rows of a decoded table, the delimiter taken from the first line. A table the csv module
    cannot split (a cell over its 128 KB limit, a stray NUL) is refused with the line it stopped at."""
    lines = text.splitlines()
    first = lines[0] if lines else ""
    return _Reader(csv.reader(io.StringIO(text), delimiter=max(";,\t", key=first.count)))


class _Reader:
    """csv.reader (with its `line_num`) whose errors are refusals in Russian."""

    def __init__(self, reader):
        self._reader = reader

    @property
    def line_num(self) -> int:
        return self._reader.line_num

    def __iter__(self):
        return self

    def __next__(self) -> list[str]:
        try:
            return next(self._reader)
        except csv.Error as exc:
            if "field larger" in str(exc):
                raise ServiceError(N_("Строка %(line)d таблицы: ячейка длиннее %(kb)d КБ. Проверьте, не пропущена "
                                      "ли закрывающая кавычка."), status=422, line=self.line_num,
                                   kb=csv.field_size_limit() // 1024) from None
            raise ServiceError(N_("Строка %(line)d таблицы не читается. Сохраните файл из Excel как CSV заново."),
                               status=422, line=self.line_num) from None


def read_table(data: bytes, *, max_bytes: int, too_big: str) -> Iterator[list[str]]:
    """An uploaded table's rows (the header first); refusals as in `decode_table`."""
    return table_rows(decode_table(data, max_bytes=max_bytes, too_big=too_big))

