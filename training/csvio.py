"""CSV in and out, the one place that knows the format.

Out: every report and export goes through :func:`csv_lines`, a generator (flat memory for any
number of rows) that writes UTF-8 with a byte-order mark (so Excel reads accented names),
RFC 4180 quoting through the :mod:`csv` module, numbers as numbers, ISO 8601 dates, and every
text cell neutralised against formula injection (docs/security.md EXPORT-1): a cell a spreadsheet
could read as a formula gets a leading ``'``. ``defusedcsv`` is not used because it misses
TAB, CR and NUL.

In: :func:`read_csv` parses an uploaded file strictly (UTF-8, BOM tolerated, an exact set of
column names, a row limit) and strips the guard quote again, so importing an export gives
back exactly what was exported (``unguard(csv_cell(x)) == x``).
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, cast

from .translatable import gettext

BOM = "\ufeff"
GUARD = "'"
TRIGGERS = frozenset({"=", "+", "-", "@", "\t", "\r", "\n", "\0"})
"""First characters that make Excel, LibreOffice or Sheets evaluate a cell (OWASP, ASVS 1.2.10)."""

CHUNK_ROWS = 500


# --- writing --------------------------------------------------------------------------------


def needs_guard(text: str) -> bool:
    """Whether a spreadsheet could take this text for a formula.

    The check looks past leading spaces (``"  =1"`` is evaluated too) and past guard quotes
    already there: ``"'=1"`` gets a second quote, so that stripping one on import restores
    it exactly.
    """
    bare = text.lstrip(GUARD)
    return bare[:1] in TRIGGERS or bare.lstrip()[:1] in TRIGGERS


def iso_datetime(moment: datetime) -> str:
    """ISO 8601 in UTC to the second, e.g. ``2026-03-01T09:30:00Z``."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def csv_cell(value: object) -> str | int | float | Decimal:
    """One value as a safe CSV cell: numbers stay numbers (a negative score too), dates
    become ISO 8601, text that could be read as a formula gets a leading ``'``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, Decimal)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else ""
    if isinstance(value, datetime):
        return iso_datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    return GUARD + text if needs_guard(text) else text


def safe_text(text: str) -> str:
    """A text cell as :func:`csv_cell` makes it, with a quick answer for the usual text: one
    that starts with a letter or a digit can be neither a formula nor padded to hide one."""
    if text[:1].isalnum():
        return text
    return GUARD + text if needs_guard(text) else text


def csv_lines(
    header: Sequence[str], rows: Iterable[Sequence[object]], *, bom: bool = True, chunk_rows: int = CHUNK_ROWS
) -> Iterator[str]:
    """The CSV text in chunks of ``chunk_rows`` rows, for a streamed response: memory stays
    flat however many rows there are."""

    def batches() -> Iterator[list[list[object]]]:
        batch: list[list[object]] = []
        for row in rows:
            batch.append([csv_cell(v) for v in row])
            if len(batch) >= chunk_rows:
                yield batch
                batch = []
        if batch:
            yield batch

    return csv_batches(header, batches(), bom=bom)


def csv_batches(
    header: Sequence[str], batches: Iterable[Sequence[Sequence[object]]], *, bom: bool = True
) -> Iterator[str]:
    """The CSV text one chunk per batch of rows whose cells are CSV cells already (made by
    :func:`csv_cell`, or by :func:`safe_text`, whole numbers and ISO 8601 text where an export
    of many rows makes them faster), the header with the first batch."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    if bom:
        buffer.write(BOM)
    writer.writerow([csv_cell(h) for h in header])
    for batch in batches:
        _write_batch(buffer, writer, batch)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    tail = buffer.getvalue()
    if tail:
        yield tail


def _write_batch(buffer: io.StringIO, writer: Any, batch: Sequence[Sequence[object]]) -> None:
    """``writer.writerows(batch)``, faster for rows of text cells that need no quotes: such a
    row is its cells joined with commas, which costs about a sixth of the csv module's
    writing (100,000 rows of completion.csv: 35 ms against 220 ms). Whether the batch needs
    any quotes is counted over its whole text (as many commas as there are cells between
    them, one line break between rows, no quote), and only when it does is each row looked
    at, the rows that need quotes left to the csv module. Hand-written because the csv
    module has no faster path for plain text; ``tests/test_csvio.py`` checks it writes what
    the csv module writes for any text."""
    try:
        lines = list(map(",".join, cast(Sequence[Sequence[str]], batch)))
    except TypeError:  # a cell that is not text (a number): the csv module writes it
        writer.writerows(batch)
        return
    rows = len(lines)
    text = "\r\n".join(lines)
    if (
        rows
        and '"' not in text
        and text.count(",") == sum(map(len, batch)) - rows
        and text.count("\n") == rows - 1 == text.count("\r")
        and min(map(len, batch)) > 1  # a row of one empty cell is written ""
    ):
        buffer.write(text)
        buffer.write("\r\n")
        return
    for row, line in zip(batch, lines, strict=True):
        if (
            len(row) > 1
            and line.count(",") == len(row) - 1
            and '"' not in line
            and "\r" not in line
            and "\n" not in line
        ):
            buffer.write(line)
            buffer.write("\r\n")
        else:
            writer.writerow(row)


def write_csv(header: Sequence[str], rows: Iterable[Sequence[object]], *, bom: bool = True) -> str:
    """The whole CSV as one string (for files and tests; the web streams :func:`csv_lines`)."""
    return "".join(csv_lines(header, rows, bom=bom))


