"""Charts of a pipeline snapshot as inline SVG strings, each with a table of the same numbers.

Drawn on the server so they need no script. The site's CSP forbids inline styles: looks come
from `class` attributes (chart-bar, chart-label, chart-value, chart-axis) and the presentation
attributes fill, stroke and font-size. The viewBox is phone-sized (360 wide) and the width is
100%, so a chart shrinks to a 390 px screen without scrolling sideways and its text stays
near its design size there.

Bars are one neutral colour. Nothing is coloured as good or bad: in the waterfall a decrease
is hatched and an increase solid, and each is labelled with its sign.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from html import escape

from .deals import DealRecord, DealStatus
from .diff import WaterfallStep, by_key, stage_name, stage_ranks
from .wording import format_units, n_deals, whole_units, whole_units_adding_up

WIDTH = 360
BAR_COLOUR = "#45524d"
LABEL_CHARS = 24  # a longer stage name is cut short in the picture; the table has it whole
CHAR_WIDTH = 8  # a generous average at font-size 14, to keep labels from overlapping
ROW_HEIGHT = 52
MONTHS_SHOWN = 6  # this month and the five after; earlier and later dates share a bar each
_ID_PREFIX = re.compile(r"[A-Za-z][A-Za-z0-9_-]*\Z")


@dataclass(frozen=True)
class Chart:
    title: str
    svg: str
    summary: str  # one sentence (or two) saying what the picture shows
    columns: list[str]
    rows: list[list[str]]  # the same numbers as a table
    footer: list[str] = field(default_factory=list)  # the totals row, when there is one


# --- open pipeline by stage ------------------------------------------------------------


@dataclass(frozen=True)
class _Group:
    label: str
    deals: list[DealRecord]

    @property
    def amount_minor(self) -> int:
        return sum(d.amount_minor for d in self.deals if d.amount_minor is not None)

    @property
    def without_amount(self) -> int:
        return sum(1 for d in self.deals if d.amount_minor is None)


def pipeline_by_stage(
    deals: Sequence[DealRecord],
    *,
    currency: str,
    stage_order: Sequence[str] = (),
    id_prefix: str = "pipeline-stages",
) -> Chart:
    title = f"Open pipeline by stage ({currency})"
    open_deals, elsewhere = _open_in(deals, currency)
    groups = _stage_groups(open_deals, stage_order)
    if not groups:
        return _nothing_to_draw(
            title, id_prefix, "stages", currency, ["Stage", "Open deals", "Amount"]
        )
    units = whole_units_adding_up([g.amount_minor for g in groups], currency)
    rows = [
        [g.label, f"{len(g.deals):,}", format_units(u, currency)]
        for g, u in zip(groups, units, strict=True)
    ]
    footer = ["All stages", f"{len(open_deals):,}", format_units(sum(units), currency)]
    summary = _stage_summary(groups, units, currency) + _left_out(open_deals, elsewhere)
    body = _horizontal_bars(groups, units, currency)
    svg = _svg(id_prefix, "stages", title, summary, len(groups) * ROW_HEIGHT, body)
    return Chart(title, svg, summary, ["Stage", "Open deals", "Amount"], rows, footer)


def _open_in(deals: Iterable[DealRecord], currency: str) -> tuple[list[DealRecord], int]:
    """Open deals in the currency, and how many open deals are in other currencies."""
    open_deals = [d for d in by_key(deals).values() if d.status is DealStatus.OPEN]
    in_currency = [d for d in open_deals if d.currency == currency]
    return in_currency, len(open_deals) - len(in_currency)


def _stage_groups(open_deals: Iterable[DealRecord], stage_order: Sequence[str]) -> list[_Group]:
    ranks = stage_ranks(stage_order)
    spelling = {stage_name(s): s.strip() for s in reversed(stage_order)}
    grouped: dict[str, list[DealRecord]] = {}
    for deal in open_deals:
        name = stage_name(deal.stage)
        grouped.setdefault(name, []).append(deal)
        spelling.setdefault(name, deal.stage.strip() or "No stage")
    ordered = sorted(grouped, key=lambda name: (name not in ranks, ranks.get(name, 0), name))
    return [_Group(spelling[name], grouped[name]) for name in ordered]


def _stage_summary(groups: list[_Group], units: list[int], currency: str) -> str:
    count = sum(len(g.deals) for g in groups)
    largest = max(range(len(groups)), key=lambda i: units[i])
    stages = "1 stage" if len(groups) == 1 else f"{len(groups)} stages"
    return (
        f"{n_deals(count)} open, worth {format_units(sum(units), currency)}, in {stages}; "
        f"the largest amount is in {groups[largest].label} "
        f"({format_units(units[largest], currency)})."
    )


def _horizontal_bars(groups: list[_Group], units: list[int], currency: str) -> list[str]:
    widest = max((g.amount_minor for g in groups), default=0)
    parts = []
    for index, (group, amount_units) in enumerate(zip(groups, units, strict=True)):
        top = index * ROW_HEIGHT
        width = _scaled(group.amount_minor, widest)
        amount = format_units(amount_units, currency)
        parts += [
            f'<g class="chart-row"><title>{escape(group.label)}: {escape(amount)}, '
            f"{n_deals(len(group.deals))}</title>",
            _text(_fit(group.label), 0, top + 15, "chart-label"),
            _text(n_deals(len(group.deals)), WIDTH, top + 15, "chart-label", anchor="end"),
            _rect(0, top + 22, width, 20, "chart-bar", BAR_COLOUR),
            _value_beside_bar(amount, width, top + 37),
            "</g>",
        ]
    return parts


def _value_beside_bar(text: str, bar_width: float, baseline: float) -> str:
    """After the end of the bar when it fits there, else inside the bar's end."""
    if bar_width + 6 + len(text) * CHAR_WIDTH <= WIDTH:
        return _text(text, bar_width + 6, baseline, "chart-value")
    return _text(text, bar_width - 6, baseline, "chart-value chart-value-inside", anchor="end",
                 fill="#ffffff")  # fmt: skip


