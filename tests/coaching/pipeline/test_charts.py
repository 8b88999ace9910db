"""Charts: well-formed SVG with a text alternative, the same numbers as a table, nothing unsafe."""

from __future__ import annotations

import random
import re
import xml.etree.ElementTree as ET
from datetime import date

import pytest

from coaching.pipeline.charts import (
    BAR_COLOUR,
    WIDTH,
    Chart,
    close_dates_by_month,
    pipeline_by_stage,
    pipeline_waterfall,
)
from coaching.pipeline.deals import DealStatus
from coaching.pipeline.diff import waterfall
from coaching.pipeline.wording import MINUS, format_money

from .sample_deals import changed, deal, random_snapshot

SVG = "{http://www.w3.org/2000/svg}"
TODAY = date(2025, 2, 14)
HOSTILE = '<script>alert("x")</script> & "Co" \'quoted\''


def parse(chart: Chart) -> ET.Element:
    root = ET.fromstring(chart.svg)  # raises on anything not well-formed
    assert root.tag == SVG + "svg"
    assert root.get("role") == "img"
    assert root.get("width") == "100%"
    assert root.get("viewBox", "").startswith(f"0 0 {WIDTH} ")
    title_id, desc_id = root.get("aria-labelledby", "").split()
    assert root.find(SVG + "title").get("id") == title_id
    assert root.find(SVG + "title").text == chart.title
    assert root.find(SVG + "desc").get("id") == desc_id
    assert root.find(SVG + "desc").text == chart.summary
    return root


def bars(root: ET.Element) -> list[ET.Element]:
    return [r for r in root.iter(SVG + "rect") if "chart-bar" in r.get("class", "").split()]


def units(cell: str) -> int:
    """`EUR 1,250` -> 1250, `−EUR 5` -> -5."""
    number = int(re.sub(r"[^0-9]", "", cell))
    return -number if cell.startswith(MINUS) else number


def assert_safe(chart: Chart) -> None:
    assert "<script" not in chart.svg
    attributes = {name for e in ET.fromstring(chart.svg).iter() for name in e.attrib}
    assert "style" not in attributes
    assert not [name for name in attributes if name.startswith("on")], "no event handlers"


def assert_neutral_colours(root: ET.Element) -> None:
    fills = {e.get("fill") for e in root.iter() if e.get("fill")}
    allowed = {BAR_COLOUR, "#ffffff", "currentColor"}
    assert {f for f in fills if not f.startswith("url(#")} <= allowed, fills


def assert_inside_the_view_box(root: ET.Element) -> None:
    for element in root.iter():
        for name in ("x", "x1", "x2"):
            if element.get(name) is not None:
                assert 0 <= float(element.get(name)) <= WIDTH
        if element.tag == SVG + "rect" and element.get("x") is not None:
            assert float(element.get("x")) + float(element.get("width")) <= WIDTH + 0.1


STAGE_ORDER = ["Qualify", "Discover", "Propose"]


def stage_deals() -> list:
    return [
        deal("A", stage="Propose", amount_minor=1_250_000_00),
        deal("B", stage="discover", amount_minor=200_000_00),
        deal("C", stage="Discover", amount_minor=None),
        deal("D", stage="Pilot", amount_minor=50_00),
        deal("E", stage="Propose", status=DealStatus.WON, amount_minor=9_000_00),
        deal("F", stage="Qualify", currency="USD"),
    ]


def test_pipeline_by_stage() -> None:
    chart = pipeline_by_stage(stage_deals(), currency="EUR", stage_order=STAGE_ORDER)
    root = parse(chart)
    assert chart.title == "Open pipeline by stage (EUR)"
    assert chart.columns == ["Stage", "Open deals", "Amount"]
    assert chart.rows == [
        ["Discover", "2", "EUR 200,000"],  # spelled as the stage order spells it
        ["Propose", "1", "EUR 1,250,000"],
        ["Pilot", "1", "EUR 50"],  # stages outside the order come after it
    ]
    assert chart.footer == ["All stages", "4", "EUR 1,450,050"]
    assert len(bars(root)) == len(chart.rows)
    assert chart.summary == (
        "4 deals open, worth EUR 1,450,050, in 3 stages; the largest amount is in Propose "
        "(EUR 1,250,000). 1 deal without an amount is counted but not in the amounts. "
        "1 open deal in another currency is not shown."
    )
    assert_safe(chart)
    assert_neutral_colours(root)
    assert_inside_the_view_box(root)


