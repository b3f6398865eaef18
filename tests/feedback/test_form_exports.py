"""Survey exports written the way Google Forms and Microsoft Forms write them: their submission
times in English, Spanish and Brazilian Portuguese locales, in UTF-8, UTF-16 and Windows-1252, and what happens to a
submission time that cannot be read (the row is kept; only the order of its duplicates changes).

Every export here is built in tmp_path from made-up answers (no real people).
"""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest

from kit.data.syllabus import load_syllabus
from kit.feedback.catalogs import bundled_catalog
from kit.feedback.cohort import CohortInputs, analyse
from kit.feedback.log import FeedbackLog
from kit.feedback.mapping import ColumnMapping
from kit.feedback.read import ZONES, read_export
from kit.feedback.report import write_report

QUESTIONS = {
    "en": (
        "Before the course: finding data on the portal",
        "Now: finding data on the portal",
        "What should we change?",
    ),
    "es": ("Antes del curso: encontrar datos en el portal", "Ahora: encontrar datos en el portal", "¿Qué cambiaría?"),
    "pt": ("Antes do curso: encontrar dados no portal", "Agora: encontrar dados no portal", "O que deveríamos mudar?"),
}
SKILL = {"en": "finding data on the portal", "es": "encontrar datos en el portal", "pt": "encontrar dados no portal"}
CODE = {"en": "Your learner code", "es": "Su código de participante", "pt": "Seu código de participante"}
# The form tools' own columns as their exports write them (pt: a pt-BR Google account; Microsoft
# Forms in Portuguese, whose newer exports add "Hora da última modificação" after "Nome").
GOOGLE = {"en": ["Timestamp"], "es": ["Marca temporal"], "pt": ["Carimbo de data/hora"]}
MICROSOFT = {
    "en": ["ID", "Start time", "Completion time", "Email", "Name"],
    "es": ["Id.", "Hora de inicio", "Hora de finalización", "Correo electrónico", "Nombre"],
    "pt": ["ID", "Hora de início", "Hora de conclusão", "Email", "Nome"],
}


def mapping(lang: str) -> ColumnMapping:
    before, after, change = QUESTIONS[lang]
    return ColumnMapping(
        learner_id=CODE[lang], skills={"find-data": {"before": before, "after": after}}, comments=change
    )


def write(path, rows, encoding="utf-8", delimiter=","):
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def google_export(path, lang, stamps, encoding="utf-8", delimiter=","):
    """Google Forms: the submission time first, then the questions; one learner per stamp."""
    header = [*GOOGLE[lang], CODE[lang], *QUESTIONS[lang]]
    rows = [[stamp, f"AB{i:02d}CD", "2", "4", f"comentario {i}"] for i, stamp in enumerate(stamps)]
    return write(path, [header, *rows], encoding, delimiter)


def microsoft_export(path, lang, stamps, encoding="utf-8-sig", delimiter=","):
    """Microsoft Forms: ID, start and completion times, anonymous email, name, then the questions."""
    header = [*MICROSOFT[lang], CODE[lang], *QUESTIONS[lang]]
    rows = [
        [str(i + 1), start, done, "anonymous", "", f"AB{i:02d}CD", "2", "4", f"comment {i}"]
        for i, (start, done) in enumerate(stamps)
    ]
    return write(path, [header, *rows], encoding, delimiter)


def utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


