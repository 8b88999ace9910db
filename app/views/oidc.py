"""Single sign-on with OpenID Connect (Authlib): people are matched by verified email."""

from __future__ import annotations

import warnings

import httpx
from authlib.integrations.base_client.errors import OAuthError

with warnings.catch_warnings():
    # Authlib 1.9 announces moves (httpx -> httpx2, jose -> joserfc) for its 2.0; the 1.x
    # APIs used here keep working, so the notices would only clutter `tandem serve`.
    warnings.filterwarnings("ignore", message="The httpx module is deprecated")
    warnings.filterwarnings("ignore", message="authlib.jose module is deprecated")
    from authlib.integrations.starlette_client import OAuth
    from authlib.jose.errors import JoseError
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from app.logs import get_logger
from app.settings import OidcSettings
from app.urls import absolute_url
from app.web import flash
from app.web_sessions import sign_in
from coaching.identity.accounts import find_user_by_verified_email
from coaching.identity.models import EMAIL_MAX

log = get_logger("tandem.oidc")


def make_oauth(oidc: OidcSettings) -> OAuth:
    oauth = OAuth()
    oauth.register(
        "oidc",
        client_id=oidc.client_id,
        client_secret=oidc.client_secret,
        server_metadata_url=oidc.metadata_url,
        client_kwargs={"scope": "openid email profile"},
    )
    return oauth


def _refuse(request: Request, message: str) -> Response:
    flash(request, message, "error")
    return RedirectResponse("/login", status_code=303)


async def start(request: Request) -> Response:
    oauth: OAuth | None = getattr(request.app.state, "oauth", None)
    if oauth is None:
        return _refuse(request, "Single sign-on isn't set up here. Sign in with your password.")
    try:
        callback = str(absolute_url(request, "oidc:callback"))
        return await oauth.oidc.authorize_redirect(request, callback)
    except httpx.HTTPError as exc:
        log.warning("SSO provider unreachable: %s", exc)
        return _refuse(
            request,
            "The single sign-on provider can't be reached right now. "
            "Try again shortly, or sign in with your password.",
        )


async def callback(request: Request) -> Response:
    oauth: OAuth | None = getattr(request.app.state, "oauth", None)
    if oauth is None:
        return _refuse(request, "Single sign-on isn't set up here. Sign in with your password.")
    try:
        token = await oauth.oidc.authorize_access_token(request)
    except (OAuthError, JoseError, httpx.HTTPError) as exc:
        log.info("SSO refused: %r", exc)
        return _refuse(
            request,
            "Single sign-on didn't complete (the request was out of date "
            "or not ours). Please try again.",
        )
    claims = token.get("userinfo") or {}
    email = str(claims.get("email") or "")
    if not email or claims.get("email_verified") is not True:
        return _refuse(
            request,
            "Your identity provider didn't confirm your email address, so "
            "Tandem can't match it to an account.",
        )
    if len(email) > EMAIL_MAX:
        return _refuse(
            request,
            f"Your identity provider gave an email address of {len(email)} characters; "
            f"Tandem accounts have at most {EMAIL_MAX}. Ask an admin for help.",
        )
    user = await find_user_by_verified_email(email)
    if user is None:
        return _refuse(
            request, f"There's no active Tandem account for {email}. Ask an admin to invite you."
        )
    sign_in(request, user)
    flash(request, f"Welcome back, {user.first_name}.")
    return RedirectResponse("/", status_code=303)