# --- reading --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CsvProblem:
    """What is wrong, and where: ``row`` counts the header as row 1, as a spreadsheet does;
    None for the file as a whole."""

    row: int | None
    message: str

    def __str__(self) -> str:
        return (
            gettext("Row %(row)s: %(message)s", row=self.row, message=self.message)
            if self.row is not None
            else self.message
        )


class CsvInvalid(ValueError):
    """The file cannot be read as the expected CSV; ``problems`` says why, row by row."""

    def __init__(self, problems: Sequence[CsvProblem]) -> None:
        super().__init__("; ".join(str(p) for p in problems[:5]))
        self.problems = tuple(problems)


@dataclass(frozen=True, slots=True)
class CsvRow:
    number: int
    """The row's number in the file, header = 1."""
    values: dict[str, str]


@dataclass(frozen=True, slots=True)
class CsvTable:
    columns: tuple[str, ...]
    rows: tuple[CsvRow, ...]


def unguard(text: str) -> str:
    """Remove the one guard quote :func:`csv_cell` adds (and nothing else)."""
    if text.startswith(GUARD) and needs_guard(text[1:]):
        return text[1:]
    return text


def column_key(name: str) -> str:
    """Header names compared loosely: ``" Organisation "`` and ``organisation`` are one column."""
    return "_".join(name.strip().casefold().replace("-", " ").split())


def decode_upload(data: bytes, max_bytes: int) -> str:
    """Bytes to text: at most ``max_bytes``, UTF-8 (with or without BOM), no NUL bytes."""
    if len(data) > max_bytes:
        raise CsvInvalid(
            [
                CsvProblem(
                    None,
                    gettext(
                        "The file is larger than %(size)s KB. Split it into smaller files.", size=max_bytes // 1024
                    ),
                )
            ]
        )
    if b"\x00" in data:
        raise CsvInvalid(
            [CsvProblem(None, gettext("This is not a CSV text file. Save the sheet as “CSV UTF-8” and try again."))]
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CsvInvalid(
            [
                CsvProblem(
                    None,
                    gettext("The file is not UTF-8 text. In your spreadsheet, save it as “CSV UTF-8” and try again."),
                )
            ]
        ) from None


def _delimiter(first_line: str) -> str:
    """Commas, or the semicolons and tabs that some spreadsheet locales write instead."""
    if "," in first_line:
        return ","
    if ";" in first_line:
        return ";"
    return "\t" if "\t" in first_line else ","


def read_csv(text: str, *, required: Collection[str], optional: Collection[str] = (), max_rows: int) -> CsvTable:
    """Parse an import file: the header must name every ``required`` column and nothing
    outside ``required`` and ``optional``; every row must have as many cells as the header.
    Blank rows are skipped. Raises :class:`CsvInvalid` listing every structural problem."""
    text = text.removeprefix(BOM)
    if not text.strip():
        raise CsvInvalid([CsvProblem(None, gettext("The file is empty."))])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text.split("\n", 1)[0]), strict=True)
    problems: list[CsvProblem] = []
    rows: list[CsvRow] = []
    try:
        header = next(reader)
        columns = tuple(column_key(h) for h in header)
        allowed = set(required) | set(optional)
        unknown = [h for h, key in zip(header, columns, strict=True) if key not in allowed]
        missing = [name for name in required if name not in columns]
        duplicates = sorted({key for key in columns if columns.count(key) > 1})
        if unknown or missing or duplicates:
            expected = ", ".join([*required, *optional])
            parts = []
            if missing:
                parts.append(gettext("missing column(s) %(columns)s", columns=", ".join(missing)))
            if unknown:
                parts.append(
                    gettext("unknown column(s) %(columns)s", columns=", ".join(repr(u.strip()) for u in unknown))
                )
            if duplicates:
                parts.append(gettext("repeated column(s) %(columns)s", columns=", ".join(duplicates)))
            message = gettext(
                "The header row has %(problems)s. Expected: %(columns)s.", problems="; ".join(parts), columns=expected
            )
            raise CsvInvalid([CsvProblem(1, message)])
        for number, cells in enumerate(reader, start=2):
            if not any(cell.strip() for cell in cells):
                continue
            if len(rows) >= max_rows:
                raise CsvInvalid(
                    [
                        CsvProblem(
                            None,
                            gettext("The file has more than %(max)s rows. Split it into smaller files.", max=max_rows),
                        )
                    ]
                )
            if len(cells) != len(columns):
                problems.append(
                    CsvProblem(
                        number,
                        gettext(
                            "expected %(expected)s values, found %(found)s.", expected=len(columns), found=len(cells)
                        ),
                    )
                )
                continue
            rows.append(CsvRow(number, {key: unguard(cell) for key, cell in zip(columns, cells, strict=True)}))
    except csv.Error as exc:
        problems.append(
            CsvProblem(
                None,
                gettext("Line %(line)s: the file is not valid CSV here (%(error)s).", line=reader.line_num, error=exc),
            )
        )
    except StopIteration:
        raise CsvInvalid([CsvProblem(None, gettext("The file is empty."))]) from None
    if problems:
        raise CsvInvalid(problems)
    if not rows:
        raise CsvInvalid([CsvProblem(None, gettext("The file has a header row but no data rows."))])
    return CsvTable(columns, tuple(rows))
