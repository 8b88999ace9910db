"""CRM exports as they come, read into deal records: one fixture per format and file shape."""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from coaching.pipeline.deals import DealRecord, DealStatus
from coaching.pipeline.formats import (
    ColumnMapping,
    FileFormat,
    ImportProblem,
    ParsedFile,
    PipelineRules,
    detect_format,
    parse_pipeline_file,
    read_headers,
)
from coaching.pipeline.samples import salesforce_report_csv

FIXTURES = Path(__file__).parent / "fixtures"


def parse_fixture(name: str, **options: object) -> ParsedFile:
    return parse_pipeline_file((FIXTURES / name).read_bytes(), **options)  # type: ignore[arg-type]


def by_line(parsed: ParsedFile) -> dict[int, DealRecord]:
    return {deal.line: deal for deal in parsed.deals}


def problems(parsed: ParsedFile) -> list[tuple[int, str]]:
    return [(problem.line, problem.column) for problem in parsed.problems]


# --- one fixture per format -------------------------------------------------------------------


def test_salesforce_report_with_bom_crlf_and_footer() -> None:
    parsed = parse_fixture("salesforce_report.csv")

    assert parsed.ok, parsed.problems
    assert parsed.format is FileFormat.SALESFORCE_REPORT
    assert parsed.encoding == "utf-8-sig"
    assert parsed.delimiter == ","
    assert parsed.headers[:3] == ["Opportunity Owner", "Account Name", "Opportunity Name"]
    assert [deal.line for deal in parsed.deals] == [2, 3, 4, 5, 6]
    assert parsed.skipped_lines == 5
    assert parsed.skipped == [
        (7, "blank line"),
        (8, "report footer"),
        (9, "report footer"),
        (10, "report footer"),
        (11, "report footer"),
    ]
    deals = by_line(parsed)
    renewal = deals[2]
    assert renewal.key == "id:0065g00000AbCdE"
    assert (renewal.name, renewal.account, renewal.stage) == (
        "Acme - Platform renewal",
        "Acme Inc.",
        "Negotiation/Review",
    )
    assert (renewal.amount_minor, renewal.currency) == (4_800_000, "USD")
    assert renewal.close_date == date(2026, 12, 15)
    assert (renewal.probability, renewal.next_step) == (80, "Send the order form")
    assert deals[3].amount_minor is None  # empty: unknown, not zero
    assert deals[4].status is DealStatus.WON and deals[4].amount_minor == 125_000_000
    assert deals[5].status is DealStatus.LOST and deals[5].amount_minor == 1_875_050
    assert deals[6].amount_minor == -50_000
    assert deals[6].close_date == date(2026, 3, 4)  # 03/04/2026: month first in a US export
    assert (parsed.won, parsed.lost) == (1, 1)
    assert parsed.open_totals() == {"USD": Decimal("47500.00")}


def test_salesforce_report_with_a_currency_column() -> None:
    parsed = parse_fixture("salesforce_report_currencies.csv")

    assert parsed.ok, parsed.problems
    assert parsed.encoding == "utf-8"
    amounts = [(deal.amount_minor, deal.currency) for deal in parsed.deals]
    assert amounts == [(2_500_000, "EUR"), (120_000, "USD"), (300_000, "GBP"), (1_500_000, "JPY")]
    assert parsed.deals[0].account == "Müller GmbH"
    assert parsed.skipped_lines == 3
    assert list(parsed.open_totals()) == ["EUR", "GBP", "JPY", "USD"]
    assert parsed.open_totals()["JPY"] == Decimal("1500000")


def test_salesforce_data_loader_export_reads_won_and_closed_flags() -> None:
    parsed = parse_fixture("salesforce_export.csv")

    assert parsed.ok, parsed.problems
    assert parsed.format is FileFormat.SALESFORCE_EXPORT
    statuses = [(deal.stage, deal.status) for deal in parsed.deals]
    assert statuses == [
        ("Negotiation", DealStatus.OPEN),
        ("Signed", DealStatus.WON),  # a custom stage name: the flags decide
        ("Not pursued", DealStatus.LOST),
        ("Discovery", DealStatus.OPEN),  # "0" and "0"
    ]
    first, second, third, fourth = parsed.deals
    assert first.account == "0015g00000Acc01"  # no account name: the account id stands in
    assert (first.amount_minor, first.probability) == (4_800_000, 80)
    assert (second.amount_minor, second.currency) == (1_875_050, "EUR")
    assert third.amount_minor == 125_000_000
    assert (fourth.amount_minor, fourth.close_date) == (None, None)


