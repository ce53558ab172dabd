"""CSV out and in: RFC 4180 through csv.reader, UTF-8 with BOM, numbers as numbers, ISO dates,
formula injection neutralised, and the importer undoing exactly the guard the exporter adds."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from training.csvio import (
    BOM,
    CsvInvalid,
    csv_batches,
    csv_cell,
    csv_lines,
    decode_upload,
    needs_guard,
    read_csv,
    unguard,
    write_csv,
)


def parse(text: str) -> list[list[str]]:
    assert text.startswith(BOM)
    return list(csv.reader(io.StringIO(text.removeprefix(BOM), newline="")))


def test_export_round_trips_through_csv_reader_with_quotes_commas_newlines_and_unicode():
    rows = [["Ana, María", 'She said "hello"', "line one\nline two", "Nguyễn Thị Hồng", "تجربة", "x\r\ny"]]
    text = write_csv(["a", "b", "c", "d", "e", "f"], rows)
    assert parse(text) == [["a", "b", "c", "d", "e", "f"], rows[0]]


def test_export_is_utf8_with_bom_and_crlf_line_ends():
    text = write_csv(["name"], [["Zoë"]])
    assert text.startswith("\ufeff")
    assert text.encode("utf-8").startswith(b"\xef\xbb\xbf")
    assert text.endswith("Zo\u00eb\r\n") and "name\r\n" in text


def test_numbers_stay_numbers_and_dates_are_iso_8601():
    moment = datetime(2026, 3, 1, 9, 30, 5, tzinfo=UTC)
    east = datetime(2026, 3, 1, 12, 30, 5, tzinfo=timezone(timedelta(hours=3)))
    text = write_csv(
        ["n", "neg", "f", "at", "at2", "day", "none", "flag"],
        [[42, -3, 12.5, moment, east, date(2026, 3, 1), None, True]],
    )
    line = text.removeprefix(BOM).split("\r\n")[1]
    assert line == "42,-3,12.5,2026-03-01T09:30:05Z,2026-03-01T09:30:05Z,2026-03-01,,true"


@pytest.mark.parametrize(
    "value",
    [
        "=1+1",
        "+41 22 000 00 00",
        "-Ana",
        "@SUM(A1:A2)",
        "\t=1",
        "\r=1",
        "\n=1",
        "\0=1",
        '  =HYPERLINK("http://x")',
        " \t@x",
        "'=1",
        "''+2",
    ],
)
def test_cells_that_a_spreadsheet_would_evaluate_get_a_leading_quote(value):
    cell = csv_cell(value)
    assert isinstance(cell, str) and cell.startswith("'") and cell[1:] == value
    [header, row] = parse(write_csv(["v"], [[value]]))
    assert row == [cell]


@pytest.mark.parametrize("value", ["Ana", "Ministry of Interior", "5 lessons", "a=b", "x-y", "", "'quoted'", "' plain"])
def test_ordinary_text_is_left_alone(value):
    assert csv_cell(value) == value


def test_negative_numbers_are_not_treated_as_formulas():
    assert csv_cell(-5) == -5
    assert csv_cell(-0.5) == -0.5
    assert csv_cell("-5") == "'-5"  # text that looks like a number is still text


@given(st.text())
def test_import_of_export_gives_back_the_original(value):
    assert unguard(csv_cell(value)) == value


@given(st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1), min_size=1, max_size=5))
def test_whole_file_round_trip_through_the_import_parser(values):
    header = [f"c{i}" for i in range(len(values))]
    text = write_csv(header, [values])
    if not any(v.strip() for v in values):
        return  # a blank row is skipped on import by design
    table = read_csv(text, required=header, max_rows=10)
    assert [table.rows[0].values[h] for h in header] == values


TRIGGERS = set("=+-@\t\r\n\0")


@given(st.text())
def test_exported_text_never_starts_with_a_trigger(value):
    cell = csv_cell(value)
    assert cell[:1] not in TRIGGERS
    assert cell.lstrip()[:1] not in TRIGGERS
    assert needs_guard(value) == (cell != value)


def test_export_streams_in_chunks():
    chunks = list(csv_lines(["n"], ([i] for i in range(1200)), chunk_rows=500))
    assert len(chunks) == 3
    assert parse("".join(chunks))[1:] == [[str(i)] for i in range(1200)]


TEXT = st.text(alphabet=st.sampled_from('ab ,"\r\n\x00\u2028é'), max_size=3)
BATCHES = st.lists(
    st.one_of(
        st.lists(st.lists(st.one_of(TEXT, st.integers(-5, 5)), max_size=4), max_size=6),  # any rows
        st.lists(st.lists(TEXT, min_size=2, max_size=4), max_size=6),  # text rows, some to quote
        st.lists(st.lists(st.text(alphabet="ab é-", max_size=3), min_size=2, max_size=4), max_size=6),  # plain
    )
)


@settings(max_examples=300)
@given(BATCHES)
def test_batches_are_written_as_the_csv_module_writes_them(batches):
    """csv_batches joins rows of text cells that need no quotes itself: byte for byte what the
    csv module writes, for any cells (commas, quotes, line breaks, NUL, numbers, empty rows,
    rows of one empty cell), plain batches and mixed ones."""
    expected = io.StringIO()
    writer = csv.writer(expected, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(["h", "i"])
    for batch in batches:
        writer.writerows(batch)
    assert "".join(csv_batches(["h", "i"], batches, bom=False)) == expected.getvalue()


def test_a_batch_of_plain_text_is_joined_and_one_that_needs_quotes_is_quoted():
    plain = [("Ana", "ana@example.org", "3"), ("Bo", "", "0")]
    quoted = [("Ana", "Office, North", "3"), ("Bo", 'Say "hi"', "0"), ("Chen", "two\r\nlines", "1"), ("", "x", "2")]
    text = "".join(csv_batches(["name", "organisation", "units"], [plain, quoted], bom=False))
    assert text == (
        "name,organisation,units\r\nAna,ana@example.org,3\r\nBo,,0\r\n"
        'Ana,"Office, North",3\r\nBo,"Say ""hi""",0\r\nChen,"two\r\nlines",1\r\n,x,2\r\n'
    )


