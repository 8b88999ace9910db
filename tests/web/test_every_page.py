"""Every page opens for every demo role without a server error, in the demo organisation."""

from starlette.routing import Route

from app.demo import DEMO_PASSWORD, DEMO_PEOPLE, create_demo
from coaching.models import CoachingSession, Goal, Pairing, PipelineSnapshot, Reflection, User
from playbooks.models import Playbook

SAMPLE_MODEL = {
    "sessions": CoachingSession,
    "pairings": Pairing,
    "snapshots": PipelineSnapshot,
    "playbooks": Playbook,
    "goals": Goal,
    "journal": Reflection,
    "people": User,
}


async def sample_ids() -> dict[str, int]:
    ids = {}
    for prefix, model in SAMPLE_MODEL.items():
        first = await model.all().order_by("id").first()
        ids[prefix] = first.id
    return ids


def concrete_get_paths(app, ids: dict[str, int]) -> list[str]:
    paths = []
    for route in app.routes:
        if not isinstance(route, Route) or "GET" not in (route.methods or ()):
            continue
        path = route.path
        # Token links have their own tests; /login and single sign-on redirect the signed-in.
        if "{token}" in path or path == "/login" or path.startswith("/login/sso"):
            continue
        if "{id:id}" in path:
            prefix = path.strip("/").split("/")[0]
            prefix = "people" if prefix == "admin" else prefix
            path = path.replace("{id:id}", str(ids[prefix]))
        paths.append(path)
    return paths


async def test_every_get_page_renders_for_every_demo_role(app, browser):
    await create_demo()
    ids = await sample_ids()
    paths = concrete_get_paths(app, ids)
    assert len(paths) > 15
    for email, *_ in DEMO_PEOPLE:
        browser.client.cookies.clear()
        user = await User.filter(email=email).prefetch_related("role_rows").get()
        assert (await browser.login(user, DEMO_PASSWORD)).status_code == 303
        for path in paths:
            response = await browser.get(path)
            assert response.status_code in {200, 403, 404}, (email, path, response.status_code)
            assert "Traceback" not in response.text
            head = await browser.client.head(path)
            assert head.status_code == response.status_code, (email, "HEAD", path)
