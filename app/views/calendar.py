"""The private calendar feed: a calendar app reads a person's sessions with their secret link.

No sign-in (calendar apps can't) and no session cookie: the token in the URL is the only
key (app/web_sessions.py loads no session under /calendar/). A wrong, replaced or turned-off
token is a plain 404 that says nothing about whether it ever existed.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from app.urls import public_base_url
from coaching import calendars
from coaching.identity import calendar_feeds
from coaching.invitations import Invitations

CALENDAR_TYPE = "text/calendar; charset=utf-8"
# The feed changes whenever a session does, and is the person's own: no shared cache keeps it.
NOT_CACHED = {"Cache-Control": "private, no-store"}
NO_SUCH_LINK = (
    "No such calendar link. It may have been replaced or turned off: make a new one on "
    "your account page in Tandem.\n"
)


def calendar_site(request: Request) -> calendars.CalendarSite:
    return calendars.CalendarSite(public_base_url(request))


def invitations_from(request: Request) -> Invitations:
    """Invitations for a change made in this request: links and UIDs from the public
    address, sent from TANDEM_MAIL_FROM."""
    return Invitations(calendar_site(request), request.app.state.settings.mail.mail_from)


async def feed(request: Request) -> Response:
    owner = await calendar_feeds.feed_owner(request.path_params["token"])
    if owner is None:
        return PlainTextResponse(NO_SUCH_LINK, status_code=404, headers=NOT_CACHED)
    # No access log line: the feed holds only the owner's own sessions, read by the owner's
    # own calendar (as on the sessions list, titles and times, no notes or brought things).
    sessions = await calendars.list_feed_sessions(owner)
    body = calendars.feed(sessions, calendar_site(request))
    return Response(body, media_type=CALENDAR_TYPE, headers=NOT_CACHED)
