"""Classification markings by policy: their order, the default, and when export asks first.

The order of the levels is the order of ``classification_markings``, lowest first (the built-in
list is UNCLASSIFIED, RESTRICTED, CONFIDENTIAL). A document may carry a marking the list no
longer holds (the list changed, or a contact's organisation uses other words): it counts as the
highest level, so a warning is never skipped for a marking nobody ranked.
"""

from __future__ import annotations

from delegate_app.core.policy import Policy


def markings(policy: Policy) -> tuple[str, ...]:
    return tuple(policy.value("classification_markings"))


def default_marking(policy: Policy) -> str:
    """The marking an import gets, or the import dialog offers, when none was chosen."""
    chosen = policy.value("default_classification")
    return str(chosen) if chosen is not None else markings(policy)[0]


def classification_required(policy: Policy) -> bool:
    """Whether every import must name its marking (``require_classification``).

    Users have no switch of their own for it, so the organisation's value is followed whether
    it is locked or only a default, as for ``export_allowed``."""
    return bool(policy.value("require_classification"))


def level(policy: Policy, marking: str) -> int:
    """The marking's rank, 0 for the lowest; an unlisted marking ranks above every listed one."""
    folded = marking.strip().casefold()
    listed = markings(policy)
    for rank, known in enumerate(listed):
        if known.casefold() == folded:
            return rank
    return len(listed)


def export_warning(policy: Policy, marking: str) -> str | None:
    """The ``export_warning_level`` that ``marking`` reaches, None when export need not ask."""
    threshold = policy.value("export_warning_level")
    if threshold is None or level(policy, marking) < level(policy, str(threshold)):
        return None
    return str(threshold)
