"""A readable, word-level difference between two versions of a playbook."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from markupsafe import Markup, escape

from playbooks.models import Playbook, PlaybookVersion

_TOKENS = re.compile(r"\s+|\w+|[^\w\s]")
FIELDS = (
    ("title", "Title"),
    ("summary", "Summary"),
    ("audience", "Audience"),
    ("topics", "Topics"),
    ("signals", "Snapshot signals"),
    ("prompts", "Reflection prompts"),
    ("body", "Text"),
)


@dataclass(frozen=True)
class FieldDiff:
    label: str
    changed: bool
    html: Markup  # the new text, removed words in <del>, added words in <ins>


def word_diff(old: str, new: str) -> Markup:
    """`new` with what changed from `old` marked, word by word (spaces kept as they are)."""
    a, b = _TOKENS.findall(old), _TOKENS.findall(new)
    parts: list[str] = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            parts.append(str(escape("".join(b[j1:j2]))))
            continue
        if i2 > i1:
            parts.append(f"<del>{escape(''.join(a[i1:i2]))}</del>")
        if j2 > j1:
            parts.append(f"<ins>{escape(''.join(b[j1:j2]))}</ins>")
    return Markup("".join(parts))


def compare(old: PlaybookVersion, new: PlaybookVersion | Playbook) -> list[FieldDiff]:
    """Field by field; `new` may be the draft, to show what publishing it would change."""
    return [
        FieldDiff(
            label,
            getattr(old, name) != getattr(new, name),
            word_diff(getattr(old, name), getattr(new, name)),
        )
        for name, label in FIELDS
    ]


compare_draft = compare
