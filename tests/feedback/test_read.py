"""Reading survey exports: kit.feedback.mapping and kit.feedback.read.

Every export here is built in tmp_path from made-up answers (no real people).
"""

from __future__ import annotations

import csv
import io
from datetime import datetime

import pandas as pd
import pytest

from kit.errors import KitError
from kit.feedback.mapping import ColumnMapping, SurveyError, load_mapping
from kit.feedback.read import _parse_rating, read_export

BEFORE_EN = "Before the course: finding data on the portal"
AFTER_EN = "Now: finding data on the portal"
USEFUL_EN = "How useful was this session?"
CHANGE_EN = "What should we change?"
WISH_EN = "What data do you wish the city published?"

BEFORE_ES = "Antes del curso: encontrar datos en el portal"
AFTER_ES = "Ahora: encontrar datos en el portal"
USEFUL_ES = "¿Qué tan útil fue la sesión?"
CHANGE_ES = "¿Qué deberíamos cambiar?"
WISH_ES = "¿Qué datos le gustaría que publicara la ciudad?"


def _mapping(learner_id: str, before: str, after: str, useful: str, change: str, wish: str) -> ColumnMapping:
    return ColumnMapping(
        learner_id=learner_id,
        skills={"find-data": {"before": before, "after": after}},
        satisfaction=useful,
        comments=change,
        dataset_requests=wish,
    )


def mapping_en(learner_id: str = "Email Address") -> ColumnMapping:
    return _mapping(learner_id, BEFORE_EN, AFTER_EN, USEFUL_EN, CHANGE_EN, WISH_EN)


def mapping_es(learner_id: str) -> ColumnMapping:
    return _mapping(learner_id, BEFORE_ES, AFTER_ES, USEFUL_ES, CHANGE_ES, WISH_ES)


def write(path, rows, *, encoding="utf-8", delimiter=","):
    """Write rows as a CSV the way a form or spreadsheet would, in the given encoding."""
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


GOOGLE_EN_HEADER = ["Timestamp", "Email Address", BEFORE_EN, AFTER_EN, USEFUL_EN, CHANGE_EN, WISH_EN]


def google_en(tmp_path, rows, **kw):
    return write(tmp_path / "google_en.csv", [GOOGLE_EN_HEADER, *rows], **kw)


# -- the four form exports ----------------------------------------------------


def test_google_forms_english(tmp_path):
    path = google_en(
        tmp_path,
        [
            ["2026/10/28 3:04:05 PM GMT-5", "ana@example.org", "2", "4", "5", "More exercises", "Bus stop locations"],
            ["2026/10/28 3:10:00 PM GMT-5", "Ben@Example.org", "1 - Not at all", "4 - Quite a lot", "4", "", ""],
        ],
    )
    got = read_export(path, mapping_en())
    assert got.source == "google" and got.encoding == "utf-8"
    frame = got.responses
    assert list(frame.columns) == [
        "learner_id",
        "submitted_at",
        "find-data_before",
        "find-data_after",
        "satisfaction",
        "comments",
        "dataset_requests",
    ]
    assert list(frame["learner_id"]) == ["ana@example.org", "ben@example.org"]
    assert frame["submitted_at"][0] == pd.Timestamp("2026-10-28 20:04:05", tz="UTC")
    assert list(frame["find-data_before"]) == [2, 1] and str(frame["find-data_before"].dtype) == "Int64"
    assert list(frame["find-data_after"]) == [4, 4]
    assert frame["comments"][0] == "More exercises" and frame["comments"][1] is None
    assert (got.problems, got.unreadable_rows, got.out_of_range, got.unknown_columns) == ([], 0, 0, [])


def test_google_forms_spanish_with_bom_wrapped_headers_and_day_first_dates(tmp_path):
    header = [
        "Marca temporal",
        "Dirección de correo electrónico",
        BEFORE_ES + " ",
        AFTER_ES.replace(": ", ":\n"),
        USEFUL_ES,
        CHANGE_ES,
        WISH_ES,
    ]
    path = write(
        tmp_path / "google_es.csv",
        [
            header,
            [
                "28/10/2026 15:04:05",
                "lucia@example.org",
                "2",
                "5 - Totalmente de acuerdo",
                "5",
                "Más tiempo para practicar, por favor",
                "Permisos de construcción",
            ],
            ["03/11/2026 9:00:00", "mateo@example.org", "3", "4", "4", "Sí, más ejemplos", ""],
        ],
        encoding="utf-8-sig",
    )
    got = read_export(path, mapping_es("Dirección de correo electrónico"))
    assert got.source == "google" and got.encoding == "utf-8-sig"
    frame = got.responses
    assert list(frame["find-data_after"]) == [5, 4]
    assert frame["submitted_at"][0] == pd.Timestamp("2026-10-28 15:04:05")
    assert frame["submitted_at"][1] == pd.Timestamp("2026-11-03 09:00:00")
    assert frame["comments"][1] == "Sí, más ejemplos"
    assert frame["dataset_requests"][0] == "Permisos de construcción"
    assert got.problems == [] and got.unknown_columns == []


