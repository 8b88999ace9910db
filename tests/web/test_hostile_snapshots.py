"""Findings of a hostile-client / new-user pass over pipeline snapshots and their API, each
reproduced here and fixed: a partial bringing tells one story, dates and amounts follow a
file's rules whichever way they arrive, uploads waiting for "Import" are bounded, pressing
Import twice finds the snapshot, a bad day keeps the preview, and so on."""

from __future__ import annotations

import re

import httpx

from coaching.models import Pairing, PairingStatus
from coaching.pipeline.models import PendingImport, PipelineSnapshot, SnapshotDeal
from tests.factories import (
    Browser,
    make_deal,
    make_pairing,
    make_session,
    make_snapshot,
    make_user,
    open_browser,
    text_of,
)
from tests.web.test_api import admin_and_token, bearer

REPORT = (
    b"Opportunity ID,Opportunity Name,Account Name,Stage,Amount,Close Date\n"
    b"006A1,Acme renewal,Acme,Proposal,1000,2026-12-15\n"
    b"006A2,Beta pilot,Beta,Negotiation,2000,2026-12-20\n"
)


def _token(html: str) -> str:
    found = re.search(r'name="token" value="([^"]+)"', html)
    assert found, "the preview carries the upload's token"
    return found.group(1)


async def _upload(browser: Browser, data: bytes = REPORT, **fields: str) -> httpx.Response:
    form = {"taken_on": "", "format": "", **fields}
    return await browser.post(
        "/snapshots/import", form, files={"file": ("p.csv", data, "text/csv")}
    )


# --- what the coach sees ---------------------------------------------------------------


async def test_partial_bringing_tells_one_story_in_what_changed_and_the_waterfall(app) -> None:
    rep, coach = await make_user("rep"), await make_user("manager")
    pairing = await make_pairing(coach, rep)
    earlier = await make_session(pairing, days_ahead=-7)
    later = await make_session(pairing, days_ahead=2)
    await make_snapshot(rep, earlier, deals=[make_deal("Northwind renewal")])
    newer = await make_snapshot(
        rep, deals=[make_deal("Northwind renewal"), make_deal("Beta pilot", account="Beta")]
    )
    beta = await SnapshotDeal.get(snapshot_id=newer.id, name="Beta pilot")
    async with open_browser(app) as as_rep:
        await as_rep.login(rep)
        brought = await as_rep.post(
            f"/snapshots/{newer.id}/session",
            {
                "session_id": str(later.id),
                "whole": "no",
                "deal_ids": str(beta.id),
                "action": "bring",
            },
        )
        assert brought.status_code == 303
    async with open_browser(app) as as_coach:
        await as_coach.login(coach)
        page = text_of((await as_coach.get(f"/sessions/{later.id}")).text)
    says_nothing_changed = "Nothing changed between the two snapshots" in page
    waterfall_says_new = re.search(r"New deals: \+", page) is not None
    assert not (says_nothing_changed and waterfall_says_new)


# --- import: dates and amounts ---------------------------------------------------------


async def test_a_snapshot_from_year_one_is_refused(browser) -> None:
    await browser.login(await make_user("rep"))
    preview = await _upload(browser)
    done = await browser.post(
        "/snapshots/import/confirm",
        {"token": _token(preview.text), "taken_on": "0001-01-01", "action": "import"},
    )
    assert done.status_code == 400
    assert await PipelineSnapshot.all().count() == 0


async def test_api_close_dates_follow_the_rules_of_a_file(client) -> None:
    rep = await make_user("rep")
    _, token = await admin_and_token()
    deal = {"name": "Acme", "stage": "Proposal", "close_date": "9999-12-31"}
    response = await client.post(
        "/api/v1/snapshots", headers=bearer(token), json={"rep_email": rep.email, "deals": [deal]}
    )
    assert response.status_code == 422
    assert await PipelineSnapshot.all().count() == 0


async def test_api_amount_cannot_round_up_past_the_limit(client) -> None:
    rep = await make_user("rep")
    _, token = await admin_and_token()
    deal = {"name": "Acme", "stage": "Proposal", "amount": "9999999999999.999999"}
    response = await client.post(
        "/api/v1/snapshots", headers=bearer(token), json={"rep_email": rep.email, "deals": [deal]}
    )
    stored: list[int] = await SnapshotDeal.all().values_list("amount_minor", flat=True)  # type: ignore[assignment]
    assert response.status_code == 422 or all(a < 10**13 * 100 for a in stored)


# --- import: the flow ------------------------------------------------------------------


async def test_pending_uploads_per_person_are_bounded(browser) -> None:
    rep = await make_user("rep")
    await browser.login(rep)
    for n in range(25):
        await _upload(browser, REPORT + f"006X{n},Deal {n},X,Proposal,1,2026-12-15\n".encode())
    assert await PendingImport.filter(owner_id=rep.id).count() <= 10


async def test_confirming_an_already_imported_upload_points_to_its_snapshot(browser) -> None:
    await browser.login(await make_user("rep"))
    token = _token((await _upload(browser)).text)
    form = {"token": token, "taken_on": "", "action": "import"}
    first = await browser.post("/snapshots/import/confirm", form)
    assert first.status_code == 303
    again = await browser.post("/snapshots/import/confirm", form)
    assert again.status_code == 303
    assert again.headers["location"] == first.headers["location"]


async def test_a_bad_day_at_confirm_keeps_the_preview(browser) -> None:
    await browser.login(await make_user("rep"))
    token = _token((await _upload(browser)).text)
    response = await browser.post(
        "/snapshots/import/confirm", {"token": token, "taken_on": "tomorrow", "action": "import"}
    )
    assert response.status_code == 400
    assert f'value="{token}"' in response.text


# --- bringing --------------------------------------------------------------------------


async def test_preview_and_bring_judge_foreign_deal_ids_alike(browser) -> None:
    rep, coach = await make_user("rep"), await make_user("manager")
    session = await make_session(await make_pairing(coach, rep))
    mine = await make_snapshot(rep, deals=[make_deal("Acme")])
    other = await make_snapshot(
        rep, deals=[make_deal("Globex")], taken_on=mine.taken_on.replace(day=1)
    )
    own = await SnapshotDeal.get(snapshot_id=mine.id)
    foreign = await SnapshotDeal.get(snapshot_id=other.id)
    await browser.login(rep)
    form = {
        "session_id": str(session.id),
        "whole": "no",
        "deal_ids": [str(own.id), str(foreign.id)],
    }
    preview = await browser.post(f"/snapshots/{mine.id}/session", form)
    bring = await browser.post(f"/snapshots/{mine.id}/session", {**form, "action": "bring"})
    assert bring.status_code == 400
    assert preview.status_code == bring.status_code


async def test_auto_bring_cannot_be_switched_on_for_an_ended_pairing(browser) -> None:
    rep, coach = await make_user("rep"), await make_user("manager")
    pairing = await make_pairing(coach, rep, status=PairingStatus.ENDED)
    await browser.login(rep)
    response = await browser.post(f"/pairings/{pairing.id}/auto-bring", {"on": "yes"})
    assert response.status_code in (400, 404)
    assert not (await Pairing.get(id=pairing.id)).auto_bring_snapshot


# --- wording ---------------------------------------------------------------------------


async def test_one_deal_is_one_deal(browser) -> None:
    rep = await make_user("rep")
    snapshot = await make_snapshot(rep)
    await browser.login(rep)
    page = text_of((await browser.get(f"/snapshots/{snapshot.id}")).text)
    assert "1 deals" not in page
