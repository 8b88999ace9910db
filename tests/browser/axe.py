"""Run axe-core in a page and describe what it finds, for people reading a test failure.

The page's context must be created with `bypass_csp=True`: axe is injected as an inline
script, which the app's Content-Security-Policy (rightly) forbids.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import Page

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


def axe_violations(page: Page, axe_js: Path) -> list[dict[str, Any]]:
    """The WCAG A/AA violations axe-core finds in the page as it is laid out now."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
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
