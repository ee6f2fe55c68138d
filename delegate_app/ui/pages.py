"""Pages of the main window and the sections they show in the sidebar.

A feature adds itself to the main window by providing a :class:`PageWidget` subclass and
adding its factory to :func:`page_factories` (the one shared registration point, in sidebar
order). A page shows one or more :class:`Section` entries: the library page shows Briefings,
Position papers and Notes; a messaging page would show Messages and Contacts.

The main window calls the hooks below; a page never locks or unlocks the vault itself.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, Signal
from PySide6.QtWidgets import QWidget

from delegate_app.ui.retranslate import is_language_change
from delegate_app.ui.session import Session
from delegate_app.ui.workers import TaskRunner

if TYPE_CHECKING:
    from sync.client.engine import SyncReport


@dataclass(frozen=True)
class Section:
    key: str  # stable identifier, e.g. "briefings"
    label: str  # untranslated (marked with N_); shown through _()
    icon: str | None = None  # a name in the app's icon set (``ui/icons.py``), optional


@dataclass(frozen=True)
class PageContext:
    """What a page may use: the session (vault, policy, library) and the app's task runner."""

    session: Session
    tasks: TaskRunner


class PageWidget(QWidget):
    """Base class of main-window pages. Subclasses override the hooks they need."""

    status_message = Signal(str)  # a transient message for the status bar
    sync_requested = Signal()  # something was queued for the relay: sync now

    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context

    @property
    def session(self) -> Session:
        return self.context.session

    def sections(self) -> Sequence[Section]:
        raise NotImplementedError

    def show_section(self, key: str) -> None:
        """The user chose one of this page's sections in the sidebar."""

    def vault_unlocked(self) -> None:
        """The vault is open (again): load what the page shows."""

    def vault_locking(self) -> None:
        """The vault is about to close: save state and drop everything shown from it."""

    def sync_reported(self, report: SyncReport) -> None:
        """The sync worker finished a pass (on the GUI thread): show what arrived."""

    def focus_chain(self) -> list[QWidget]:
        """The page's main areas, in the order F6 visits them (Ctrl+2, Ctrl+3, …)."""
        return [self]

    def status_text(self) -> str:
        """The page's permanent status-bar text (e.g. how many documents)."""
        return ""

    def retranslate_ui(self) -> None:
        """Set every user-visible text; called at construction and on a language change."""

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        if is_language_change(event):
            self.retranslate_ui()
        super().changeEvent(event)


PageFactory = Callable[[PageContext], PageWidget]


def page_factories() -> tuple[PageFactory, ...]:
    """Every page of the main window, in sidebar order. Add one line per page."""
    from delegate_app.ui.contacts_page import ContactsPageWidget
    from delegate_app.ui.library_page import LibraryPageWidget
    from delegate_app.ui.messages_page import MessagesPageWidget

    return (LibraryPageWidget, MessagesPageWidget, ContactsPageWidget)
