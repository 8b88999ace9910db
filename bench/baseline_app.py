"""The yardstick for bench/throughput.py: a bare Starlette app rendering a 50-row Jinja table.

No database, no middleware: a base layout, a page that extends it and loops over 50 rows of
ready-made strings (autoescaped), rendered with Starlette's stock `Jinja2Templates` (its
defaults, as a new project would have them) and served by the same uvicorn as Tandem.

    .venv/bin/python -m uvicorn bench.baseline_app:app --port 8100
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

HERE = Path(__file__).resolve().parent
STAGES = ["Discovery", "Qualification", "Proposal", "Negotiation", "Closed won"]
ROWS = [
    {
        "id": i,
        "name": f"Account {i:02d} <renewal>",
        "stage": STAGES[i % len(STAGES)],
        "amount": f"{1_250 * (i + 1):,} EUR",
        "close_date": f"{date(2026, 1, 1) + timedelta(days=3 * i):%d %b %Y}",
        "owner": f"Rep {i % 7}",
    }
    for i in range(50)
]

templates = Jinja2Templates(directory=str(HERE / "baseline_templates"))


async def table(request: Request) -> Response:
    return templates.TemplateResponse(request, "table.html", {"rows": ROWS, "title": "Deals"})


app = Starlette(
    routes=[
        Route("/table", table, name="table"),
        Mount("/static", StaticFiles(directory=str(HERE.parent / "app" / "static")), name="static"),
    ]
)
