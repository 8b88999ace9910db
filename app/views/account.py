from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from app.web import form_of, me, query_int, redirect, render, render_invalid
from coaching import access, people
from coaching.errors import Invalid


async def profile(request: Request) -> Response:
    user = me(request)
    zones = people.timezone_names()
    if request.method != "POST":  # GET, or HEAD
        form = {"name": user.name, "timezone": user.timezone}
        return render(request, "account/profile.html", form=form, errors={}, zones=zones)
    form = await form_of(request)
    try:
        await people.update_profile(user, form.get("name", ""), form.get("timezone", ""))
    except Invalid as exc:
        return render_invalid(request, "account/profile.html", exc, form, zones=zones)
    return redirect(request, "account:profile", "Your profile is saved.")


async def access_log(request: Request) -> Response:
    page = query_int(request, "page")
    events, has_more = await access.list_reads_of_my_data(me(request), page)
    return render(request, "account/access_log.html", events=events, page=page, has_more=has_more)