def test_microsoft_forms_english(tmp_path):
    path = write(
        tmp_path / "ms_en.csv",
        [
            [
                "ID",
                "Start time",
                "Completion time",
                "Email",
                "Name",
                BEFORE_EN,
                AFTER_EN,
                USEFUL_EN,
                CHANGE_EN,
                WISH_EN,
            ],
            [
                "1",
                "10/28/26 14:58:00",
                "10/28/26 15:04:05",
                "ana@example.org",
                "Ana Example",
                "2",
                "4",
                "5",
                "Shorter lectures",
                "Street trees",
            ],
            ["2", "10/28/26 14:59:00", "10/28/26 15:06:00", "ben@example.org", "Ben Example", "3", "5", "4", "", ""],
        ],
    )
    got = read_export(path, mapping_en("Email"))
    assert got.source == "microsoft"
    frame = got.responses
    assert list(frame["learner_id"]) == ["ana@example.org", "ben@example.org"]
    assert frame["submitted_at"][0] == pd.Timestamp("2026-10-28 15:04:05")
    assert list(frame["satisfaction"]) == [5, 4]
    assert got.unknown_columns == [] and got.problems == []


def test_microsoft_forms_spanish_cp1252_semicolons(tmp_path):
    path = write(
        tmp_path / "ms_es.csv",
        [
            [
                "Id.",
                "Hora de inicio",
                "Hora de finalización",
                "Correo electrónico",
                "Nombre",
                BEFORE_ES,
                AFTER_ES,
                USEFUL_ES,
                CHANGE_ES,
                WISH_ES,
            ],
            [
                "1",
                "28/10/2026 14:58",
                "28/10/2026 15:04",
                "lucia@example.org",
                "Lucía Ejemplo",
                "1",
                "4",
                "5",
                "Sí, \u201cmás\u201d ejemplos de qué hacer",
                "Baches reparados",
            ],
        ],
        encoding="cp1252",
        delimiter=";",
    )
    got = read_export(path, mapping_es("Correo electrónico"))
    assert got.source == "microsoft" and got.encoding == "cp1252"
    frame = got.responses
    assert frame["comments"][0] == "Sí, \u201cmás\u201d ejemplos de qué hacer"
    assert frame["submitted_at"][0] == pd.Timestamp("2026-10-28 15:04")
    assert list(frame["find-data_before"]) == [1]
    assert got.unknown_columns == []


# -- encodings and delimiters -------------------------------------------------


def test_cp1252_plain_csv_keeps_accents(tmp_path):
    path = write(
        tmp_path / "excel.csv",
        [
            ["Code", "submitted_at", BEFORE_EN, AFTER_EN, CHANGE_EN],
            ["R-01", "2026-10-28 15:04:05", "2", "3", "Más café, it\u2019s long"],
        ],
        encoding="cp1252",
    )
    got = read_export(path, mapping_en("Code").model_copy(update={"satisfaction": None, "dataset_requests": None}))
    assert got.source == "csv" and got.encoding == "cp1252"
    assert got.responses["comments"][0] == "Más café, it\u2019s long"
    assert list(got.responses.columns) == [
        "learner_id",
        "submitted_at",
        "find-data_before",
        "find-data_after",
        "comments",
    ]


def test_utf16_tab_separated_unicode_text(tmp_path):
    path = google_en(
        tmp_path,
        [
            [
                "2026/10/28 3:04:05 PM GMT-5",
                "ana@example.org",
                "2",
                "4",
                "5",
                "Sí, qué bien; gracias, equipo",
                "Parques",
            ],
        ],
        encoding="utf-16",
        delimiter="\t",
    )
    got = read_export(path, mapping_en())
    assert got.encoding == "utf-16" and got.source == "google"
    assert got.responses["comments"][0] == "Sí, qué bien; gracias, equipo"
    assert list(got.responses["find-data_after"]) == [4]


# -- cells and rows -----------------------------------------------------------


@pytest.mark.parametrize(
    "cell, value",
    [
        ("4", 4),
        ("4.0", 4),
        (" 4 ", 4),
        ("4 - Agree", 4),
        ("5 – Mucho", 5),
        ("1", 1),
        ("0", None),
        ("6", None),
        ("4.5", None),
        ("four", None),
        ("45", None),
        ("-3", None),
    ],
)
def test_rating_cells(cell, value):
    assert _parse_rating(cell) == value