def test_salesforce_export_headers_in_mixed_case() -> None:
    data = (
        b"Id,Name,AccountId,StageName,Amount,CurrencyIsoCode,CloseDate,IsClosed,IsWon\n"
        b"006X,Renewal,001A,Closed Won,100,EUR,2026-12-15,true,true\n"
    )
    parsed = parse_pipeline_file(data)

    assert parsed.format is FileFormat.SALESFORCE_EXPORT
    assert parsed.deals[0].status is DealStatus.WON
    assert (parsed.deals[0].amount_minor, parsed.deals[0].currency) == (10_000, "EUR")


def test_hubspot_export_uses_the_default_currency_and_stage_ids() -> None:
    parsed = parse_fixture("hubspot_deals.csv", rules=PipelineRules(default_currency="eur"))

    assert parsed.ok, parsed.problems
    assert parsed.format is FileFormat.HUBSPOT
    assert {deal.currency for deal in parsed.deals} == {"EUR"}
    assert [deal.status for deal in parsed.deals] == [
        DealStatus.OPEN,
        DealStatus.WON,  # "Closed Won"
        DealStatus.LOST,  # "closedlost"
        DealStatus.OPEN,
        DealStatus.WON,  # "closedwon"
    ]
    deals = by_line(parsed)
    assert deals[2].close_date == date(2026, 12, 15)  # "2026-12-15 10:00:00"
    assert deals[3].amount_minor == 1_250_050
    assert deals[5].account == "" and deals[5].amount_minor is None
    assert deals[6].close_date == date(2026, 12, 1)  # "2026-12-01T08:00:00Z"
    assert deals[6].amount_minor == 125_000  # "1,250" in a comma file: thousands
    assert deals[2].key == "id:9001"


def test_pipedrive_export_skips_deleted_deals() -> None:
    parsed = parse_fixture("pipedrive_deals.csv")

    assert parsed.ok, parsed.problems
    assert parsed.format is FileFormat.PIPEDRIVE
    assert parsed.skipped == [(5, "deleted deal")]
    assert parsed.skipped_lines == 1
    summary = [(d.crm_id, d.status, d.amount_minor, d.currency) for d in parsed.deals]
    assert summary == [
        ("101", DealStatus.OPEN, 2_500_000, "EUR"),
        ("102", DealStatus.WON, 900_000, "USD"),
        ("103", DealStatus.LOST, 0, "EUR"),
        ("105", DealStatus.OPEN, 125_075, "GBP"),
    ]
    assert parsed.deals[0].account == "Acme Inc."
    assert parsed.deals[0].probability == 50 and parsed.deals[1].probability is None


def test_pipedrive_status_that_is_not_known_is_a_problem() -> None:
    data = b'"Deal - Title","Deal - Stage","Deal - Status"\n"A","Qualified","paused"\n'
    parsed = parse_pipeline_file(data)

    assert parsed.problems == [
        ImportProblem(2, "Deal - Status", "Status 'paused' is not open, won, lost or deleted.")
    ]


# --- file shapes ------------------------------------------------------------------------------


EUROPEAN_MAPPING = ColumnMapping(
    name="Name",
    stage="Phase",
    account="Firma",
    amount="Betrag",
    close_date="Abschluss",
    next_step="Nächster Schritt",
    probability="Wahrscheinlichkeit",
)


def test_windows_1252_semicolons_and_decimal_commas() -> None:
    rules = PipelineRules(default_currency="EUR", lost_stages=frozenset({"VERLOREN"}))
    parsed = parse_fixture("generic_european.csv", mapping=EUROPEAN_MAPPING, rules=rules)

    assert parsed.ok, parsed.problems
    assert parsed.format is FileFormat.GENERIC
    assert (parsed.encoding, parsed.delimiter) == ("cp1252", ";")
    assert parsed.headers[5] == "Nächster Schritt"
    deals = by_line(parsed)
    assert sorted(deals) == [2, 4, 5, 6]  # line 2's next step runs over two lines
    assert deals[2].account == "Müller GmbH"
    assert (deals[2].amount_minor, deals[2].currency) == (2_500_000, "EUR")  # 0x80 is €
    assert deals[2].close_date == date(2026, 12, 18)
    assert deals[2].next_step == "Angebot nachfassen;\ndann Einkauf anrufen"
    assert deals[2].probability == 50
    assert deals[4].amount_minor == 125_000_000  # 1.250.000,00 €
    assert deals[4].probability == 75  # "75 %"
    assert deals[5].amount_minor == 125_000  # "1.250" in a semicolon file: thousands
    assert deals[5].status is DealStatus.WON
    assert (deals[6].amount_minor, deals[6].status) == (98_050, DealStatus.LOST)


