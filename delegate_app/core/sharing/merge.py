"""Line-based three-way merge of document bodies (over the ``merge3`` library).

Two people who edited different passages of the same base merge cleanly; when
they touched the same lines the merge reports a conflict and the caller keeps
both versions for the user to resolve. Nothing is ever overwritten silently.
"""

from __future__ import annotations

from dataclasses import dataclass

import merge3


@dataclass(frozen=True)
class MergeResult:
    text: str | None  # the merged body; None when the edits conflict
    conflicts: int

    @property
    def clean(self) -> bool:
        return self.text is not None


def three_way_merge(base: str, ours: str, theirs: str) -> MergeResult:
    """Merge ``ours`` and ``theirs``, both edited from ``base``."""
    if ours == theirs:
        return MergeResult(ours, 0)
    if ours == base:
        return MergeResult(theirs, 0)
    if theirs == base:
        return MergeResult(ours, 0)
    merger = merge3.Merge3(
        base.splitlines(keepends=True),
        ours.splitlines(keepends=True),
        theirs.splitlines(keepends=True),
    )
    lines: list[str] = []
    conflicts = 0
    for group in merger.merge_groups():
        kind = group[0]
        if kind in ("unchanged", "a", "b", "same"):
            lines.extend(group[1])
        else:  # "conflict": (kind, base_lines, a_lines, b_lines)
            conflicts += 1
    if conflicts:
        return MergeResult(None, conflicts)
    return MergeResult("".join(lines), 0)
