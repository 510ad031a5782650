"""Checks on an .xlsx archive before any spreadsheet library opens it (pure module, no Django).

An .xlsx file is a zip of XML parts, and the readers trust what is inside: python-calamine
reserves memory for a sheet's declared ``<dimension>`` and for the rectangle from A1 to its
farthest cell, so a 28 KB file with one cell at XFD1048576 asks for 512 GiB and the process
dies; a 1.7 MB file of a million compressed rows inflates to gigabytes. Nothing here trusts the
archive either: sizes are counted while the parts are inflated (not read from the headers),
and the sheet XML is scanned in chunks with regular expressions compiled from the limits, so a
normal workbook costs one C-speed pass over its sheets and nothing is held in memory beyond a
chunk.

:func:`inspect_xlsx` returns an :class:`Inspection`: ``refusal`` (a code, e.g. "too_large",
and its params) when the file must not be read at all, and the cells that hold formulas, which
the reader reports (a formula's value is whatever Excel last computed, or nothing).
"""

from __future__ import annotations

import html
import io
import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

#: Excel's own limits: a reference beyond them is never a real cell.
EXCEL_ROWS = 1_048_576
EXCEL_COLUMNS = 16_384

_CHUNK = 1 << 20
_OVERLAP = 256  # a tag cut by a chunk boundary is seen whole in the next window
_SHEET_PART = re.compile(r"^xl/worksheets/[^/]+\.xml$")
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\b[^>]*?\bref="([^"]*)"')
_REF = re.compile(r"^\$?([A-Za-z]{1,4})\$?0*([0-9]{1,8})$")
_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")
_UNREFERENCED = re.compile(rb'<(?:c|row)(?:>|/>|\s(?!r="))')
#: A merged range: openpyxl (the marked copy) makes an object for every cell it covers.
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*?\bref="([^"]*)"')
#: A cell reference in lower (or mixed) case, which readers accept and _beyond does not see.
_LOWER_REF = re.compile(rb'r="[A-Za-z]{0,3}[a-z][A-Za-z]{0,3}[0-9]')
_CELL_START = re.compile(rb"<(?:\w+:)?c\s[^>]*?\br=\"([A-Z]+[0-9]+)\"")


@dataclass(frozen=True)
class Limits:
    """How large a workbook the reader accepts (the settings give the values in production)."""

    max_rows: int = 200_000
    max_columns: int = 100  # the dictionary has 35 fields; room for notes beside them
    max_uncompressed: int = 1 << 30  # all parts together, inflated
    max_member: int = 512 << 20  # one part, inflated
    max_ratio: int = 150  # inflated / compressed size of a part ...
    ratio_from: int = 8 << 20  # ... checked for parts that inflate to more than this


@dataclass
class Inspection:
    """What :func:`inspect_xlsx` found: a refusal, or the sheets' formula cells."""

    refusal: tuple[str, dict[str, Any]] | None = None
    #: sheet name -> {cell reference ("B3"): formula text ("A1+1", "" for a shared formula)}
    formulas: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.refusal is None


class _Refused(Exception):
    def __init__(self, code: str, **params: Any):
        super().__init__(code)
        self.code = code
        self.params = params


def _letters(n: int) -> str:
    s = ""
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