def test_close_dates_by_month() -> None:
    deals = [
        deal("Passed", close_date=date(2024, 11, 3), amount_minor=100_00),
        deal("This month", close_date=date(2025, 2, 28), amount_minor=200_00),
        deal("Spring", close_date=date(2025, 4, 1), amount_minor=300_00),
        deal("Far", close_date=date(2026, 1, 1), amount_minor=400_00),
        deal("Undated", close_date=None, amount_minor=None),
        deal("Won", close_date=date(2025, 3, 1), status=DealStatus.WON),
    ]
    chart = close_dates_by_month(deals, currency="EUR", today=TODAY)
    root = parse(chart)
    assert [row[0] for row in chart.rows] == [
        "Up to Jan 2025", "Feb 2025", "Mar 2025", "Apr 2025", "May 2025", "Jun 2025",
        "Jul 2025", "After Jul 2025", "No close date",
    ]  # fmt: skip
    assert [row[1] for row in chart.rows] == ["1", "1", "0", "1", "0", "0", "0", "1", "1"]
    assert len(bars(root)) == len(chart.rows)
    assert chart.footer == ["All dates", "5", "EUR 1,000"]
    assert_safe(chart)
    assert_inside_the_view_box(root)


def test_months_before_and_after_the_window_appear_only_when_needed() -> None:
    chart = close_dates_by_month([deal(close_date=date(2025, 3, 1))], currency="EUR", today=TODAY)
    assert [row[0] for row in chart.rows] == [
        "Feb 2025", "Mar 2025", "Apr 2025", "May 2025", "Jun 2025", "Jul 2025",
    ]  # fmt: skip
    assert len(bars(parse(chart))) == 6


def test_waterfall_chart() -> None:
    old = [deal("Stays", amount_minor=1_000_00), deal("Wins", amount_minor=300_00)]
    new = [changed(old[0], amount_minor=900_00), changed(old[1], status=DealStatus.WON)]
    new.append(deal("Fresh", amount_minor=50_00))
    steps = waterfall(old, new, currency="EUR")
    chart = pipeline_waterfall(steps, currency="EUR")
    root = parse(chart)
    assert chart.rows[0] == ["Open pipeline before", "2", "EUR 1,300"]
    assert chart.rows[-1] == ["Open pipeline now", "2", "EUR 950"]
    assert ["Won", "1", MINUS + "EUR 300"] in chart.rows
    assert ["New deals", "1", "+EUR 50"] in chart.rows
    assert len(bars(root)) == len(steps)
    decreases = [b for b in bars(root) if "chart-decrease" in b.get("class", "")]
    increases = [b for b in bars(root) if "chart-increase" in b.get("class", "")]
    assert len(decreases) == 2 and len(increases) == 1
    assert {b.get("fill") for b in decreases} == {"url(#pipeline-waterfall-decrease)"}
    assert root.find(f".//{SVG}pattern").get("id") == "pipeline-waterfall-decrease"
    assert chart.summary.startswith("The open pipeline went from EUR 1,300 to EUR 950: ")
    assert_safe(chart)
    assert_neutral_colours(root)
    assert_inside_the_view_box(root)


@pytest.mark.parametrize("seed", range(25))
def test_table_rows_add_up_to_the_totals_despite_rounding(seed: int) -> None:
    rng = random.Random(seed)
    old, new = random_snapshot(rng, range(40)), random_snapshot(rng, range(10, 50))
    for currency in ("EUR", "JPY"):
        for chart in (
            pipeline_by_stage(new, currency=currency),
            close_dates_by_month(new, currency=currency, today=TODAY),
        ):
            root = parse(chart)
            if not chart.rows:
                continue
            assert sum(units(row[2]) for row in chart.rows) == units(chart.footer[2])
            assert sum(int(row[1].replace(",", "")) for row in chart.rows) == int(chart.footer[1])
            assert len(bars(root)) == len(chart.rows)
            assert_inside_the_view_box(root)
        steps = waterfall(old, new, currency=currency)
        chart = pipeline_waterfall(steps, currency=currency)
        shown = [units(row[2]) for row in chart.rows]
        assert shown[0] + sum(shown[1:-1]) == shown[-1]
        assert chart.rows[-1][2] == format_money(steps[-1].amount_minor, currency)
        assert_inside_the_view_box(parse(chart))