# (form, lang, encoding, delimiter, stamps as written, submitted_at as read)
GOOGLE_CASES = {
    "google-en-pacific": (
        "en",
        "utf-8",
        ",",
        ["2027/03/01 6:10:00 PM PST", "2027/03/14 6:10:00 PM PDT"],
        [utc("2027-03-02 02:10"), utc("2027-03-15 01:10")],
    ),
    "google-en-eastern-central-utf16": (
        "en",
        "utf-16",
        "\t",
        ["2027/03/01 6:10:00 PM EST", "2027/03/01 9:05:00 AM CDT"],
        [utc("2027-03-01 23:10"), utc("2027-03-01 14:05")],
    ),
    "google-en-narrow-space-mountain-alaska-hawaii": (
        "en",
        "utf-8",
        ",",
        ["2027/03/01 6:10:00\u202fPM MST", "2027/03/01 6:10:00\u202fAM AKST", "2027/03/01 12:00:00\u202fPM HST"],
        [utc("2027-03-02 01:10"), utc("2027-03-01 15:10"), utc("2027-03-01 22:00")],
    ),
    "google-en-offsets-cp1252": (
        "en",
        "cp1252",
        ";",
        ["2027/03/01 6:10:00 PM GMT-8", "2027/03/01 6:10:00 PM GMT-3:30", "2027/03/01 6:10:00 PM GMT"],
        [utc("2027-03-02 02:10"), utc("2027-03-01 21:40"), utc("2027-03-01 18:10")],
    ),
    "google-es-offsets": (
        "es",
        "utf-8",
        ",",
        [
            "2027/03/01 6:10:00 p.\u00a0m. GMT-8",
            "2027/03/01 6:10:00 a.\u00a0m. GMT-6",
            "2027/03/01 6:10:00 p. m. GMT-5",
        ],
        [utc("2027-03-02 02:10"), utc("2027-03-01 12:10"), utc("2027-03-01 23:10")],
    ),
    "google-es-abbreviations-utf16": (
        "es",
        "utf-16",
        "\t",
        ["2027/03/01 6:10:00 p. m. CST", "2027/03/01 6:10:00 p. m. AST", "2027/03/01 6:10:00 p. m. ART"],
        [utc("2027-03-02 00:10"), utc("2027-03-01 22:10"), utc("2027-03-01 21:10")],
    ),
    "google-es-spain-cp1252": (
        "es",
        "cp1252",
        ";",
        ["2027/03/01 18:10:00 CET", "2027/07/01 18:10:00 CEST"],
        [utc("2027-03-01 17:10"), utc("2027-07-01 16:10")],
    ),
    "sheets-en-month-first": (
        "en",
        "utf-8",
        ",",
        ["3/1/2027 18:10:00", "3/2/2027 9:05:00"],
        [pd.Timestamp("2027-03-01 18:10"), pd.Timestamp("2027-03-02 09:05")],
    ),
    "sheets-es-day-first-cp1252": (
        "es",
        "cp1252",
        ";",
        ["1/3/2027 18:10:00", "2/3/2027 9:05:00"],
        [pd.Timestamp("2027-03-01 18:10"), pd.Timestamp("2027-03-02 09:05")],
    ),
    # a pt-BR Google account: dd/mm/yyyy and a 24-hour clock, no zone; nothing in the
    # dates says which comes first (no part above 12): the header's language decides
    "google-pt-br-day-first": (
        "pt",
        "utf-8",
        ",",
        ["05/12/2026 14:03:22", "03/04/2026 09:15:00", "12/01/2027 8:05:09"],
        [pd.Timestamp("2026-12-05 14:03:22"), pd.Timestamp("2026-04-03 09:15"), pd.Timestamp("2027-01-12 08:05:09")],
    ),
    "google-pt-br-day-first-cp1252-semicolons": (
        "pt",
        "cp1252",
        ";",
        ["03/04/2026 18:10:00", "04/03/2026 18:10:00"],
        [pd.Timestamp("2026-04-03 18:10"), pd.Timestamp("2026-03-04 18:10")],
    ),
}


@pytest.mark.parametrize("case", list(GOOGLE_CASES))
def test_google_forms_submission_times(tmp_path, case):
    lang, encoding, delimiter, stamps, expected = GOOGLE_CASES[case]
    path = google_export(tmp_path / f"{case}.csv", lang, stamps, encoding, delimiter)
    got = read_export(path, mapping(lang))
    assert got.source == "google"
    assert got.problems == [] and got.unreadable_rows == 0 and got.unreadable_times == 0
    assert list(got.responses["submitted_at"]) == expected
    assert list(got.responses["find-data_after"]) == [4] * len(stamps)