def test_out_of_range_ratings_are_counted_and_rows_kept(tmp_path):
    path = google_en(
        tmp_path,
        [
            ["2026/10/28 3:04:05 PM GMT-5", "ana@example.org", "7", "4", "5", "", ""],
            ["2026/10/28 3:05:05 PM GMT-5", "ben@example.org", "2", "4.5", "very", "", ""],
            ["2026/10/28 3:06:05 PM GMT-5", "cai@example.org", "", "3", "4", "", ""],
        ],
    )
    got = read_export(path, mapping_en())
    assert len(got.responses) == 3
    assert got.out_of_range == 3 and got.unreadable_rows == 0
    assert got.responses["find-data_before"].isna().tolist() == [True, False, True]
    assert [(p.row, p.column, p.value) for p in got.problems] == [
        (1, BEFORE_EN, "7"),
        (2, AFTER_EN, "4.5"),
        (2, USEFUL_EN, "very"),
    ]


def test_duplicate_submissions_keep_the_last(tmp_path):
    path = google_en(
        tmp_path,
        [
            ["2026/10/28 3:30:00 PM GMT-5", "ana@example.org", "2", "5", "5", "second try", ""],
            ["2026/10/28 3:04:05 PM GMT-5", "Ana@example.org", "2", "3", "3", "first try", ""],
            ["2026/10/28 3:04:05 PM GMT-5", "ben@example.org", "1", "2", "3", "tie one", ""],
            ["2026/10/28 3:04:05 PM GMT-5", "ben@example.org", "1", "4", "4", "tie two", ""],
        ],
    )
    got = read_export(path, mapping_en())
    frame = got.responses.set_index("learner_id")
    assert got.duplicates_replaced == 2
    assert frame.loc["ana@example.org", "comments"] == "second try"
    assert frame.loc["ben@example.org", "comments"] == "tie two"
    assert {p.row for p in got.problems} == {2, 3}


def test_unreadable_rows_are_counted_and_the_rest_kept(tmp_path):
    path = google_en(
        tmp_path,
        [
            ["2026/10/28 3:04:05 PM GMT-5", "ana@example.org", "2", "4", "5", "", ""],
            ["2026/10/28 3:05:05 PM GMT-5", "ben@example.org", "2", "4"],
            ["yesterday afternoon", "cai@example.org", "2", "4", "5", "", ""],
            [],
            ["2026/10/28 3:07:05 PM GMT-5", "  ", "2", "4", "5", "", ""],
            ["2026/10/28 3:08:05 PM GMT-5", "dee@example.org", "3", "4", "5", "", ""],
        ],
    )
    got = read_export(path, mapping_en())
    assert got.unreadable_rows == 2  # too few fields, no learner id
    # a submission time that cannot be read is a warning: the row is kept
    assert got.unreadable_times == 1
    assert list(got.responses["learner_id"]) == ["ana@example.org", "cai@example.org", "dee@example.org"]
    assert [p.row for p in got.problems] == [2, 3, 5]
    assert "fields" in got.problems[0].reason and got.problems[1].value == "yesterday afternoon"


def test_unknown_columns_are_listed(tmp_path):
    path = write(
        tmp_path / "extra.csv",
        [
            [*GOOGLE_EN_HEADER, "Score", "Which session did you attend?", "Anything else?"],
            ["2026/10/28 3:04:05 PM GMT-5", "ana@example.org", "2", "4", "5", "", "", "", "Week 1", ""],
        ],
    )
    got = read_export(path, mapping_en())
    assert got.unknown_columns == ["Which session did you attend?", "Anything else?"]
    assert len(got.responses) == 1


def test_a_mapped_question_missing_from_the_header_is_reported_not_fatal(tmp_path):
    path = write(
        tmp_path / "short.csv",
        [
            GOOGLE_EN_HEADER[:5],
            ["2026/10/28 3:04:05 PM GMT-5", "ana@example.org", "2", "4", "5"],
        ],
    )
    got = read_export(path, mapping_en())
    assert got.missing_columns == [CHANGE_EN, WISH_EN]
    assert got.responses["comments"].isna().all()


def test_a_header_without_rows_gives_an_empty_table(tmp_path):
    got = read_export(google_en(tmp_path, []), mapping_en())
    assert got.responses.empty and "find-data_after" in got.responses.columns


# -- files that cannot be read at all -----------------------------------------


def _one_line_error(path, mapping) -> str:
    with pytest.raises(SurveyError) as caught:
        read_export(path, mapping)
    message = str(caught.value)
    assert "\n" not in message and str(path) in message
    assert isinstance(caught.value, KitError)
    return message