# --- open pipeline by month of close date ------------------------------------------------


@dataclass(frozen=True)
class _Month:
    label: str  # as the table says it
    lines: tuple[str, str]  # as the picture says it, in two short lines under the bar
    deals: list[DealRecord]

    @property
    def amount_minor(self) -> int:
        return sum(d.amount_minor for d in self.deals if d.amount_minor is not None)


def close_dates_by_month(
    deals: Sequence[DealRecord], *, currency: str, today: date, id_prefix: str = "close-dates"
) -> Chart:
    title = f"Open pipeline by month of close date ({currency})"
    columns = ["Close date", "Open deals", "Amount"]
    open_deals, elsewhere = _open_in(deals, currency)
    if not open_deals:
        return _nothing_to_draw(title, id_prefix, "months", currency, columns)
    months = _month_buckets(open_deals, today)
    units = whole_units_adding_up([m.amount_minor for m in months], currency)
    rows = [
        [m.label, f"{len(m.deals):,}", format_units(u, currency)]
        for m, u in zip(months, units, strict=True)
    ]
    footer = ["All dates", f"{len(open_deals):,}", format_units(sum(units), currency)]
    summary = _month_summary(months, units, currency) + _left_out(open_deals, elsewhere)
    body = _vertical_bars(months, currency)
    svg = _svg(id_prefix, "months", title, summary, _COLUMN_CHART_HEIGHT, body)
    return Chart(title, svg, summary, columns, rows, footer)


def _month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


