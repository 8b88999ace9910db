"""Schemathesis against /api/v1/openapi.json: every check, with a valid token, no failure.

Schemathesis calls an ASGI app from a thread of its own, with its own event loop; this
test's database connections (asyncpg's above all) belong to the test's loop and its
Tortoise context. So the test's loop runs in a background thread for the length of the
test, and `OnLoop` hands each request to it, in the test's context.
"""

from __future__ import annotations

import asyncio
import contextvars
import threading
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import Status, events

from coaching.identity import api_tokens
from coaching.models import PipelineSnapshot
from tests.factories import make_user, reload

REP_EMAIL = "rosa@example.com"  # the example in the document
EXAMPLES = 40


class OnLoop:
    """An ASGI app that runs `app` on `loop` (running in another thread) in `context`."""

    def __init__(self, app: Any, loop: asyncio.AbstractEventLoop, context: contextvars.Context):
        self.app, self.loop, self.context = app, loop, context

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":  # the test's app has no start-up work
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        here = asyncio.get_running_loop()

        async def receive_there() -> Any:
            return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(receive(), here))

        async def send_there(message: Any) -> None:
            await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(send(message), here))

        work = self.app(scope, receive_there, send_there)
        # The task copies the context it is created in: the test's (its Tortoise context).
        done = self.context.copy().run(asyncio.run_coroutine_threadsafe, work, self.loop)
        await asyncio.wrap_future(done)


@pytest.fixture
def api_world(app) -> Iterator[tuple[OnLoop, str]]:  # type: ignore[no-untyped-def]
    """A rep, an admin's token, and the app reachable from schemathesis's thread."""
    loop = asyncio.get_event_loop()

    async def make() -> str:
        await make_user("rep", email=REP_EMAIL)
        admin = await reload(await make_user("admin"))
        return (await api_tokens.create_token(admin, "Schemathesis"))[1]

    token = loop.run_until_complete(make())
    context = contextvars.copy_context()
    thread = threading.Thread(target=loop.run_forever, name="test-loop", daemon=True)
    thread.start()
    try:
        yield OnLoop(app, loop, context), token
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)


@pytest.fixture
def api_schema(api_world: tuple[OnLoop, str]) -> Any:
    served, token = api_world
    config = SchemathesisConfig.from_dict(
        {
            "auth": {"openapi": {"bearerToken": {"bearer": token}}},
            "generation": {"max-examples": EXAMPLES},
            "checks": {
                # The document can't say which emails belong to reps, or which bytes make a
                # CSV export of a CRM: well-formed requests may still be refused with problems.
                "positive_data_acceptance": {"expected-statuses": ["2xx", "422"]},
            },
        }
    )
    return schemathesis.openapi.from_asgi("/api/v1/openapi.json", served, config=config)


def test_the_api_keeps_to_its_openapi_document(api_schema: Any) -> None:
    """Schemathesis's own engine, as its command line runs it: every phase (examples,
    coverage, fuzzing, stateful) and every check, each operation bounded by EXAMPLES."""
    problems = []
    statuses: Counter[int] = Counter()
    for event in schemathesis.engine.from_schema(api_schema).execute():
        if isinstance(event, events.ScenarioFinished | events.FuzzScenarioFinished):
            statuses.update(statuses_in(event.recorder))
            problems += failures_in(event.recorder)
        elif isinstance(event, events.NonFatalError | events.FatalError):
            problems.append(f"{type(event).__name__}: {event_error(event)}")
        elif isinstance(event, events.EngineFinished):
            problems += [f"after run: {failure.title}" for failure in event.failures]
    assert not problems, "\n".join(problems)
    assert statuses.total() >= EXAMPLES, f"schemathesis sent only {statuses}"
    assert statuses[201] and statuses[401] and statuses[422], statuses  # it got past the door


def statuses_in(recorder: Any) -> list[int]:
    return [
        interaction.response.status_code
        for interaction in recorder.interactions.values()
        if interaction.response is not None
    ]


def failures_in(recorder: Any) -> list[str]:
    found = []
    for _case_id, checks in recorder.checks.items():
        for check in checks:
            if check.status != Status.SUCCESS and check.failure_info is not None:
                info = check.failure_info
                found.append(f"{check.name}: {info.failure.title} ({info.failure.message})\n  "
                             f"{info.code_sample}")  # fmt: skip
    return found


def event_error(event: Any) -> str:
    value = getattr(event, "value", None) or getattr(event, "exception", None)
    return f"{type(value).__name__}: {value}"


def test_generated_requests_reached_the_database(api_world: tuple[OnLoop, str]) -> None:
    """The bridge above is real: a request through it writes where the test reads."""
    served, token = api_world
    import httpx

    async def post() -> int:
        transport = httpx.ASGITransport(app=served)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            body = {"rep_email": REP_EMAIL, "deals": [{"name": "Acme", "stage": "Proposal"}]}
            response = await c.post(
                "/api/v1/snapshots", json=body, headers={"Authorization": f"Bearer {token}"}
            )
        return response.status_code

    assert asyncio.run(post()) == 201
    count = asyncio.run_coroutine_threadsafe(
        _in(served, PipelineSnapshot.filter(owner__email=REP_EMAIL).count()), served.loop
    ).result(10)
    assert count == 1


async def _in(served: OnLoop, awaitable: Any) -> Any:
    return await awaitable
