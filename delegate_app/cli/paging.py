"""``--limit N --page P`` for the search commands: the P-th page of N hits (docs/SEARCH.md)."""

from __future__ import annotations

import argparse
from typing import Any

from delegate_app.i18n import _

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
MAX_PAGE = 10_000


def _bounded(most: int) -> Any:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = 0
        if not 1 <= value <= most:
            raise argparse.ArgumentTypeError(
                _("{value} is not a whole number from 1 to {most}.").format(value=text, most=most)
            )
        return value

    return parse


def add_page_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--limit", type=_bounded(MAX_LIMIT), default=DEFAULT_LIMIT, metavar="N",
        help=_("at most N hits of each kind (default 50, at most 500)"),
    )  # fmt: skip
    parser.add_argument(
        "--page", type=_bounded(MAX_PAGE), default=1, metavar="P",
        help=_("the P-th page of N hits of each kind (default 1)"),
    )  # fmt: skip


def page_window(args: argparse.Namespace) -> tuple[int, int]:
    """(offset, limit) for the page asked for."""
    return (args.page - 1) * args.limit, args.limit