def test_tab_separated_with_day_first_dates_and_lower_case_currency() -> None:
    mapping = ColumnMapping(
        name="Deal",
        stage="Stage",
        account="Company",
        amount="Value",
        currency="Currency",
        close_date="Close",
        crm_id="Id",
    )
    parsed = parse_fixture("generic_tab.tsv", mapping=mapping)

    assert parsed.ok, parsed.problems
    assert (parsed.encoding, parsed.delimiter) == ("utf-8", "\t")
    renewal, pilot, services = parsed.deals
    assert (renewal.amount_minor, renewal.currency) == (480_000, "GBP")
    assert renewal.close_date == date(2026, 12, 18)
    # 18/12/2026 in the same column can only be day first, so 03/04/2026 is 3 April.
    assert pilot.close_date == date(2026, 4, 3)
    assert (pilot.amount_minor, pilot.currency) == (12_000, "GBP")  # from the £ sign
    assert (pilot.status, services.status) == (DealStatus.WON, DealStatus.LOST)
    assert (services.amount_minor, services.currency) == (None, "USD")


def test_quoted_commas_quotes_and_line_breaks_keep_physical_line_numbers() -> None:
    parsed = parse_fixture("multiline.csv")

    assert [deal.line for deal in parsed.deals] == [2, 5, 8]
    assert problems(parsed) == [(6, "Amount")]
    acme = parsed.deals[0]
    assert acme.name == "Acme, the big one"
    assert acme.account == 'Acme "Rockets" Inc.'
    assert acme.next_step == 'Call Wile E.\nthen send the "final" proposal\nby Friday'


def test_every_kind_of_row_problem_names_its_line_and_column() -> None:
    parsed = parse_fixture("problems.csv")

    assert not parsed.ok
    assert parsed.skipped == [(5, "blank line")]
    assert [(p.line, p.column, p.message) for p in parsed.problems] == [
        (3, "Amount", "Amount 'abc' is not a number"),
        (4, "Close Date", "Impossible date '13/15/2026'"),
        (6, "Close Date", "Impossible date '31.02.2026'"),
        (7, "Probability (%)", "Probability '150' is not between 0 and 100"),
        (8, "Opportunity ID", "Duplicate deal: the same CRM id '006A' is on line 2."),
        (9, "Opportunity Name", "Deal name is longer than 200 characters."),
        (10, "Stage", "Stage is empty."),
        (
            12,
            "",
            "The line has 8 values but the header has 7: "
            "does a value with a ',' in it miss its quote marks?",
        ),
    ]
    assert [deal.line for deal in parsed.deals] == [2, 11]
    hidden = parsed.deals[1]
    assert (hidden.name, hidden.account) == ("Hidden", "Acme Corp")  # bidi and BEL removed


def test_duplicates_without_ids_match_account_and_name() -> None:
    parsed = parse_fixture("duplicates_by_name.csv")

    assert [(p.line, p.column, p.message) for p in parsed.problems] == [
        (4, "Deal Name", "Duplicate deal: the same account and deal name is on line 2.")
    ]
    assert [deal.line for deal in parsed.deals] == [2, 3]


def test_over_long_texts_name_their_limit() -> None:
    data = (
        "Deal Name,Deal Stage,Associated Company,Next step\n"
        f"ok,{'s' * 81},{'a' * 201},{'n' * 501}\n"
    ).encode()
    parsed = parse_pipeline_file(data)

    assert [(p.column, p.message) for p in parsed.problems] == [
        ("Deal Stage", "Stage is longer than 80 characters."),
        ("Associated Company", "Account is longer than 200 characters."),
        ("Next step", "Next step is longer than 500 characters."),
    ]


def test_entirely_empty_rows_are_skipped_and_counted() -> None:
    data = b"Deal Name,Deal Stage\n\nA,Won\n,\n  ,\t\nB,Lost\n"
    parsed = parse_pipeline_file(data)

    assert parsed.ok, parsed.problems
    assert parsed.skipped == [(2, "blank line"), (4, "blank line"), (5, "blank line")]
    assert [deal.line for deal in parsed.deals] == [3, 6]
    assert parsed.problems == []


