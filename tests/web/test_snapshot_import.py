"""Importing a CRM export through the web: a preview first (nothing written), every problem
by line and column, all or nothing, the same file twice is one snapshot, limits named."""

from __future__ import annotations

import re
from pathlib import Path

from coaching.pipeline.models import ColumnMapping, PendingImport, PipelineSnapshot, SnapshotDeal
from tests.factories import make_user

FIXTURES = Path(__file__).parent.parent / "coaching" / "pipeline" / "fixtures"
REPORT = (FIXTURES / "salesforce_report.csv").read_bytes()
PROBLEMS = (FIXTURES / "problems.csv").read_bytes()
GENERIC = (FIXTURES / "generic_european.csv").read_bytes()


def _token(html: str) -> str:
    found = re.search(r'name="token" value="([^"]+)"', html)
    assert found, "the preview carries the upload's token"
    return found.group(1)


async def _upload(browser, data: bytes, name: str = "export.csv", **fields: str):  # type: ignore[no-untyped-def]
    form = {"taken_on": "2026-11-20", "format": "", **fields}
    return await browser.post("/snapshots/import", form, files={"file": (name, data, "text/csv")})


async def test_upload_shows_a_preview_and_writes_no_snapshot(browser) -> None:
    await browser.login(await make_user("rep"))
    response = await _upload(browser, REPORT)
    assert response.status_code == 200
    assert "Salesforce report export" in response.text
    assert "Import 5 deals" in response.text
    assert "Acme - Platform renewal" in response.text
    assert await PipelineSnapshot.all().count() == 0
    assert await PendingImport.all().count() == 1


async def test_import_after_preview_stores_every_deal_once_even_if_uploaded_again(browser) -> None:
    rep = await make_user("rep")
    await browser.login(rep)
    for _ in range(2):
        preview = await _upload(browser, REPORT)
        done = await browser.post(
            "/snapshots/import/confirm",
            {"token": _token(preview.text), "taken_on": "2026-11-20", "action": "import"},
        )
        assert done.status_code == 303
    snapshot = await PipelineSnapshot.get(owner_id=rep.id)
    assert snapshot.deal_count == 5 and snapshot.skipped_lines >= 1
    assert await SnapshotDeal.filter(snapshot_id=snapshot.id).count() == 5
    page = await browser.get(done.headers["location"])
    assert "already imported" in page.text


async def test_a_file_with_problems_lists_them_by_line_and_column_and_imports_nothing(
    browser,
) -> None:
    await browser.login(await make_user("rep"))
    preview = await _upload(browser, PROBLEMS)
    assert preview.status_code == 400
    assert "Import " not in re.sub(r"<[^>]+>", " ", preview.text).split("Try again")[1][:200]
    row = re.search(r'data-label="Line">3</td><td data-label="Column">Amount</td>', preview.text)
    assert row, "the bad amount is named by its line and column"
    forced = await browser.post(
        "/snapshots/import/confirm",
        {"token": _token(preview.text), "taken_on": "2026-11-20", "action": "import"},
    )
    assert forced.status_code == 400
    assert await PipelineSnapshot.all().count() == 0
    assert await SnapshotDeal.all().count() == 0


async def test_a_generic_file_is_mapped_once_and_the_mapping_is_remembered(browser) -> None:
    rep = await make_user("rep")
    await browser.login(rep)
    preview = await _upload(browser, GENERIC, "pipeline.csv")  # not recognised: map it
    assert "Which column holds what?" in preview.text
    assert '<option value="generic" selected>' in preview.text
    mapping = {
        "format": "generic", "map_name": "Name", "map_stage": "Phase", "map_amount": "Betrag",
        "map_close_date": "Abschluss", "map_account": "Firma", "save_mapping": "yes",
    }  # fmt: skip
    token = _token(preview.text)
    done = await browser.post(
        "/snapshots/import/confirm",
        {"token": token, "taken_on": "2026-11-20", "action": "import", **mapping},
    )
    assert done.status_code == 303, done.text
    deals = await SnapshotDeal.filter(snapshot__owner_id=rep.id).order_by("line")
    assert deals[0].account == "Müller GmbH" and deals[0].amount_minor == 2_500_000
    assert await ColumnMapping.filter(owner_id=rep.id).count() == 1
    again = await _upload(browser, GENERIC, "pipeline.csv", taken_on="2026-11-19")
    assert again.status_code == 200
    assert "Import 4 deals" in again.text  # the saved mapping applies by itself


async def test_someone_elses_upload_cannot_be_imported(browser, client) -> None:
    await browser.login(await make_user("rep"))
    token = _token((await _upload(browser, REPORT)).text)
    browser.client.cookies.clear()
    await browser.login(await make_user("rep"))
    response = await browser.post(
        "/snapshots/import/confirm", {"token": token, "taken_on": "2026-11-20", "action": "import"}
    )
    assert response.status_code == 404
    assert await PipelineSnapshot.all().count() == 0


async def test_a_day_still_to_come_is_refused_beside_the_field(browser) -> None:
    await browser.login(await make_user("rep"))
    response = await _upload(browser, REPORT, taken_on="2999-01-01")
    assert response.status_code == 400
    assert "day still to come" in response.text
    assert 'value="2999-01-01"' in response.text


async def test_a_file_over_the_limit_is_refused_with_the_limit_named(browser) -> None:
    await browser.login(await make_user("rep"))
    big = REPORT + b"x" * (5 * 1024 * 1024)
    response = await _upload(browser, big)
    assert response.status_code == 413
    assert "5 MB" in response.text
    assert await PendingImport.all().count() == 0


async def test_a_streamed_upload_over_the_limit_is_cut_off(browser) -> None:
    await browser.login(await make_user("rep"))
    token = await browser.csrf()

    async def chunks():  # type: ignore[no-untyped-def]
        yield (
            b'--b\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n'
            + token.encode()
            + b'\r\n--b\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\n'
        )
        for _ in range(7):
            yield b"y" * (1024 * 1024)
        yield b"\r\n--b--\r\n"

    response = await browser.client.post(
        "/snapshots/import",
        content=chunks(),
        headers={"content-type": "multipart/form-data; boundary=b"},
    )
    assert response.status_code == 413
    assert "5 MB" in response.text


async def test_only_reps_import_snapshots(browser) -> None:
    await browser.login(await make_user("manager"))
    assert (await browser.get("/snapshots/import")).status_code == 403
    assert (await _upload(browser, REPORT)).status_code == 403