def _column_number(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def _greater(s: str, first: str, digit: str, top: str) -> str:
    """A regex for the strings of a positional notation greater than ``s``: longer ones
    (``first`` then at least len(s) ``digit``), or as long with a greater digit somewhere."""
    alts = [rf"{first}{digit}{{{len(s)},}}"]
    for i, ch in enumerate(s):
        if ch != top:
            alts.append(rf"{s[:i]}[{chr(ord(ch) + 1)}-{top}]{digit}{{{len(s) - i - 1}}}")
    return "(?:" + "|".join(alts) + ")"


def _greater_number(limit: int) -> str:
    """A regex for decimal numbers (no leading zeros) greater than ``limit``."""
    return _greater(str(limit), "[1-9]", "[0-9]", "9")


def _greater_letters(limit: int) -> str:
    """A regex for column letters after column number ``limit`` (A = 1)."""
    return _greater(_letters(limit), "[A-Z]", "[A-Z]", "Z")


def _beyond(limits: Limits) -> re.Pattern[bytes]:
    """``r="..."`` of a row or cell beyond the limits (candidates, verified by :func:`_where`)."""
    rows = _greater_number(limits.max_rows)
    cols = _greater_letters(limits.max_columns)
    # Possessive quantifiers: no backtracking at each of a large sheet's millions of cells.
    return re.compile(rf'r="(?:{cols}0*+[0-9]|[A-Z]{{0,4}}+0*+{rows}")'.encode())


def _where(ref: str) -> tuple[int, int] | None:
    """(row, column) of "XFD1048576" or of a bare row number "12" (column 0)."""
    if ref.isdigit():
        return int(ref), 0
    m = _REF.match(ref)
    if m is None:
        return None
    return int(m.group(2)), _column_number(m.group(1))


def _check_extent(row: int, column: int, limits: Limits, part: str, ref: str) -> None:
    where = {"ref": ref, "part": part, "at_row": row, "at_column": _letters(column)}
    if row > limits.max_rows:
        raise _Refused("too_large", reason="rows", limit=limits.max_rows, **where)
    if column > limits.max_columns:
        raise _Refused(
            "too_large",
            reason="columns",
            limit=limits.max_columns,
            limit_column=_letters(limits.max_columns),
            **where,
        )


def _open_zip(source: str | Path | bytes | bytearray | memoryview | IO[bytes]) -> zipfile.ZipFile:
    if isinstance(source, (bytes, bytearray, memoryview)):
        return zipfile.ZipFile(io.BytesIO(bytes(source)))
    if isinstance(source, (str, Path)):
        return zipfile.ZipFile(str(source))
    return zipfile.ZipFile(source)


def inspect_xlsx(
    source: str | Path | bytes | bytearray | memoryview | IO[bytes],
    limits: Limits | None = None,
) -> Inspection:
    """Check an .xlsx archive against ``limits`` without opening it as a workbook.

    Refusals: ``unreadable`` (not a zip, a damaged part), ``too_large`` with ``reason`` one
    of ``total``, ``member``, ``ratio``, ``rows``, ``columns``.
    """
    limits = limits or Limits()
    found = Inspection()
    try:
        with _open_zip(source) as z:
            _inspect(z, limits, found)
    except _Refused as r:
        found.refusal = (r.code, r.params)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as exc:
        found.refusal = ("unreadable", {"reason": str(exc) or type(exc).__name__})
    except NotImplementedError as exc:  # e.g. a compression method zipfile does not know
        found.refusal = ("unreadable", {"reason": str(exc) or "unsupported compression"})
    return found


def _inspect(z: zipfile.ZipFile, limits: Limits, found: Inspection) -> None:
    infos = z.infolist()
    declared = 0
    for info in infos:  # the headers first: a cheap refusal of an honest bomb
        declared += info.file_size
        _check_size(info.filename, info.file_size, info.compress_size, limits)
    if declared > limits.max_uncompressed:
        raise _too_big("total", declared, limits.max_uncompressed)
    beyond = _beyond(limits)
    # The sheets are where workbook.xml says, wherever that is: a reader follows it.
    sheets = set(sheet_parts(z))
    total = 0
    for info in infos:
        if info.is_dir():
            continue
        sheet = info.filename in sheets or bool(_SHEET_PART.match(info.filename))
        total += _scan(z, info, limits, beyond, found, sheet=sheet, before=total)
    if found.formulas:
        names = sheet_parts(z)
        found.formulas = {names.get(part, part): cells for part, cells in found.formulas.items()}


def _mb(n: int) -> str:
    return f"{n / (1 << 20):,.0f}" if n >= 10 << 20 else f"{n / (1 << 20):,.1f}"


def _too_big(reason: str, size: int, limit: int, **params: Any) -> _Refused:
    return _Refused(
        "too_large", reason=reason, size=size, limit=limit, size_mb=_mb(size), limit_mb=_mb(limit),
        **params,
    )  # fmt: skip


def _check_size(name: str, size: int, compressed: int, limits: Limits) -> None:
    if size > limits.max_member:
        raise _too_big("member", size, limits.max_member, part=name)
    if size > limits.ratio_from and size > limits.max_ratio * max(compressed, 1):
        raise _Refused(
            "too_large",
            reason="ratio",
            part=name,
            ratio=size // max(compressed, 1),
            limit=limits.max_ratio,
        )


def _scan(
    z: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    limits: Limits,
    beyond: re.Pattern[bytes],
    found: Inspection,
    *,
    sheet: bool,
    before: int,
) -> int:
    """Inflate one part in chunks, counting its real size; for a sheet, check its cells."""
    size = 0
    tail = b""
    unreferenced = False  # a row or cell without r="...": it takes the next position
    first = True
    prefixed = False
    formula_tags: tuple[bytes, ...] = ()
    formulas: dict[str, str] = {}
    with z.open(info) as f:
        while chunk := f.read(_CHUNK):
            size += len(chunk)
            if size > limits.max_member:
                raise _too_big("member", size, limits.max_member, part=info.filename)
            if before + size > limits.max_uncompressed:
                raise _too_big("total", before + size, limits.max_uncompressed)
            if not sheet:
                continue
            if first:
                first = False
                # A sheet written with a namespace prefix (<x:worksheet>) prefixes its cells.
                prefixed = re.search(rb"<\w+:worksheet\b", chunk[:4096]) is not None
                formula_tags = (b"<f>", b"<f ", b":f>", b":f ") if prefixed else (b"<f>", b"<f ")
                m = _DIMENSION.search(chunk, 0, 16_384)
                if m is not None:
                    _check_dimension(m.group(1).decode("ascii", "replace"), limits, info.filename)
            window = tail + chunk
            if not unreferenced:
                m = _UNREFERENCED.search(window)
                # A tag cut at the window's end looks unreferenced; the next window has it whole.
                unreferenced = (m is not None and m.end() < len(window) - 16) or bool(
                    _LOWER_REF.search(window)
                )
            for m in beyond.finditer(window):
                start = m.start()
                if start and window[start - 1 : start] not in (b" ", b"\t", b"\n", b"\r"):
                    continue  # "r=" ending another attribute's name
                close = window.find(b'"', m.start() + 3)
                ref = window[m.start() + 3 : close].decode("ascii", "replace")
                where = _where(ref)
                if where is not None:
                    _check_extent(*where, limits, info.filename, ref)
            if window.find(b"mergeCell ") >= 0:
                for m in _MERGE.finditer(window):
                    _check_dimension(m.group(1).decode("ascii", "replace"), limits, info.filename)
            if any(window.find(tag) >= 0 for tag in formula_tags):
                _formulas(window, formulas)
            tail = window[-_OVERLAP:]
    if sheet:
        if prefixed or unreferenced:
            # Count positions one by one (no common writer leaves r out, writes it in lower
            # case or prefixes its tags, so only unusual files take this slower path).
            _check_positions(z, info, limits)
        if formulas:
            found.formulas[info.filename] = formulas
    return size


_CELL_OR_ROW = re.compile(rb"<(?:\w+:)?(row|c)(?=[\s>/])([^>]*)>")
_R_ATTR = re.compile(rb'\br="([A-Za-z]*)([0-9]*)"')


def _check_positions(z: zipfile.ZipFile, info: zipfile.ZipInfo, limits: Limits) -> None:
    """The extent of a sheet whose rows or cells lack ``r``: as a reader would place them."""
    data = z.read(info)  # already counted within max_member
    row = column = 0
    for m in _CELL_OR_ROW.finditer(data):
        ref = _R_ATTR.search(m.group(2))
        if m.group(1) == b"row":
            row = int(ref.group(2)) if ref and ref.group(2) else row + 1
            column = 0
        else:
            if ref and ref.group(1):
                column = _column_number(ref.group(1).decode())
                if ref.group(2):
                    row = int(ref.group(2))
            else:
                column += 1
        if row > limits.max_rows or column > limits.max_columns:
            _check_extent(row, column, limits, info.filename, f"{_letters(column)}{row}")


def _check_dimension(ref: str, limits: Limits, part: str) -> None:
    last = ref.rpartition(":")[2]
    where = _where(last)
    if where is None:
        return  # a malformed dimension: the cells themselves are checked
    _check_extent(*where, limits, part, ref)


def _formulas(window: bytes, out: dict[str, str]) -> None:
    """The cells of ``window`` that hold a formula: their reference and the formula's text."""
    for m in _FORMULA.finditer(window):
        start = window.rfind(b"c ", 0, m.start())
        cell = _CELL_START.match(window, start - 1) if start > 0 else None
        if cell is None and start > 0:  # a prefixed tag, "<x:c "
            cell = _CELL_START.match(window, window.rfind(b"<", 0, start))
        if cell is None:
            continue
        close = window.find(b">", m.start())
        if close < 0 or window[close - 1 : close] == b"/":
            text = b""  # <f t="shared" si="0"/>: the cell shares another cell's formula
        else:
            end = window.find(b"<", close)
            text = window[close + 1 : end] if end > 0 else b""
        out.setdefault(
            cell.group(1).decode("ascii"), html.unescape(text.decode("utf-8", "replace"))
        )


_SHEET_TAG = re.compile(r"<(?:\w+:)?sheet\b([^>]*)/?>")
_RELATIONSHIP = re.compile(r"<(?:\w+:)?Relationship\b([^>]*)/?>")
_ATTR = re.compile(r'([\w:]+)="([^"]*)"')


def sheet_parts(z: zipfile.ZipFile) -> dict[str, str]:
    """Sheet part (e.g. "xl/worksheets/sheet1.xml") -> the sheet's name, from workbook.xml."""
    try:
        workbook = z.read("xl/workbook.xml").decode("utf-8", "replace")
        rels = z.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
    except KeyError:
        return {}
    targets = {}
    for m in _RELATIONSHIP.finditer(rels):
        attrs = dict(_ATTR.findall(m.group(1)))
        target = attrs.get("Target", "")
        path = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        targets[attrs.get("Id")] = posixpath.normpath(path)
    out = {}
    for m in _SHEET_TAG.finditer(workbook):
        attrs = dict(_ATTR.findall(m.group(1)))
        rid = next((v for k, v in attrs.items() if k.endswith(":id")), None)
        if rid in targets:
            out[targets[rid]] = html.unescape(attrs.get("name", ""))
    return out