def test_utf16_with_byte_order_mark() -> None:
    text = "Deal Name\tDeal Stage\tAmount\nÉté\tClosed Won\t10\n"
    parsed = parse_pipeline_file(text.encode("utf-16"))

    assert (parsed.encoding, parsed.delimiter) == ("utf-16", "\t")
    assert parsed.deals[0].name == "Été"


def test_probability_over_hubspot_is_a_share_of_one() -> None:
    data = b"Deal Name,Deal Stage,Deal probability\nA,Open,0.2\nB,Open,35%\n"
    parsed = parse_pipeline_file(data)

    assert [deal.probability for deal in parsed.deals] == [20, 35]


# --- whole-file problems ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message_start"),
    [
        (b"", "The file is empty."),
        (b"\r\n\r\n", "The file has only blank lines."),
        ((FIXTURES / "header_only.csv").read_bytes(), "The file has no deals"),
        ((FIXTURES / "not_csv.txt").read_bytes(), "The first line has a single column"),
        (b"PK\x03\x04\x14\x00\x06\x00", "This looks like an Excel workbook"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "This looks like an old Excel workbook"),
        (b"%PDF-1.7\n", "This looks like a PDF document"),
        (b"Deal Name,Deal Stage\n\x00\x01\x02\x03", "The file is not text"),
        (b"Deal Name,Deal Stage\n\x81\x8d\x8f", "The file is neither UTF-8 nor Windows-1252"),
        (b'Deal Name,Deal Stage\nA,"Won\n', "A quoted value that starts on line 2 is never"),
        (b'Deal Name,Deal Stage\nA,"Won"x\n', "Line 2 has a quote mark"),
    ],
)
def test_files_that_are_not_a_pipeline_give_one_clear_problem(
    data: bytes, message_start: str
) -> None:
    parsed = parse_pipeline_file(data)

    assert parsed.deals == []
    assert len(parsed.problems) == 1
    assert parsed.problems[0].message.startswith(message_start), parsed.problems[0].message
    assert parsed.problems[0].column == ""


def test_missing_required_columns_are_named() -> None:
    data = b"Opportunity Name,Amount,Close Date,Opportunity Owner\nA,1,12/15/2026,Ana\n"
    parsed = parse_pipeline_file(data, format=FileFormat.SALESFORCE_REPORT)

    assert parsed.problems == [ImportProblem(1, "Stage", "Missing required column 'Stage'.")]
    assert parsed.deals == []
    assert parsed.format is FileFormat.SALESFORCE_REPORT  # the format asked for is kept


def test_a_mapped_column_that_is_not_in_the_file() -> None:
    mapping = ColumnMapping(name="Title", stage="Phase", amount="Value")
    parsed = parse_pipeline_file(b"Title,Phase\nA,B\n", mapping=mapping)

    assert parsed.problems == [ImportProblem(1, "Value", "Column 'Value' is not in the file.")]


def test_generic_format_without_a_mapping_asks_for_one() -> None:
    parsed = parse_pipeline_file(b"Title,Phase\nA,B\n", format=FileFormat.GENERIC)

    assert parsed.problems[0].message.startswith("Map the columns")
    assert parsed.deals == []


def test_too_many_rows_is_one_problem_naming_the_limit() -> None:
    parsed = parse_pipeline_file(salesforce_report_csv(6), max_rows=5)
    assert [p.message for p in parsed.problems] == [
        "The file has more than 5 deals; the limit is 5."
    ]
    assert parsed.deals == []

    big = parse_pipeline_file(salesforce_report_csv(20_001))
    assert [p.message for p in big.problems] == [
        "The file has more than 20,000 deals; the limit is 20,000."
    ]


def test_a_file_over_the_size_limit_is_refused() -> None:
    parsed = parse_pipeline_file(b"a,b\n" + b"x" * (5 * 1024 * 1024))
    assert parsed.problems[0].message == "The file is larger than 5 MB."


def test_garbage_never_raises() -> None:
    """Random bytes and damaged copies of the fixtures give problems, never an exception."""
    rng = random.Random(7)
    samples = [bytes(rng.randrange(256) for _ in range(rng.randrange(1, 400))) for _ in range(200)]
    for path in sorted(FIXTURES.iterdir()):
        original = bytearray(path.read_bytes())
        for _ in range(40):
            damaged = bytearray(original)
            for _ in range(rng.randrange(1, 6)):
                damaged[rng.randrange(len(damaged))] = rng.choice(b'",;\t\r\n\x00\x80$.-0123abc ')
            samples.append(bytes(damaged))
    for data in samples:
        parsed = parse_pipeline_file(data)
        assert parsed.ok or parsed.problems
        read_headers(data)


