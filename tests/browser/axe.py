"""Run axe-core in a page and describe what it finds, for people reading a test failure.

axe is injected as an inline script, which the app's Content-Security-Policy (rightly)
forbids: either create the page's context with `bypass_csp=True`, or call `serve_axe` on the
context first, which serves axe from the app's own origin (the CSP stays on, so a test can
still catch the page's own violations).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import BrowserContext, Page, Route

from tests.browser.conftest import DESKTOP, PHONE, LiveServer, artifact

# WCAG 2.0, 2.1 and 2.2, levels A and AA: the rules the issue asks every page to pass.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

RUN_AXE = """async (tags) => {
  const result = await axe.run(document, {
    runOnly: {type: 'tag', values: tags},
    resultTypes: ['violations'],
  });
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
    nodes: v.nodes.map(n => ({
      target: n.target.join(' '), html: n.html, summary: n.failureSummary || '',
    })),
  }));
}"""


AXE_PATH = "/__browser-tests__/axe.min.js"  # answered by the browser, never by the app


def serve_axe(context: BrowserContext, server: LiveServer, axe_js: Path) -> None:
    """Pages of `context` load axe from a same-origin URL, so `script-src 'self'` allows it."""

    def fulfil(route: Route) -> None:
        route.fulfill(path=axe_js, content_type="text/javascript")

    context.route(server(AXE_PATH), fulfil)
    context.add_init_script(f"window.__axeUrl = {server(AXE_PATH)!r};")


def axe_violations(page: Page, axe_js: Path) -> list[dict[str, Any]]:
    """The WCAG A/AA violations axe-core finds in the page as it is laid out now."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        url = page.evaluate("() => window.__axeUrl || null")
        if url:
            page.add_script_tag(url=url)
        else:
            page.add_script_tag(path=str(axe_js))
    return page.evaluate(RUN_AXE, WCAG_TAGS)


def describe(violations: list[dict[str, Any]], where: str, max_nodes: int = 6) -> str:
    """One paragraph per rule: the rule, how bad, where, and the offending elements."""
    lines = []
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}) {where}: {v['help']} [{v['helpUrl']}]")
        for node in v["nodes"][:max_nodes]:
            summary = " ".join(node["summary"].split())
            lines.append(f"    {node['target']}: {node['html'][:160]}")
            if summary:
                lines.append(f"      {summary[:300]}")
        if len(v["nodes"]) > max_nodes:
            lines.append(f"    … and {len(v['nodes']) - max_nodes} more")
    return "\n".join(lines)


def assert_accessible(page: Page, axe_js: Path, what: str, shot: str) -> None:
    """axe-core at 1280 px, then at 390 px (the layout changes), on the loaded page."""
    found = []
    for viewport in (DESKTOP, PHONE):
        page.set_viewport_size(viewport)
        violations = axe_violations(page, axe_js)
        if violations:
            width = viewport["width"]
            found.append(describe(violations, f"at {width} px"))
            page.screenshot(path=artifact(f"a11y/{shot}-{width}.png"), full_page=True)
    page.set_viewport_size(DESKTOP)
    assert not found, f"WCAG 2.2 A/AA violations on {what}:\n" + "\n".join(found)
