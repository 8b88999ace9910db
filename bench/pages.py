"""Page speed as ratios against a baseline measured in the same run.

    .venv/bin/python bench/pages.py [--rounds 200]

The baseline is GET /healthz (one trivial query); each page is reported as "N× baseline"
so results compare across machines. Runs on a throwaway SQLite file with the demo data.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
from tortoise import Tortoise

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.db import apply_migrations  # noqa: E402
from app.demo import DEMO_PASSWORD, create_demo  # noqa: E402
from app.main import create_app  # noqa: E402
from app.settings import Settings, tortoise_config  # noqa: E402
from coaching.models import CoachingSession  # noqa: E402


async def median_ms(client: httpx.AsyncClient, url: str, rounds: int) -> float:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        response = await client.get(url)
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(samples)


async def signed_in(app, email: str) -> httpx.AsyncClient:  # type: ignore[no-untyped-def]
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench")
    page = await client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None, "the sign-in page has no CSRF field"
    form = {"email": email, "password": DEMO_PASSWORD, "csrf_token": token.group(1)}
    await client.post("/login", data=form)
    return client


async def main(rounds: int) -> None:
    url = f"sqlite://{Path(tempfile.mkdtemp()) / 'bench.sqlite3'}"
    await apply_migrations(url)
    await Tortoise.init(config=tortoise_config(url), _enable_global_fallback=True)
    await create_demo()
    app = create_app(Settings(database_url=url, secret_key="bench"), manage_db=False)
    session = await CoachingSession.filter(title="Weekly coaching").order_by("starts_at").first()
    assert session is not None
    rep = await signed_in(app, "rosa@example.com")
    manager = await signed_in(app, "maya@example.com")
    baseline = await median_ms(rep, "/healthz", rounds)
    print(f"baseline GET /healthz: {baseline:.2f} ms (median of {rounds})")
    for label, client, path in [
        ("rep home", rep, "/"),
        ("manager home", manager, "/"),
        ("session page (rep)", rep, f"/sessions/{session.id}"),
        ("session page (coach)", manager, f"/sessions/{session.id}"),
        ("journal", rep, "/journal"),
    ]:
        ms = await median_ms(client, path, rounds)
        print(f"{label:<22} {ms / baseline:5.1f}× baseline")
    await Tortoise.close_connections()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=200)
    asyncio.run(main(parser.parse_args().rounds))
