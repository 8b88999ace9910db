"""The repository explains itself: generated references are current, links resolve."""

from __future__ import annotations

import re
from pathlib import Path

import playbooks.policy  # noqa: F401  (registers the playbook policy)
from coaching.policy.docs import permissions_markdown

ROOT = Path(__file__).resolve().parents[1]


def test_the_permission_reference_is_generated_from_the_current_policies() -> None:
    stored = (ROOT / "docs" / "permissions.md").read_text(encoding="utf-8")
    assert stored == permissions_markdown(), (
        "docs/permissions.md is out of date: run `tandem permissions > docs/permissions.md`"
    )


def test_docs_link_only_to_files_inside_the_repository() -> None:
    """Privacy guarantees and how they are tested are documented here, not in a brief that
    ships elsewhere: no link may point outside the repository."""
    offences = []
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        text = doc.read_text(encoding="utf-8")
        for target in re.findall(r"\]\(([^)#]+)", text):
            if target.startswith(("http://", "https://", "mailto:")):
                continue
            if ".." in Path(target).parts or not (doc.parent / target).exists():
                offences.append(f"{doc.name} -> {target}")
        if "../shared" in text:
            offences.append(f"{doc.name} mentions ../shared")
    assert not offences, offences
