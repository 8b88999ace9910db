"""Snapshots under parallel requests (see test_races.py for how the rounds run): bringing a
snapshot while the pairing ends, and the same file imported twice at the same moment."""

from __future__ import annotations

import re
from pathlib import Path

from coaching.models import BroughtSnapshot, PipelineSnapshot
from tests.coaching.test_races import assert_no_server_error, post_at_once
from tests.factories import make_pairing, make_session, make_snapshot, make_user, open_browser

REPORT = (Path(__file__).parent / "pipeline" / "fixtures" / "salesforce_report.csv").read_bytes()
BRING_END_ROUNDS = 12
IMPORT_ROUNDS = 6


async def test_bringing_a_snapshot_while_the_pairing_ends_leaves_nothing_to_revive(app) -> None:
    """Guards the pairing row lock in `snapshots.bring_to_session`: without it the bringing
    can read the pairing as active while the end commits and takes back what it sees (not
    yet this), leaving a brought row that shows again when the two pair anew."""
    coach = await make_user("manager", name="Maya Coach")
    rep = await make_user("rep", name="Rosa Rep")
    async with open_browser(app) as rep_browser, open_browser(app) as coach_browser:
        await rep_browser.login(rep)
        await coach_browser.login(coach)
        for n in range(BRING_END_ROUNDS):
            pairing = await make_pairing(coach, rep)
            session = await make_session(pairing)
            snapshot = await make_snapshot(rep, deal=f"Deal number {n}")
            bring, end = await post_at_once(
                (
                    rep_browser,
                    f"/snapshots/{snapshot.id}/session",
                    {"session_id": str(session.id), "action": "bring"},
                ),
                (coach_browser, f"/pairings/{pairing.id}/end", {}),
            )
            assert_no_server_error([bring, end])
            assert end.status_code == 303
            assert bring.status_code in (303, 400)
            assert not await BroughtSnapshot.filter(session__pairing_id=pairing.id).exists()
        session = await make_session(await make_pairing(coach, rep))
        page = (await coach_browser.get(f"/sessions/{session.id}")).text
    assert "Deal number" not in page


async def test_the_same_file_imported_twice_at_once_is_one_snapshot(app) -> None:
    """Guards the unique (rep, day, content) index: two uploads of one file that both find
    no snapshot yet must not make two."""
    for n in range(IMPORT_ROUNDS):
        rep = await make_user("rep")
        async with open_browser(app) as first, open_browser(app) as second:
            tokens = []
            for browser in (first, second):
                await browser.login(rep)
                preview = await browser.post(
                    "/snapshots/import",
                    {"taken_on": "2026-11-20", "format": ""},
                    files={"file": (f"export-{n}.csv", REPORT, "text/csv")},
                )
                found = re.search(r'name="token" value="([^"]+)"', preview.text)
                assert found
                tokens.append(found.group(1))
            confirm = {"taken_on": "2026-11-20", "action": "import"}
            responses = await post_at_once(
                (first, "/snapshots/import/confirm", {"token": tokens[0], **confirm}),
                (second, "/snapshots/import/confirm", {"token": tokens[1], **confirm}),
            )
        assert_no_server_error(responses)
        assert [r.status_code for r in responses] == [303, 303]
        assert await PipelineSnapshot.filter(owner_id=rep.id).count() == 1