MICROSOFT_CASES = {
    "microsoft-en-two-digit-year": (
        "en",
        "utf-8-sig",
        ",",
        [("3/1/27 18:02:00", "3/1/27 18:10:00"), ("3/2/27 9:00:00", "3/2/27 9:05:00")],
        [pd.Timestamp("2027-03-01 18:10"), pd.Timestamp("2027-03-02 09:05")],
    ),
    "microsoft-en-twelve-hour-utf16": (
        "en",
        "utf-16",
        "\t",
        [("3/1/2027 6:02:00 PM", "3/1/2027 6:10:05 PM"), ("3/2/2027 9:00:00 AM", "3/2/2027 9:05:00 AM")],
        [pd.Timestamp("2027-03-01 18:10:05"), pd.Timestamp("2027-03-02 09:05")],
    ),
    "microsoft-es-day-first-cp1252": (
        "es",
        "cp1252",
        ";",
        [("1/3/2027 18:02:00", "1/3/2027 18:10:05"), ("02/03/27 9:00", "02/03/27 9:05")],
        [pd.Timestamp("2027-03-01 18:10:05"), pd.Timestamp("2027-03-02 09:05")],
    ),
    "microsoft-pt-day-first": (
        "pt",
        "utf-8-sig",
        ",",
        [("03/04/2026 14:01:10", "03/04/2026 14:03:22"), ("05/12/2026 09:00:00", "05/12/2026 09:05:00")],
        [pd.Timestamp("2026-04-03 14:03:22"), pd.Timestamp("2026-12-05 09:05")],
    ),
    "microsoft-pt-day-first-utf16": (
        "pt",
        "utf-16",
        "\t",
        [("03/04/2026 14:01", "03/04/2026 14:03"), ("04/03/2026 9:00", "04/03/2026 9:05")],
        [pd.Timestamp("2026-04-03 14:03"), pd.Timestamp("2026-03-04 09:05")],
    ),
}


@pytest.mark.parametrize("case", list(MICROSOFT_CASES))
def test_microsoft_forms_completion_times(tmp_path, case):
    lang, encoding, delimiter, stamps, expected = MICROSOFT_CASES[case]
    path = microsoft_export(tmp_path / f"{case}.csv", lang, stamps, encoding, delimiter)
    got = read_export(path, mapping(lang))
    assert got.source == "microsoft" and got.encoding == encoding
    assert got.problems == [] and got.unreadable_times == 0
    assert list(got.responses["submitted_at"]) == expected


def test_a_portuguese_google_export_with_emails_and_a_score_has_no_unknown_columns(tmp_path):
    before, after, change = QUESTIONS["pt"]
    path = write(
        tmp_path / "google-pt.csv",
        [
            ["Carimbo de data/hora", "Endereço de e-mail", "Pontuação", CODE["pt"], before, after, change],
            ["03/04/2026 14:03:22", "ana@example.org", "", "AN03SA", "2", "4", "Mais exemplos do nosso bairro"],
        ],
    )
    got = read_export(path, mapping("pt"))
    assert got.source == "google" and got.unknown_columns == [] and got.problems == []
    assert list(got.responses["submitted_at"]) == [pd.Timestamp("2026-04-03 14:03:22")]


def test_a_newer_portuguese_microsoft_export_with_its_last_modified_column(tmp_path):
    header = [*MICROSOFT["pt"], "Hora da última modificação", CODE["pt"], *QUESTIONS["pt"]]
    rows = [["1", "03/04/2026 14:01:10", "03/04/2026 14:03:22", "anônimo", "", "", "AN03SA", "2", "4", "nada"]]
    got = read_export(write(tmp_path / "ms-pt.csv", [header, *rows], "utf-8-sig"), mapping("pt"))
    assert got.source == "microsoft" and got.unknown_columns == [] and got.problems == []
    assert list(got.responses["submitted_at"]) == [pd.Timestamp("2026-04-03 14:03:22")]


