"""The one URL table. Every route declares who may reach it (see app/access.py)."""

from __future__ import annotations

from starlette.staticfiles import StaticFiles

from app.access import BEARER, PUBLIC, SIGNED_IN, allowed, api, page, static_mount
from app.api import routes as api_routes
from app.settings import ROOT
from app.views import (
    account,
    admin,
    auth,
    calendar,
    dev,
    goals,
    health,
    home,
    oidc,
    pairings,
    playbooks,
    reflections,
    sessions,
    snapshots,
)
from coaching.policy import Action

GET_POST = ["GET", "POST"]
POST = ["POST"]
MANAGE_PEOPLE = allowed("person", Action.MANAGE)
PROPOSE_PAIRINGS = allowed("pairing", Action.PROPOSE)
WRITE_PLAYBOOKS = allowed("playbook", Action.CREATE)
LEARN_PLAYBOOKS = allowed("playbook", Action.LEARN)
IMPORT_SNAPSHOTS = allowed("snapshot", Action.CREATE)

ROUTES = [
    page("/healthz", health.check, name="health:check", access=PUBLIC),
    page("/login", auth.login, name="auth:login", access=PUBLIC, methods=GET_POST),
    page("/logout", auth.logout, name="auth:logout", access=PUBLIC, methods=POST),
    page(
        "/invitations/{token}",
        auth.accept_invitation,
        name="auth:accept_invitation",
        access=PUBLIC,
        methods=GET_POST,
    ),
    page("/login/forgot", auth.forgot_password, name="auth:forgot_password", access=PUBLIC),
    page(
        "/password-reset/{token}",
        auth.reset_password,
        name="auth:reset_password",
        access=PUBLIC,
        methods=GET_POST,
    ),
    page("/login/sso", oidc.start, name="oidc:start", access=PUBLIC),
    page("/login/sso/callback", oidc.callback, name="oidc:callback", access=PUBLIC),
    page("/", home.index, name="home:index", access=SIGNED_IN),
    page(
        "/notices/{id:id}/dismiss",
        home.dismiss,
        name="home:dismiss_notice",
        access=SIGNED_IN,
        methods=POST,
    ),
    page("/account", account.profile, name="account:profile", access=SIGNED_IN, methods=GET_POST),
    page(
        "/account/password",
        account.password,
        name="account:password",
        access=SIGNED_IN,
        methods=GET_POST,
    ),
    page("/account/access-log", account.access_log, name="account:access_log", access=SIGNED_IN),
    page("/account/changes", account.changes, name="account:changes", access=SIGNED_IN),
    page(
        "/account/calendar",
        account.calendar_link,
        name="account:calendar_link",
        access=SIGNED_IN,
        methods=POST,
    ),
    page(
        "/account/calendar/off",
        account.calendar_off,
        name="account:calendar_off",
        access=SIGNED_IN,
        methods=POST,
    ),
    # A calendar app can't sign in: the secret token in the URL is the key (a wrong one 404s).
    page("/calendar/{token}.ics", calendar.feed, name="calendar:feed", access=PUBLIC),
    page("/sessions", sessions.index, name="sessions:index", access=SIGNED_IN),
    page("/sessions/{id:id}", sessions.detail, name="sessions:detail", access=SIGNED_IN),
    page(
        "/sessions/{id:id}/change",
        sessions.change,
        name="sessions:change",
        access=SIGNED_IN,
        methods=GET_POST,
    ),
    page(
        "/sessions/{id:id}/cancel",
        sessions.cancel,
        name="sessions:cancel",
        access=SIGNED_IN,
        methods=POST,
    ),
    page(
        "/sessions/{id:id}/agenda",
        sessions.add_agenda,
        name="sessions:add_agenda",
        access=SIGNED_IN,
        methods=POST,
    ),
    page(
        "/sessions/{id:id}/shared-notes",
        sessions.shared_notes,
        name="sessions:shared_notes",
        access=SIGNED_IN,
        methods=POST,
    ),
    page(
        "/sessions/{id:id}/private-note",
        sessions.private_note,
        name="sessions:private_note",
        access=SIGNED_IN,
        methods=POST,
    ),
    page(
        "/agenda/{id:id}/toggle",
        sessions.toggle_agenda,
        name="sessions:toggle_agenda",
        access=SIGNED_IN,
        methods=POST,
    ),
    page(
        "/agenda/{id:id}/delete",
        sessions.delete_agenda,
        name="sessions:delete_agenda",
        access=SIGNED_IN,
        methods=POST,
    ),
    page("/pairings", pairings.index, name="pairings:index", access=SIGNED_IN),
    page(
        "/pairings/new",
        pairings.new,
        name="pairings:new",
        access=PROPOSE_PAIRINGS,
        methods=GET_POST,
    ),
    page("/pairings/{id:id}", pairings.detail, name="pairings:detail", access=SIGNED_IN),
    page(
        "/pairings/{id:id}/respond",
        pairings.respond,
        name="pairings:respond",
        access=SIGNED_IN,
        methods=POST,
    ),
    page(
        "/pairings/{id:id}/end", pairings.end, name="pairings:end", access=SIGNED_IN, methods=POST
    ),
    page(
        "/pairings/{id:id}/sessions/new",
        sessions.new,
        name="sessions:new",
        access=SIGNED_IN,
        methods=GET_POST,
    ),
    page("/goals", goals.index, name="goals:index", access=SIGNED_IN, methods=GET_POST),
    page(
        "/goals/{id:id}/status", goals.status, name="goals:status", access=SIGNED_IN, methods=POST
    ),
    page("/goals/{id:id}/sharing", goals.share, name="goals:share", access=SIGNED_IN, methods=POST),
    page(
        "/journal", reflections.index, name="reflections:index", access=SIGNED_IN, methods=GET_POST
    ),
    page(
        "/journal/{id:id}/sharing",
        reflections.share,
        name="reflections:share",
        access=SIGNED_IN,
        methods=POST,
    ),
    page("/snapshots", snapshots.index, name="snapshots:index", access=SIGNED_IN),
    page(
        "/snapshots/import",
        snapshots.import_file,
        name="snapshots:import",
        access=IMPORT_SNAPSHOTS,
        methods=GET_POST,
    ),
    page(
        "/snapshots/import/confirm",
        snapshots.confirm,
        name="snapshots:confirm",
        access=IMPORT_SNAPSHOTS,
        methods=POST,
    ),
    page("/snapshots/compare", snapshots.compare, name="snapshots:compare", access=SIGNED_IN),
    page("/snapshots/{id:id}", snapshots.detail, name="snapshots:detail", access=SIGNED_IN),
    page(
        "/snapshots/{id:id}/delete",
        snapshots.delete,
        name="snapshots:delete",
        access=SIGNED_IN,
        methods=POST,
    ),
    page(
        "/snapshots/{id:id}/deals/{deal_id:id}/context",
        snapshots.deal_context,
        name="snapshots:deal_context",
        access=SIGNED_IN,
        methods=POST,
    ),
    page(
        "/snapshots/{id:id}/session",
        snapshots.bring,
        name="snapshots:bring",
        access=SIGNED_IN,
        methods=POST,
    ),
    page(
        "/sessions/{id:id}/deals",
        snapshots.brought_deals,
        name="sessions:brought_deals",
        access=SIGNED_IN,
    ),
    page(
        "/snapshots/{id:id}/take-back",
        snapshots.take_back,
        name="snapshots:take_back",
        access=SIGNED_IN,
        methods=POST,
    ),
    page(
        "/pairings/{id:id}/auto-bring",
        snapshots.auto_bring,
        name="snapshots:auto_bring",
        access=SIGNED_IN,
        methods=POST,
    ),
    page(
        "/sessions/{id:id}/commitments",
        sessions.add_commitment,
        name="sessions:add_commitment",
        access=SIGNED_IN,
        methods=POST,
    ),
    page(
        "/commitments/{id:id}/done",
        sessions.commitment_done,
        name="commitments:done",
        access=SIGNED_IN,
        methods=POST,
    ),
    page(
        "/commitments/{id:id}/delete",
        sessions.commitment_delete,
        name="commitments:delete",
        access=SIGNED_IN,
        methods=POST,
    ),
    page("/commitments", sessions.my_commitments, name="commitments:mine", access=SIGNED_IN),
    page("/playbooks", playbooks.index, name="playbooks:index", access=SIGNED_IN),
    page(
        "/playbooks/new",
        playbooks.new,
        name="playbooks:new",
        access=WRITE_PLAYBOOKS,
        methods=GET_POST,
    ),
    page("/playbooks/{id:id}", playbooks.detail, name="playbooks:detail", access=SIGNED_IN),
    page(
        "/playbooks/{id:id}/edit",
        playbooks.edit,
        name="playbooks:edit",
        access=WRITE_PLAYBOOKS,
        methods=GET_POST,
    ),
    page(
        "/playbooks/{id:id}/publish",
        playbooks.publish,
        name="playbooks:publish",
        access=WRITE_PLAYBOOKS,
        methods=GET_POST,
    ),
    page(
        "/playbooks/{id:id}/versions",
        playbooks.versions,
        name="playbooks:versions",
        access=WRITE_PLAYBOOKS,
    ),
    page(
        "/playbooks/{id:id}/compare",
        playbooks.compare,
        name="playbooks:compare",
        access=WRITE_PLAYBOOKS,
    ),
    page(
        "/playbooks/{id:id}/reception",
        playbooks.reception,
        name="playbooks:reception",
        access=WRITE_PLAYBOOKS,
    ),
    page(
        "/playbooks/{id:id}/archive",
        playbooks.archive,
        name="playbooks:archive",
        access=WRITE_PLAYBOOKS,
        methods=POST,
    ),
    page(
        "/playbooks/{id:id}/restore",
        playbooks.restore,
        name="playbooks:restore",
        access=WRITE_PLAYBOOKS,
        methods=POST,
    ),
    page(
        "/playbooks/{id:id}/read",
        playbooks.mark_read,
        name="playbooks:mark_read",
        access=LEARN_PLAYBOOKS,
        methods=POST,
    ),
    page(
        "/playbooks/{id:id}/bookmark",
        playbooks.bookmark,
        name="playbooks:bookmark",
        access=LEARN_PLAYBOOKS,
        methods=POST,
    ),
    page(
        "/playbooks/{id:id}/reflection",
        playbooks.reflect,
        name="playbooks:reflect",
        access=LEARN_PLAYBOOKS,
        methods=POST,
    ),
    page(
        "/playbooks/{id:id}/rating",
        playbooks.rate,
        name="playbooks:rate",
        access=LEARN_PLAYBOOKS,
        methods=POST,
    ),
    page("/admin/people", admin.people_index, name="admin:people", access=MANAGE_PEOPLE),
    page(
        "/admin/invite", admin.invite, name="admin:invite", access=MANAGE_PEOPLE, methods=GET_POST
    ),
    page(
        "/admin/people/{id:id}/roles",
        admin.set_roles,
        name="admin:roles",
        access=MANAGE_PEOPLE,
        methods=POST,
    ),
    page(
        "/admin/people/{id:id}/active",
        admin.set_active,
        name="admin:active",
        access=MANAGE_PEOPLE,
        methods=POST,
    ),
    page(
        "/admin/people/{id:id}/password-reset",
        admin.password_reset,
        name="admin:password_reset",
        access=MANAGE_PEOPLE,
        methods=POST,
    ),
    page(
        "/admin/people/{id:id}/sign-in-delay/clear",
        admin.clear_login_delay,
        name="admin:clear_login_delay",
        access=MANAGE_PEOPLE,
        methods=POST,
    ),
    page(
        "/admin/invitations/{id:id}/resend",
        admin.resend_invitation,
        name="admin:resend_invitation",
        access=MANAGE_PEOPLE,
        methods=POST,
    ),
    page(
        "/admin/invitations/{id:id}/revoke",
        admin.revoke_invitation,
        name="admin:revoke_invitation",
        access=MANAGE_PEOPLE,
        methods=POST,
    ),
    page("/admin/audit", admin.audit_log, name="admin:audit", access=MANAGE_PEOPLE),
    page(
        "/admin/api-tokens",
        admin.api_token_list,
        name="admin:api_tokens",
        access=MANAGE_PEOPLE,
        methods=GET_POST,
    ),
    page(
        "/admin/api-tokens/{id:id}/revoke",
        admin.revoke_api_token,
        name="admin:revoke_api_token",
        access=MANAGE_PEOPLE,
        methods=GET_POST,
    ),
    # Development only (404 when TANDEM_ENV=production): the mail outbox, for admins.
    page("/dev/mail", dev.mail, name="dev:mail", access=MANAGE_PEOPLE),
    # The API: JSON, bearer tokens, no session (app/access.py: api).
    api("/api/v1/openapi.json", api_routes.openapi, name="api:openapi", access=PUBLIC),
    api(
        "/api/v1/snapshots",
        api_routes.import_snapshot,
        name="api:import_snapshot",
        access=BEARER,
        methods=POST,
    ),
    static_mount("/static", StaticFiles(directory=str(ROOT / "app" / "static")), name="static"),
]
