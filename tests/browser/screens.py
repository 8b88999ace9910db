"""Checks every screen gets, shared by the browser tests: screenshots at laptop and phone
width (to tests/artifacts/screens/, for people to look at), every form control labelled,
and nothing wider than a 390 px phone."""

from __future__ import annotations

from playwright.sync_api import Page

from tests.browser.conftest import DESKTOP, PHONE, artifact

UNLABELLED_CONTROLS = """() => [...document.querySelectorAll('input, select, textarea')]
  .filter(el => el.type !== 'hidden')
  .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')
                && !el.getAttribute('aria-labelledby'))
  .map(el => el.outerHTML.slice(0, 120))"""

# Tables may scroll sideways inside their .table-wrap, and the main menu wraps by design.
OVERFLOW = """() => ({
  scrollWidth: document.documentElement.scrollWidth,
  innerWidth: window.innerWidth,
  wide: [...document.querySelectorAll('body *')]
    .filter(el => el.getBoundingClientRect().right > window.innerWidth + 1)
    .filter(el => !el.closest('.table-wrap, .mainnav'))
    .slice(0, 5).map(el => el.tagName.toLowerCase() + '.' + (el.getAttribute('class') || '')),
})"""


def check_phone_width(page: Page) -> None:
    overflow = page.evaluate(OVERFLOW)
    assert overflow["scrollWidth"] <= overflow["innerWidth"], overflow
    assert overflow["wide"] == [], f"elements wider than the phone: {overflow}"


def snap(page: Page, name: str) -> None:
    """Screenshot at laptop and phone width with the checks every screen gets."""
    page.set_viewport_size(DESKTOP)
    page.screenshot(path=artifact(f"screens/{name}-desktop.png"), full_page=True)
    assert page.evaluate(UNLABELLED_CONTROLS) == [], "form controls without a label"
    page.set_viewport_size(PHONE)
    page.screenshot(path=artifact(f"screens/{name}-phone.png"), full_page=True)
    check_phone_width(page)
    page.set_viewport_size(DESKTOP)