def test_binary_file_fails_clearly(tmp_path):
    path = tmp_path / "survey.xlsx"
    path.write_bytes(b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00" + bytes(range(256)) * 4)
    assert "not a text file" in _one_line_error(path, mapping_en())


def test_empty_file_fails_clearly(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"\r\n")
    assert "empty" in _one_line_error(path, mapping_en())


def test_no_mapped_column_fails_clearly_listing_the_header(tmp_path):
    path = write(
        tmp_path / "other.csv",
        [
            ["Timestamp", "Email Address", "Favourite colour"],
            ["2026/10/28 3:04:05 PM GMT-5", "ana@example.org", "green"],
        ],
    )
    message = _one_line_error(path, mapping_en())
    assert "none of the mapped columns were found" in message and "'Favourite colour'" in message


def test_missing_learner_id_column_fails_clearly(tmp_path):
    path = google_en(tmp_path, [])
    assert "learner_id" in _one_line_error(path, mapping_en("Student code"))


def test_missing_file_fails_clearly(tmp_path):
    assert "cannot be read" in _one_line_error(tmp_path / "nope.csv", mapping_en())


# -- the column mapping -------------------------------------------------------

GOOD_MAPPING = f"""\
learner_id: "Email"
skills:
  find-data: {{before: "{BEFORE_EN}", after: "{AFTER_EN}"}}
satisfaction: "{USEFUL_EN}"
comments: "{CHANGE_EN}"
dataset_requests: "{WISH_EN}"
"""


def test_load_mapping(tmp_path):
    path = tmp_path / "mapping.yaml"
    path.write_text(GOOD_MAPPING, encoding="utf-8")
    mapping = load_mapping(path)
    assert mapping.skills["find-data"].after == AFTER_EN
    assert list(mapping.columns()) == [
        "learner_id",
        "find-data_before",
        "find-data_after",
        "satisfaction",
        "comments",
        "dataset_requests",
    ]


@pytest.mark.parametrize(
    "edit, field",
    [
        (lambda t: t.replace(f'before: "{BEFORE_EN}", ', ""), "skills.find-data.before"),
        (lambda t: t + 'satisfation: "typo"\n', "satisfation"),
        (lambda t: t.replace('learner_id: "Email"\n', ""), "learner_id"),
        (lambda t: t.replace("find-data:", "Find Data:"), "skills"),
        (lambda t: t.replace(f'after: "{AFTER_EN}"', f'after: "{BEFORE_EN}"'), "skills.find-data"),
    ],
)
def test_a_bad_mapping_names_its_field(tmp_path, edit, field):
    path = tmp_path / "mapping.yaml"
    path.write_text(edit(GOOD_MAPPING), encoding="utf-8")
    with pytest.raises(SurveyError) as caught:
        load_mapping(path)
    assert caught.value.field == field
    assert f"{field}:" in str(caught.value) and "\n" not in str(caught.value)


def test_mapping_that_is_not_yaml_names_its_line(tmp_path):
    path = tmp_path / "mapping.yaml"
    path.write_text('learner_id: "Email"\nskills: [unclosed\n', encoding="utf-8")
    with pytest.raises(SurveyError, match=r"mapping\.yaml:\d+: not valid YAML"):
        load_mapping(path)


def test_timestamps_are_datetimes(tmp_path):
    got = read_export(
        google_en(tmp_path, [["2026/10/28 3:04:05 AM GMT-5", "ana@example.org", "1", "2", "3", "", ""]]), mapping_en()
    )
    assert pd.api.types.is_datetime64_any_dtype(got.responses["submitted_at"])
    assert got.responses["submitted_at"][0].to_pydatetime().replace(tzinfo=None) == datetime(2026, 10, 28, 8, 4, 5)


def test_a_pre_survey_mapping_asks_only_before(tmp_path):
    path = tmp_path / "pre.yaml"
    path.write_text(f'learner_id: Code\nskills:\n  find-data: {{before: "{BEFORE_EN}"}}\n', encoding="utf-8")
    mapping = load_mapping(path)
    assert not mapping.retrospective
    assert list(mapping.columns()) == ["learner_id", "find-data_before"]
    assert mapping_en().retrospective


@pytest.mark.parametrize(
    "before, after, label",
    [
        (BEFORE_EN, AFTER_EN, "finding data on the portal"),
        (BEFORE_ES, AFTER_ES, "encontrar datos en el portal"),
        ("Before:  Mapping\nresults?", "Now: mapping results?", "mapping results?"),
        ("How sure were you of how to ask the city?", "How sure are you today?", "How sure are you today?"),
        ("How confident are you today: finding data", None, "How confident are you today: finding data"),
    ],
)
def test_a_skills_label_is_what_its_questions_share(before, after, label):
    assert ColumnMapping(learner_id="Code", skills={"x": {"before": before, "after": after}}).skills["x"].label == label