# --- the import parser ------------------------------------------------------------------------


def test_reader_accepts_bom_loose_header_names_and_semicolons():
    text = "\ufeff Email ;NAME;Organisation\r\nana@example.org;Ana;'=Ministry\r\n\r\nbo@example.org;Bo;\r\n"
    table = read_csv(text, required=("email", "name"), optional=("organisation",), max_rows=10)
    assert table.columns == ("email", "name", "organisation")
    assert [(r.number, r.values["organisation"]) for r in table.rows] == [(2, "=Ministry"), (4, "")]


def test_reader_reports_the_header_problems():
    with pytest.raises(CsvInvalid) as caught:
        read_csv("mail,name,shoe size\nx,y,z\n", required=("email", "name"), optional=("role",), max_rows=5)
    [problem] = caught.value.problems
    assert problem.row == 1
    assert "missing column(s) email" in problem.message and "'shoe size'" in problem.message


def test_reader_reports_rows_with_the_wrong_number_of_cells_by_row_number():
    text = "email,name\na@x.org,A\nb@x.org\nc@x.org,C,extra\n"
    with pytest.raises(CsvInvalid) as caught:
        read_csv(text, required=("email", "name"), max_rows=10)
    assert [(p.row, p.message) for p in caught.value.problems] == [
        (3, "expected 2 values, found 1."),
        (4, "expected 2 values, found 3."),
    ]


def test_reader_enforces_the_row_limit():
    text = "email,name\n" + "".join(f"u{i}@x.org,U\n" for i in range(6))
    with pytest.raises(CsvInvalid, match="more than 5 rows"):
        read_csv(text, required=("email", "name"), max_rows=5)


@pytest.mark.parametrize(
    "data, message",
    [
        (b"email,name\n\xff\xfe,x\n", "not UTF-8"),
        (b"PK\x03\x04\x00\x00binary", "not a CSV text file"),
        (b"x" * 2000, "larger than"),
    ],
)
def test_uploads_that_are_not_utf8_text_or_too_large_are_refused(data, message):
    with pytest.raises(CsvInvalid, match=message):
        decode_upload(data, max_bytes=1024)


def test_empty_files_are_refused():
    for text in ("", "   \n", "email,name\n"):
        with pytest.raises(CsvInvalid):
            read_csv(text, required=("email", "name"), max_rows=5)
