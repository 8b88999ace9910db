"""A real OpenID provider for tests: oidc-provider-mock served by werkzeug in a thread.

It accepts any client id and secret, and its authorize step is a form: POSTing `sub` to the
authorize URL signs that subject in and redirects back with a code (no human needed).
`PUT {issuer}/users/{sub}` presets the claims the provider will assert for a subject.
"""

from __future__ import annotations

import contextlib
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import oidc_provider_mock
from werkzeug.serving import WSGIRequestHandler, make_server


class _QuietHandler(WSGIRequestHandler):
    def log(self, type: str, message: str, *args: Any) -> None:  # noqa: A002
        pass


@dataclass(frozen=True)
class Provider:
    issuer: str
    client_id: str = "tandem-tests"
    client_secret: str = "tandem-tests-secret"

    def add_person(self, **claims: Any) -> str:
        """Preset a subject's claims at the provider and return its (unique) `sub`."""
        sub = f"sub-{uuid.uuid4().hex[:12]}"
        response = httpx.put(f"{self.issuer}/users/{sub}", json=claims)
        response.raise_for_status()
        return sub

    def owns(self, url: str) -> bool:
        return url.startswith(self.issuer + "/")


@contextlib.contextmanager
def running_provider() -> Iterator[Provider]:
    server = make_server(
        "127.0.0.1", 0, oidc_provider_mock.app(), threaded=True, request_handler=_QuietHandler
    )
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield Provider(issuer=f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