def test_an_anonymous_portuguese_response_is_not_a_learner(tmp_path):
    header = [*MICROSOFT["pt"], *QUESTIONS["pt"]]
    rows = [["1", "03/04/2026 14:01", "03/04/2026 14:03", "anônimo", "", "2", "4", ""]]
    mapped = ColumnMapping(
        learner_id="Email", skills={"find-data": {"before": QUESTIONS["pt"][0], "after": QUESTIONS["pt"][1]}}
    )
    got = read_export(write(tmp_path / "ms-pt.csv", [header, *rows], "utf-8-sig"), mapped)
    assert got.unreadable_rows == 1 and "anonymous response" in got.problems[0].reason


def test_columns_english_and_portuguese_share_leave_english_dates_month_first(tmp_path):
    # "ID" and "Email" are the same in both; "Completion time" says the export is English
    header = ["ID", "Start time", "Completion time", "Email", "Name", CODE["en"], *QUESTIONS["en"]]
    rows = [["1", "3/4/2026 14:01", "3/4/2026 14:03", "anonymous", "", "AB01CD", "2", "4", ""]]
    got = read_export(write(tmp_path / "ms-en.csv", [header, *rows], "utf-8-sig"), mapping("en"))
    assert list(got.responses["submitted_at"]) == [pd.Timestamp("2026-03-04 14:03")]


def test_every_zone_in_the_table_is_read_with_its_offset(tmp_path):
    names = sorted(ZONES)
    path = google_export(tmp_path / "zones.csv", "en", [f"2027/03/01 12:00:00 PM {name}" for name in names])
    got = read_export(path, mapping("en"))
    assert got.problems == []
    expected = [utc("2027-03-01 12:00") - pd.Timedelta(hours=ZONES[name]) for name in names]
    assert list(got.responses["submitted_at"]) == expected


# -- a submission time that cannot be read --------------------------------------------


def test_an_unreadable_submission_time_keeps_the_row_and_is_listed(tmp_path):
    before, after, change = QUESTIONS["en"]
    path = write(
        tmp_path / "google-en.csv",
        [
            ["Timestamp", CODE["en"], before, after, change],
            ["2027/03/01 6:10:00 PM XST", "AA01AA", "1", "3", "unknown zone"],
            ["sometime on Tuesday", "BB02BB", "2", "4", "no date at all"],
            ["2027/13/45 6:10:00 PM PST", "CC03CC", "3", "5", "no such day"],
            ["", "DD04DD", "2", "5", "blank"],
            ["2027/03/01 6:12:00 PM PST", "EE05EE", "1", "2", "readable"],
        ],
    )
    got = read_export(path, mapping("en"))
    assert list(got.responses["learner_id"]) == ["AA01AA", "BB02BB", "CC03CC", "DD04DD", "EE05EE"]
    assert list(got.responses["find-data_after"]) == [3, 4, 5, 5, 2]
    assert got.unreadable_rows == 0 and got.unreadable_times == 4
    assert [(p.row, p.column, p.value) for p in got.problems] == [
        (1, "Timestamp", "2027/03/01 6:10:00 PM XST"),
        (2, "Timestamp", "sometime on Tuesday"),
        (3, "Timestamp", "2027/13/45 6:10:00 PM PST"),
        (4, "Timestamp", None),
    ]
    assert all("the submission time cannot be read" in p.reason and "kept" in p.reason for p in got.problems)
    assert got.responses["submitted_at"].isna().tolist() == [True, True, True, True, False]


def test_duplicates_with_an_unreadable_time_keep_the_last_in_file_order(tmp_path):
    before, after, change = QUESTIONS["es"]
    path = write(
        tmp_path / "google-es.csv",
        [
            ["Marca temporal", CODE["es"], before, after, change],
            ["2027/03/01 7:00:00 p. m. PST", "AA01AA", "1", "3", "primero"],
            ["ayer", "aa 01 aa", "1", "4", "segundo, sin hora"],
            ["2027/03/01 8:00:00 p. m. PST", "BB02BB", "2", "4", "más tarde"],
            ["2027/03/01 6:00:00 p. m. PST", "BB02BB", "2", "3", "más temprano"],
        ],
        encoding="utf-16",
        delimiter="\t",
    )
    got = read_export(path, mapping("es"))
    comments = dict(zip(got.responses["learner_id"], got.responses["comments"]))
    # AA01AA: one of its times cannot be read, so the file's order decides: the second row wins
    # BB02BB: both times are readable, so the later submission wins, wherever it is in the file
    assert comments == {"AA01AA": "segundo, sin hora", "BB02BB": "más tarde"}
    assert got.duplicates_replaced == 2 and got.unreadable_times == 1
    assert [(p.row, p.column) for p in got.problems] == [(2, "Marca temporal"), (1, "learner_id"), (4, "learner_id")]