def test_rounding_keeps_the_total_honest() -> None:
    halves = [deal(f"D{n}", stage=f"S{n}", amount_minor=50) for n in range(3)]  # 0.50 each
    chart = pipeline_by_stage(halves, currency="EUR")
    assert chart.footer[2] == "EUR 2"  # 1.50 rounds to 2, not 3 (three halves rounded up)
    assert sum(units(row[2]) for row in chart.rows) == 2


def test_hostile_names_are_escaped_everywhere() -> None:
    deals = [
        deal(HOSTILE, stage=HOSTILE, amount_minor=100_00),
        deal("Other", stage='"><rect onload="x', amount_minor=100_00),
    ]
    steps = waterfall([], deals, currency="EUR")
    for chart in (
        pipeline_by_stage(deals, currency="EUR"),
        close_dates_by_month(deals, currency="EUR", today=TODAY),
        pipeline_waterfall(steps, currency="EUR"),
    ):
        root = parse(chart)
        assert_safe(chart)
        assert not [e for e in root.iter() if e.tag.endswith("script")]
    stage_chart = pipeline_by_stage(deals, currency="EUR")
    titles = [t.text for t in parse(stage_chart).iter(SVG + "title")]
    assert any(t and t.startswith(HOSTILE) for t in titles)  # the full text, unharmed
    assert stage_chart.rows[0][0] == HOSTILE or stage_chart.rows[1][0] == HOSTILE


def test_each_chart_instance_has_its_own_ids() -> None:
    deals = stage_deals()
    first = pipeline_by_stage(deals, currency="EUR", id_prefix="rep-1-stages")
    second = pipeline_by_stage(deals, currency="EUR", id_prefix="rep-2-stages")
    ids = [e.get("id") for c in (first, second) for e in parse(c).iter() if e.get("id")]
    assert len(ids) == len(set(ids)) == 4
    with pytest.raises(ValueError):
        pipeline_by_stage(deals, currency="EUR", id_prefix='x" onload="y')


@pytest.mark.parametrize(
    "draw",
    [
        lambda: pipeline_by_stage([], currency="EUR"),
        lambda: pipeline_by_stage([deal(currency="USD")], currency="EUR"),
        lambda: close_dates_by_month([deal(status=DealStatus.LOST)], currency="EUR", today=TODAY),
        lambda: pipeline_waterfall([], currency="EUR"),
        lambda: pipeline_waterfall(waterfall([], [], currency="EUR"), currency="EUR"),
    ],
)
def test_nothing_to_draw_still_gives_a_valid_chart(draw) -> None:
    chart = draw()
    root = parse(chart)
    assert chart.summary == "There are no open deals in EUR, so there is nothing to draw."
    assert chart.rows == [] and bars(root) == []
    assert_inside_the_view_box(root)


def test_labels_are_legible_and_sized_by_class() -> None:
    chart = pipeline_by_stage(stage_deals(), currency="EUR")
    root = parse(chart)
    assert float(root.get("font-size")) >= 13
    texts = list(root.iter(SVG + "text"))
    assert texts and all(t.get("class", "").startswith("chart-") for t in texts)
    assert all(t.get("font-size") is None for t in texts)


def test_money_reads_with_separators_and_no_cents() -> None:
    assert format_money(1_250_000_49, "EUR") == "EUR 1,250,000"
    assert format_money(1_250_000_50, "EUR") == "EUR 1,250,001"
    assert format_money(1_250_000, "JPY") == "JPY 1,250,000"
    assert format_money(-5_00, "EUR", signed=True) == MINUS + "EUR 5"
    assert format_money(5_00, "EUR", signed=True) == "+EUR 5"
    assert format_money(0, "EUR", signed=True) == "EUR 0"


def test_a_long_stage_name_is_shortened_in_the_picture_only() -> None:
    long_name = "Proposal reviewed by the customer's procurement department"
    chart = pipeline_by_stage([deal(stage=long_name)], currency="EUR")
    labels = [t.text for t in parse(chart).iter(SVG + "text")]
    assert any(label and label.endswith("…") and len(label) <= 24 for label in labels)
    assert chart.rows[0][0] == long_name
