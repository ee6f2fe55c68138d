"""``docs import|list|search|show|edit|delete|export``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from delegate_app.cli.common import (
    CliError,
    add_json_option,
    command,
    policy,
    print_json,
    print_table,
    unlocked_vault,
)
from delegate_app.cli.paging import add_page_options, page_window
from delegate_app.core.documents import DocumentError, ExportTargetExistsError
from delegate_app.core.documents.library import Library, require_export_allowed
from delegate_app.core.documents.markings import classification_required
from delegate_app.core.documents.models import DocumentKind, DocumentSummary, ImportOptions
from delegate_app.core.documents.removal import describe_sharing
from delegate_app.i18n import _, ngettext

KIND_CHOICES = [kind.value for kind in DocumentKind]


def register(subparsers: Any) -> None:
    docs = subparsers.add_parser(
        "docs", help=_("import, list, search, show, edit, delete and export documents")
    )
    sub = docs.add_subparsers(dest="docs_command", metavar="ACTION", required=True)

    imp = sub.add_parser("import", help=_("import Markdown, HTML, text or PDF files"))
    imp.add_argument("files", nargs="+", metavar="FILE", type=Path)
    imp.add_argument("--kind", choices=KIND_CHOICES, default=DocumentKind.BRIEFING.value)
    imp.add_argument("--event", metavar="E", help=_("event or meeting"))
    imp.add_argument("--classification", metavar="C", help=_("classification marking"))
    imp.add_argument("--tags", metavar="T", default="", help=_("comma-separated tags"))
    imp.add_argument("--language", metavar="L", help=_("language of the document"))
    add_json_option(imp)
    command(imp, cmd_import)

    lst = sub.add_parser("list", help=_("list documents"))
    lst.add_argument("--kind", choices=KIND_CHOICES)
    lst.add_argument("--event", metavar="E")
    lst.add_argument("--classification", metavar="C")
    add_json_option(lst)
    command(lst, cmd_list)

    search = sub.add_parser("search", help=_("full-text search"))
    search.add_argument("query", metavar="QUERY")
    search.add_argument("--kind", choices=KIND_CHOICES)
    search.add_argument("--event", metavar="E")
    search.add_argument("--classification", metavar="C")
    add_page_options(search)
    add_json_option(search)
    command(search, cmd_search)

    show = sub.add_parser("show", help=_("print one document"))
    show.add_argument("id", type=int, metavar="ID")
    add_json_option(show)
    command(show, cmd_show)

    edit = sub.add_parser("edit", help=_("change a document's title, kind, marking and more"))
    edit.add_argument("id", type=int, metavar="ID")
    edit.add_argument("--title", metavar="T")
    edit.add_argument("--kind", choices=KIND_CHOICES)
    edit.add_argument("--classification", metavar="C", help=_("classification marking"))
    edit.add_argument("--event", metavar="E", help=_('event or meeting ("" clears it)'))
    edit.add_argument("--tags", metavar="T", help=_("comma-separated tags (replace the old ones)"))
    edit.add_argument("--language", metavar="L", help=_('language code ("" clears it)'))
    add_json_option(edit)
    command(edit, cmd_edit)

    delete = sub.add_parser("delete", help=_("delete one document from this vault"))
    delete.add_argument("id", type=int, metavar="ID")
    delete.add_argument("--yes", action="store_true", help=_("do not ask for confirmation"))
    command(delete, cmd_delete)

    export = sub.add_parser(
        "export", help=_("write one document to a file (if your organisation allows export)")
    )
    export.add_argument("id", type=int, metavar="ID")
    export.add_argument("file", type=Path, metavar="FILE")
    export.add_argument("--force", action="store_true", help=_("replace FILE if it exists"))
    export.add_argument(
        "--yes", action="store_true", help=_("export a highly classified document without asking")
    )
    command(export, cmd_export)


def summary_json(summary: DocumentSummary) -> dict[str, Any]:
    return {
        "id": summary.id,
        "uid": summary.uid,
        "kind": summary.kind.value,
        "title": summary.title,
        "event": summary.event,
        "classification": summary.classification,
        "language": summary.language,
        "author": summary.author,
        "tags": list(summary.tags),
        "created_at": summary.created_at.isoformat(),
        "updated_at": summary.updated_at.isoformat(),
        "read": summary.is_read,
        "has_pdf": summary.has_pdf,
    }


def _kind(value: str | None) -> DocumentKind | None:
    return None if value is None else DocumentKind(value)


def _tag_list(text: str) -> tuple[str, ...]:
    return tuple(t.strip() for t in text.split(",") if t.strip())


def confirm(question: str, refusal: str) -> None:
    """Ask ``question`` on a terminal (y/N); elsewhere, or on any other answer, raise
    :class:`CliError` with ``refusal`` (which says to pass ``--yes``)."""
    if not sys.stdin.isatty():
        raise CliError(refusal)
    print(question, end=" ", file=sys.stderr, flush=True)
    answer = sys.stdin.readline().strip().casefold()
    if answer not in ("y", "yes", _("y").casefold(), _("yes").casefold()):
        raise CliError(_("Nothing was changed."))


def cmd_import(args: argparse.Namespace) -> int:
    if classification_required(policy()) and not (args.classification or "").strip():
        raise CliError(
            _("Your organisation requires a classification: add --classification C.")
        )  # before asking for the passphrase; the library refuses as well
    options = ImportOptions(
        kind=DocumentKind(args.kind),
        event=args.event,
        classification=args.classification,
        tags=_tag_list(args.tags),
        language=args.language,
    )
    imported: list[DocumentSummary] = []
    failures = 0
    with unlocked_vault(args) as vault:
        library = Library(vault.db, policy())
        for path in args.files:
            try:
                imported.append(library.import_file(path, options))
            except DocumentError as exc:
                failures += 1
                print(f"delegatectl: {exc}", file=sys.stderr)
    if args.json:
        print_json([summary_json(s) for s in imported])
    else:
        for summary in imported:
            print(_("Imported {id}: {title}").format(id=summary.id, title=summary.title))
    if failures:
        raise CliError(
            ngettext("{count} file not imported.", "{count} files not imported.", failures).format(
                count=failures
            )
        )
    return 0


def _print_summaries(summaries: list[DocumentSummary]) -> None:
    rows = [[str(s.id), s.kind.value, s.classification, s.event or "", s.title] for s in summaries]
    print_table(rows, [_("ID"), _("Kind"), _("Classification"), _("Event"), _("Title")])


def cmd_list(args: argparse.Namespace) -> int:
    with unlocked_vault(args) as vault:
        summaries = Library(vault.db, policy()).documents(
            kind=_kind(args.kind), event=args.event, classification=args.classification
        )
    if args.json:
        print_json([summary_json(s) for s in summaries])
    else:
        _print_summaries(summaries)
    return 0


def index_pending_stems(library: Library) -> None:
    """After an upgrade: index the other forms of words once, before the first search."""
    pending = library.stems_pending()
    if pending:
        print(
            ngettext(
                "Indexing the word forms of {count} document…",
                "Indexing the word forms of {count} documents…",
                pending,
            ).format(count=pending),
            file=sys.stderr,
        )
        library.index_all_stems()


def cmd_search(args: argparse.Namespace) -> int:
    with unlocked_vault(args) as vault:
        library = Library(vault.db, policy())
        index_pending_stems(library)
        offset, limit = page_window(args)
        hits = library.search(
            args.query, kind=_kind(args.kind), event=args.event,
            classification=args.classification, limit=limit, offset=offset,
        )  # fmt: skip
    if args.json:
        print_json(
            [
                {
                    **summary_json(h.document),
                    "snippet": h.snippet_text,
                    "rank": h.rank,
                    "exact": h.exact,
                    "highlights": [text for text, marked in h.snippet_parts if marked],
                }
                for h in hits
            ]
        )
        return 0
    for hit in hits:
        snippet = "".join(f"[{text}]" if marked else text for text, marked in hit.snippet_parts)
        print(f"{hit.document.id}  {hit.document.title}")
        print(f"    {' '.join(snippet.split())}")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    with unlocked_vault(args) as vault:
        document = Library(vault.db, policy()).get(args.id)
    if args.json:
        print_json(
            {
                **summary_json(document.summary),
                "body_format": document.body_format.value,
                "body": document.body,
                "version": document.version,
            }
        )
        return 0
    summary = document.summary
    print(f"{summary.classification}")
    print(f"{summary.title}")
    if summary.event:
        print(_("Event: {event}").format(event=summary.event))
    print()
    print(document.body)
    return 0


def cmd_edit(args: argparse.Namespace) -> int:
    changes = {
        "title": args.title,
        "kind": _kind(args.kind),
        "classification": args.classification,
        "event": args.event,
        "tags": None if args.tags is None else _tag_list(args.tags),
        "language": args.language,
    }
    if all(value is None for value in changes.values()):
        raise CliError(_("Name at least one detail to change, such as --title."), exit_code=2)
    with unlocked_vault(args) as vault:
        summary = Library(vault.db, policy()).edit_details(args.id, **changes)
    if args.json:
        print_json(summary_json(summary))
    else:
        _print_summaries([summary])
    return 0


def cmd_delete(args: argparse.Namespace) -> int:
    with unlocked_vault(args) as vault:
        library = Library(vault.db, policy())
        summary = library.summary(args.id)
        if not args.yes:
            about = describe_sharing(library.sharing_state(args.id))
            confirm(
                _("Delete “{title}” and its comments from this vault? {about} [y/N]").format(
                    title=summary.title, about=about
                ),
                _("Not deleted: {about} Use --yes to delete “{title}”.").format(
                    about=about, title=summary.title
                ),
            )
        library.delete(args.id)
    print(_("Deleted document {id}: {title}").format(id=args.id, title=summary.title))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    current = policy()
    require_export_allowed(current)  # before asking for the passphrase
    exists = _("{path} already exists; use --force to replace it.").format(path=args.file)
    if not args.force and args.file.exists():
        raise CliError(exists)
    with unlocked_vault(args) as vault:
        library = Library(vault.db, current)
        level = library.export_warning(args.id)
        if level is not None and not args.yes:
            marking = library.summary(args.id).classification
            confirm(
                _("This document is marked {marking}. Export it out of the vault? [y/N]").format(
                    marking=marking
                ),
                _(
                    "Not exported: the document is marked {marking}, and your organisation asks"
                    " for confirmation to export documents marked {level} or higher. Use --yes."
                ).format(marking=marking, level=level),
            )
        try:
            library.export(args.id, args.file, overwrite=args.force)
        except ExportTargetExistsError:
            raise CliError(exists) from None
    print(_("Exported document {id} to {path}.").format(id=args.id, path=args.file))
    return 0