def _month_start(index: int) -> date:
    return date(index // 12, index % 12 + 1, 1)


def _month_buckets(open_deals: list[DealRecord], today: date) -> list[_Month]:
    first, last = _month_index(today), _month_index(today) + MONTHS_SHOWN - 1
    by_month: dict[int, list[DealRecord]] = {}
    undated = []
    for deal in open_deals:
        if deal.close_date is None:
            undated.append(deal)
        else:
            month = min(max(_month_index(deal.close_date), first - 1), last + 1)
            by_month.setdefault(month, []).append(deal)
    last_before, last_shown = _month_start(first - 1), _month_start(last)
    months = [
        _Month(f"{start:%b %Y}", (f"{start:%b}", f"{start:%Y}"), by_month.get(index, []))
        for index in range(first, last + 1)
        for start in [_month_start(index)]
    ]
    earlier = _Month(f"Up to {last_before:%b %Y}", ("Up to", f"{last_before:%b}"),
                     by_month.get(first - 1, []))  # fmt: skip
    later = _Month(f"After {last_shown:%b %Y}", ("After", f"{last_shown:%b}"),
                   by_month.get(last + 1, []))  # fmt: skip
    undated_bucket = _Month("No close date", ("No", "date"), undated)
    edges = ([earlier], [later, undated_bucket])  # drawn only when a deal is in them
    return [m for m in edges[0] if m.deals] + months + [m for m in edges[1] if m.deals]


def _month_summary(months: list[_Month], units: list[int], currency: str) -> str:
    count = sum(len(m.deals) for m in months)
    largest = max(range(len(months)), key=lambda i: units[i])
    return (
        f"{n_deals(count)} open, worth {format_units(sum(units), currency)}, by month of close "
        f"date; the largest amount is in {months[largest].label} "
        f"({format_units(units[largest], currency)})."
    )


_COLUMNS_TOP = 36  # room for the scale line's label above the tallest bar's count
_COLUMNS_HEIGHT = 150
_COLUMN_CHART_HEIGHT = _COLUMNS_TOP + _COLUMNS_HEIGHT + 44  # two lines of labels below


def _vertical_bars(months: list[_Month], currency: str) -> list[str]:
    highest = max(m.amount_minor for m in months)
    baseline = _COLUMNS_TOP + _COLUMNS_HEIGHT
    column = WIDTH / len(months)
    bar_width = min(36.0, column * 0.6)
    parts = _scale_line(highest, currency)
    for index, month in enumerate(months):
        height = _scaled(month.amount_minor, highest, _COLUMNS_HEIGHT)
        middle = column * index + column / 2
        parts += [
            f'<g class="chart-column"><title>{escape(month.label)}: '
            f"{escape(format_units(whole_units(month.amount_minor, currency), currency))}, "
            f"{n_deals(len(month.deals))}</title>",
            _rect(
                middle - bar_width / 2,
                baseline - height,
                bar_width,
                height,
                "chart-bar",
                BAR_COLOUR,
            ),
            _text(
                f"{len(month.deals):,}",
                middle,
                baseline - height - 5,
                "chart-value",
                anchor="middle",
            ),
            _text(month.lines[0], middle, baseline + 18, "chart-label", anchor="middle"),
            _text(month.lines[1], middle, baseline + 36, "chart-label", anchor="middle"),
            "</g>",
        ]
    parts.append(_line(0, baseline, WIDTH, baseline, "chart-axis"))
    return parts


def _scale_line(highest_minor: int, currency: str) -> list[str]:
    """A dotted line at the height of the tallest bar, saying what amount that height is."""
    if highest_minor <= 0:
        return []
    label = format_units(whole_units(highest_minor, currency), currency)
    return [
        _text(label, 0, 14, "chart-axis"),
        _line(0, _COLUMNS_TOP, WIDTH, _COLUMNS_TOP, "chart-axis", dashed=True),
    ]


# --- the waterfall -----------------------------------------------------------------------


def pipeline_waterfall(
    steps: list[WaterfallStep], *, currency: str, id_prefix: str = "pipeline-waterfall"
) -> Chart:
    title = f"How the open pipeline changed ({currency})"
    columns = ["Step", "Deals", "Amount"]
    if not steps or all(s.amount_minor == 0 and not s.deals for s in steps):
        return _nothing_to_draw(title, id_prefix, "waterfall", currency, columns)
    shown = _waterfall_units(steps, currency)
    rows = [
        [s.label, f"{s.deals:,}", format_units(u, currency, signed=not s.is_total)]
        for s, u in zip(steps, shown, strict=True)
    ]
    summary = _waterfall_summary(steps, shown, currency)
    body = _waterfall_bars(steps, shown, currency, id_prefix)
    svg = _svg(id_prefix, "waterfall", title, summary, len(steps) * ROW_HEIGHT, body)
    return Chart(title, svg, summary, columns, rows)


def _waterfall_units(steps: list[WaterfallStep], currency: str) -> list[int]:
    """Whole units for each step (as `waterfall` gives them: start, changes, end), rounded so
    the changes shown add up to the end shown."""
    shown = whole_units_adding_up([s.amount_minor for s in steps[:-1]], currency)
    return [*shown, sum(shown)]


def _waterfall_summary(steps: list[WaterfallStep], shown: list[int], currency: str) -> str:
    start, end = steps[0], steps[-1]
    moves = [
        f"{s.label.lower()} {format_units(u, currency, signed=True)}"
        for s, u in zip(steps, shown, strict=True)
        if not s.is_total and u
    ]
    text = (
        f"The open pipeline went from {format_units(shown[0], currency)} "
        f"to {format_units(shown[-1], currency)}"
    )
    text += (": " + ", ".join(moves) + ".") if moves else ", with no change in amounts."
    left_out = [f"{start.without_amount:,} open before", f"{end.without_amount:,} open now"]
    if start.without_amount or end.without_amount:
        text += f" Deals without an amount are not included ({', '.join(left_out)})."
    return text


def _waterfall_bars(
    steps: list[WaterfallStep], shown: list[int], currency: str, id_prefix: str
) -> list[str]:
    totals = [0, *(s.total_minor for s in steps)]
    low, high = min(totals), max(totals)
    hatch = f"{id_prefix}-decrease"
    parts = [_hatch_pattern(hatch)]
    before = 0
    for index, (step, units) in enumerate(zip(steps, shown, strict=True)):
        top = index * ROW_HEIGHT
        start = 0 if step.is_total else before
        left = _scaled(min(start, step.total_minor) - low, high - low)
        right = _scaled(max(start, step.total_minor) - low, high - low)
        amount = format_units(units, currency, signed=not step.is_total)
        label = f"{step.label} ({step.deals:,})" if not step.is_total else step.label
        parts += [
            f'<g class="chart-row"><title>{escape(step.label)}: {escape(amount)}, '
            f"{n_deals(step.deals)}</title>",
            _text(_fit(label, 30), 0, top + 15, "chart-label"),
            _text(amount, WIDTH, top + 15, "chart-value", anchor="end"),
            _waterfall_rect(step, left, right - left, top + 22, hatch),
            "</g>",
        ]
        before = step.total_minor
    return parts


def _waterfall_rect(step: WaterfallStep, x: float, width: float, y: float, hatch: str) -> str:
    if step.is_total:
        return _rect(x, y, width, 20, "chart-bar chart-total", BAR_COLOUR)
    if step.amount_minor == 0:
        return _rect(x, y, width, 20, "chart-bar", BAR_COLOUR)
    if step.amount_minor < 0:
        return _rect(
            x, y, width, 20, "chart-bar chart-decrease", f"url(#{hatch})", stroke=BAR_COLOUR
        )
    return _rect(x, y, width, 20, "chart-bar chart-increase", BAR_COLOUR)


def _hatch_pattern(pattern_id: str) -> str:
    return (
        f'<defs><pattern id="{pattern_id}" width="6" height="6" patternUnits="userSpaceOnUse" '
        f'patternTransform="rotate(45)"><rect width="6" height="6" fill="#ffffff"/>'
        f'<line x1="0" y1="0" x2="0" y2="6" stroke="{BAR_COLOUR}" stroke-width="3"/>'
        f"</pattern></defs>"
    )


# --- shared pieces -----------------------------------------------------------------------


def _left_out(open_deals: list[DealRecord], in_other_currencies: int) -> str:
    notes = ""
    without = sum(1 for d in open_deals if d.amount_minor is None)
    if without == 1:
        notes += " 1 deal without an amount is counted but not in the amounts."
    elif without:
        notes += f" {without:,} deals without an amount are counted but not in the amounts."
    if in_other_currencies == 1:
        notes += " 1 open deal in another currency is not shown."
    elif in_other_currencies:
        notes += f" {in_other_currencies:,} open deals in other currencies are not shown."
    return notes


def _nothing_to_draw(
    title: str, id_prefix: str, kind: str, currency: str, columns: list[str]
) -> Chart:
    summary = f"There are no open deals in {currency}, so there is nothing to draw."
    lines = [_text(f"No open deals in {currency}:", 0, 20, "chart-label"),
             _text("nothing to draw.", 0, 40, "chart-label")]  # fmt: skip
    return Chart(title, _svg(id_prefix, kind, title, summary, 52, lines), summary, columns, [])


def _svg(
    id_prefix: str, kind: str, title: str, summary: str, height: float, body: list[str]
) -> str:
    if not _ID_PREFIX.match(id_prefix):
        raise ValueError(f"id_prefix must be letters, digits, - or _, not {id_prefix!r}")
    return "".join([
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-{kind}" role="img" '
        f'width="100%" viewBox="0 0 {WIDTH} {_number(height)}" font-size="14" '
        f'fill="currentColor" aria-labelledby="{id_prefix}-title {id_prefix}-desc">',
        f'<title id="{id_prefix}-title">{escape(title)}</title>',
        f'<desc id="{id_prefix}-desc">{escape(summary)}</desc>',
        *body,
        "</svg>",
    ])  # fmt: skip


def _scaled(value: int, largest: int, length: float = WIDTH) -> float:
    if largest <= 0 or value <= 0:
        return 0.0
    return length * value / largest


def _fit(text: str, limit: int = LABEL_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _number(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _text(
    content: str, x: float, y: float, css_class: str, *, anchor: str = "", fill: str = ""
) -> str:
    extra = (f' text-anchor="{anchor}"' if anchor else "") + (f' fill="{fill}"' if fill else "")
    return (
        f'<text class="{css_class}" x="{_number(x)}" y="{_number(y)}"{extra}>'
        f"{escape(content)}</text>"
    )


def _rect(
    x: float, y: float, width: float, height: float, css_class: str, fill: str, *, stroke: str = ""
) -> str:
    outline = f' stroke="{stroke}"' if stroke else ""
    return (
        f'<rect class="{css_class}" x="{_number(x)}" y="{_number(y)}" width="{_number(width)}" '
        f'height="{_number(height)}" fill="{fill}"{outline}/>'
    )


def _line(
    x1: float, y1: float, x2: float, y2: float, css_class: str, *, dashed: bool = False
) -> str:
    dash = ' stroke-dasharray="3 3"' if dashed else ""
    return (
        f'<line class="{css_class}" x1="{_number(x1)}" y1="{_number(y1)}" x2="{_number(x2)}" '
        f'y2="{_number(y2)}" stroke="currentColor"{dash}/>'
    )