KIND = {"en": "post survey", "es": "encuesta de cierre", "pt": "pesquisa de encerramento"}


@pytest.mark.parametrize(
    "lang, counted",
    [("en", "1 submission times not readable"), ("es", "1 horas de envío"), ("pt", "1 horários de envio ilegíveis")],
)
def test_the_report_counts_and_lists_unreadable_submission_times(tmp_path, lang, counted):
    path = google_export(tmp_path / "google.csv", lang, ["2027/03/01 6:10:00 PM PST", "el martes"])
    inputs = CohortInputs(
        cohort="c",
        city="Riverton",
        modules=[load_syllabus().module(1)],
        skills=[],
        languages=["en"],
        post=[read_export(path, mapping(lang))],
        catalog=bundled_catalog(),
    )
    with FeedbackLog(tmp_path / "log.sqlite") as log:
        md = write_report(analyse(inputs), log, tmp_path / "out", lang).markdown.read_text(encoding="utf-8")
    assert f"| `google.csv` | {KIND[lang]} (google) | 2 |" in md
    assert counted in md
    assert f"| `google.csv` | 2 | {GOOGLE[lang][0]} | el martes |" in md


# -- end to end: no cohort vanishes ---------------------------------------------------


def _mapping_file(path, lang):
    before, after, change = QUESTIONS[lang]
    path.write_text(
        f'learner_id: "{CODE[lang]}"\n'
        f'skills:\n  find-data: {{before: "{before}", after: "{after}"}}\n'
        f'comments: "{change}"\n',
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize(
    "form, lang, encoding, delimiter, stamps",
    [
        ("google", "en", "utf-8", ",", ["2027/03/01 6:10:00 PM PST", "2027/03/01 6:11:00 PM PST", "later"]),
        ("google", "es", "utf-16", "\t", ["2027/03/01 6:10:00 p. m. CST", "2027/03/01 6:11:00 p. m. CST"]),
        ("microsoft", "es", "cp1252", ";", [("1/3/2027 18:02:00", "1/3/2027 18:10:05"), ("2/3/2027 9:00", "")]),
        ("google", "pt", "utf-8", ",", ["05/12/2026 14:03:22", "03/04/2026 09:15:00"]),
        ("microsoft", "pt", "utf-8-sig", ",", [("03/04/2026 14:01:10", "03/04/2026 14:03:22"), ("", "")]),
    ],
)
def test_every_learner_of_an_export_reaches_the_report(tmp_path, form, lang, encoding, delimiter, stamps):
    from helpers import REPO

    from kit.feedback import workflow

    write_export = google_export if form == "google" else microsoft_export
    survey = write_export(tmp_path / "export.csv", lang, stamps, encoding, delimiter)
    analysis, files = workflow.build_report(
        cohort="c",
        surveys=[survey],
        mappings=[_mapping_file(tmp_path / "mapping.yaml", lang)],
        plan=REPO / "plans" / "riverton.yaml",
        grades=False,
        log=tmp_path / "log.sqlite",
        outputs={lang: tmp_path / "out"},
    )
    assert analysis.respondents == len(stamps)
    assert [(g.skill, g.n) for g in analysis.gains] == [("find-data", len(stamps))]
    md = files[0].markdown.read_text(encoding="utf-8")
    assert f"| {len(stamps)} / {len(stamps)} |" in md
    assert f"| {SKILL[lang]} | {len(stamps)} | 2.0 | 4.0 | +2.0 | 100% |" in md