# --- detection --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fixture", "expected"),
    [
        ("salesforce_report.csv", FileFormat.SALESFORCE_REPORT),
        ("salesforce_report_currencies.csv", FileFormat.SALESFORCE_REPORT),
        ("salesforce_export.csv", FileFormat.SALESFORCE_EXPORT),
        ("hubspot_deals.csv", FileFormat.HUBSPOT),
        ("pipedrive_deals.csv", FileFormat.PIPEDRIVE),
    ],
)
def test_detection_picks_each_format_from_its_header(fixture: str, expected: FileFormat) -> None:
    headers = read_headers((FIXTURES / fixture).read_bytes())
    detection = detect_format(headers)

    assert detection.format is expected
    assert detection.confident
    assert detection.candidates[0] is expected


def test_an_unsure_header_asks_to_choose() -> None:
    detection = detect_format(["Name", "Stage"])
    assert detection.format is None
    assert not detection.confident
    assert set(detection.candidates) == {
        FileFormat.SALESFORCE_REPORT,
        FileFormat.SALESFORCE_EXPORT,
    }

    parsed = parse_pipeline_file(b"Name,Stage\nAcme,Won\n")
    assert parsed.format is None
    assert parsed.deals == []
    [problem] = parsed.problems
    assert (problem.line, problem.column) == (1, "")
    assert "Salesforce report or Salesforce Data Loader export" in problem.message
    assert "Choose the format, or map the columns" in problem.message


def test_a_header_no_crm_writes_detects_nothing() -> None:
    detection = detect_format(["Title", "Phase", "Value"])
    assert (detection.format, detection.confident, detection.candidates) == (None, False, [])


def test_a_guess_without_the_required_columns_is_not_confident() -> None:
    detection = detect_format(["Opportunity Owner", "Amount", "Close Date"])
    assert detection.format is FileFormat.SALESFORCE_REPORT
    assert not detection.confident


def test_read_headers_trims_and_survives_garbage() -> None:
    assert read_headers(b'\xef\xbb\xbf" Deal Name ";Deal Stage\r\n') == ["Deal Name", "Deal Stage"]
    assert read_headers(b"\x00\x01\x02") == []
    assert read_headers(b"") == []


# --- configuration ----------------------------------------------------------------------------


def test_column_mapping_round_trips_through_a_dict() -> None:
    mapping = ColumnMapping(name="Title", stage="Phase", amount="Value", crm_id="Id")
    assert mapping.to_dict() == {
        "name": "Title",
        "stage": "Phase",
        "amount": "Value",
        "crm_id": "Id",
    }
    assert ColumnMapping.from_dict(mapping.to_dict()) == mapping


def test_column_mapping_from_a_form_ignores_blanks_and_unknown_keys() -> None:
    form = {"name": " Title ", "stage": "Phase", "amount": "", "later_field": "x"}
    assert ColumnMapping.from_dict(form) == ColumnMapping(name="Title", stage="Phase")
    with pytest.raises(ValueError):
        ColumnMapping.from_dict({"name": "Title"})
    with pytest.raises(ValueError):
        ColumnMapping.from_dict({"name": "Title", "stage": 3})


def test_rules_compare_stage_names_casefolded() -> None:
    rules = PipelineRules(won_stages=frozenset({"Signed  Contract"}), lost_stages=frozenset())
    assert rules.status_of_stage("signed contract") is DealStatus.WON
    assert rules.status_of_stage("Closed Lost") is DealStatus.OPEN
    assert "closed won" in PipelineRules().won_stages
    assert "closedlost" in PipelineRules().lost_stages


def test_sample_report_is_read_whole() -> None:
    parsed = parse_pipeline_file(salesforce_report_csv(500))

    assert parsed.ok, parsed.problems[:3]
    assert len(parsed.deals) == 500
    assert parsed.skipped_lines == 5


def test_a_value_longer_than_any_crm_field_is_named_in_plain_words() -> None:
    huge = "x" * (200 * 1024)
    data = f'Opportunity Name,Amount,Stage\n"Acme",100,Prospecting\n"{huge}",5,Closed Won\n'
    parsed = parse_pipeline_file(data.encode())
    assert not parsed.ok
    messages = [p.message for p in parsed.problems]
    assert messages == [
        "Line 3 has a value longer than 128 KB, more than any CRM field holds: "
        "is this the export you meant to upload?"
    ]
