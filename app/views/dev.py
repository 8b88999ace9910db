"""Development helpers: the mail outbox, to read what Tandem would send without SMTP."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from app.web import me, query_int, render
from coaching.errors import NotFound
from coaching.mail import outbox


async def mail(request: Request) -> Response:
    """Every message in the outbox, newest first (never in production: 404 there)."""
    settings = request.app.state.settings
    if settings.production:
        raise NotFound("There is no such page.")
    page = query_int(request, "page")
    entries, has_more = await outbox.list_outbox(me(request), page)
    return render(
        request,
        "dev/mail.html",
        entries=entries,
        page=page,
        has_more=has_more,
        smtp_host=settings.mail.host,
    )
