"""The main window: a sidebar of sections, the registered pages, menus and the status bar."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence, QPalette
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QProgressBar,
    QSplitter,
    QStackedWidget,
    QWidget,
)

from delegate_app import __version__
from delegate_app.i18n import _, ngettext
from delegate_app.ui.bidi import isolate
from delegate_app.ui.icons import palette_icon
from delegate_app.ui.language import LanguageManager
from delegate_app.ui.library_page import SECTION_KINDS, LibraryPageWidget
from delegate_app.ui.messages_page import MessagesPageWidget
from delegate_app.ui.notifications import Notifier
from delegate_app.ui.pages import PageContext, PageWidget, page_factories
from delegate_app.ui.plain_text import plain_tooltip, show_as_plain_text
from delegate_app.ui.retranslate import is_language_change
from delegate_app.ui.sidebar import SidebarWidget
from delegate_app.ui.sync_status import sync_status_text
from delegate_app.ui.tray_menu import TrayMenu

NOTICE_MS = 15_000  # how long a passing notice (new message, sync now) stays in the status bar

if TYPE_CHECKING:
    from delegate_app.ui.search_everything import SearchEverythingDialog
    from delegate_app.ui.settings_dialog import SettingsDialog
    from sync.client.engine import SyncReport
    from sync.client.state import SyncState


def _app_window_shown() -> bool:
    """Whether one of the app's windows (not a menu or a tooltip) is on screen."""
    return any(
        widget.isWindow() and widget.isVisible() and not isinstance(widget, QMenu)
        and widget.windowType() in (Qt.WindowType.Window, Qt.WindowType.Dialog)
        for widget in QApplication.topLevelWidgets()
    )  # fmt: skip


class MainWindow(QMainWindow):
    lock_requested = Signal()
    window_show_requested = Signal()  # the tray menu's Show: the window the app is on
    window_hide_requested = Signal()
    preferences_changed = Signal()
    sync_requested = Signal()  # Sync now, or a page queued something for the relay
    sync_state_shown = Signal(str)  # the status bar's sync text changed

    def __init__(self, context: PageContext, languages: LanguageManager) -> None:
        super().__init__()
        self.context = context
        self.session = context.session
        self.languages = languages
        self.setMinimumSize(960, 600)
        self.sidebar = SidebarWidget()
        self.stack = QStackedWidget()
        self.pages: list[PageWidget] = []
        self._page_of_section: dict[str, PageWidget] = {}
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(self.sidebar)
        splitter.addWidget(self.stack)
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([200, 1080])
        self.setCentralWidget(splitter)
        self.status_label = QLabel()
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(220)
        self.progress.setTextVisible(False)
        self.progress.setVisible(False)
        self._imports_running = 0
        self.sync_label = QLabel()
        self.sync_label.setObjectName("syncState")
        show_as_plain_text(self.status_label, self.sync_label)  # names, titles, message text
        self._sync_state: SyncState | None = None
        self._sync_unavailable: str | None = None
        self._sync_state_at = datetime.now(UTC)
        self._network_up: bool | None = None
        self.notifier = Notifier(self)
        self.tray_menu: TrayMenu | None = None  # made with the menus
        self.notice_timer = QTimer(self)
        self.notice_timer.setSingleShot(True)
        self.notice_timer.setInterval(NOTICE_MS)
        self.notice_timer.timeout.connect(self.update_status)
        self.search_dialog: SearchEverythingDialog | None = None
        self.statusBar().addWidget(self.status_label, 1)
        self.statusBar().addPermanentWidget(self.progress)
        self.statusBar().addPermanentWidget(self.sync_label)
        self._build_menus()
        for factory in page_factories():
            self.register_page(factory(context))
        self.library: LibraryPageWidget = next(
            page for page in self.pages if isinstance(page, LibraryPageWidget)
        )
        self.library.import_started.connect(self._import_started)
        self.library.import_progress.connect(self._import_progress)
        self.library.import_finished.connect(self._import_finished)
        self.file_menu.insertAction(self._file_separator, self.library.share_action)
        self.file_menu.insertAction(self._file_separator, self.library.export_action)
        self.file_menu.insertAction(self._file_separator, self.library.details_action)
        self.file_menu.insertAction(self._file_separator, self.library.delete_action)
        self.file_menu.setToolTipsVisible(True)  # "Set by your organisation" on a locked action
        self.messages: MessagesPageWidget = next(
            page for page in self.pages if isinstance(page, MessagesPageWidget)
        )
        self.messages.messages_arrived.connect(self._messages_arrived)
        self.messages.unread_changed.connect(self._unread_changed)
        self.retranslate_ui()
        self.sidebar.select(self.sidebar.sections[0].key)  # shown once the vault is open
        self.sidebar.section_selected.connect(self.show_section)

    # -- pages -------------------------------------------------------------------------------

    def register_page(self, page: PageWidget) -> None:
        """Add a page and its sections to the window (in registration order)."""
        self.pages.append(page)
        self.stack.addWidget(page)
        for section in page.sections():
            self._page_of_section[section.key] = page
            self.sidebar.add_section(section)
        page.status_message.connect(self._page_status)
        page.sync_requested.connect(self.sync_requested.emit)

    @property
    def current_page(self) -> PageWidget:
        page = self.stack.currentWidget()
        return page if isinstance(page, PageWidget) else self.pages[0]

    def show_section(self, key: str) -> None:
        page = self._page_of_section[key]
        self.stack.setCurrentWidget(page)
        self.update_status()
        if self.session.is_unlocked:
            page.show_section(key)  # may post its own status message

    def vault_unlocked(self) -> None:
        info = self.session.profile_info()
        self.sidebar.set_identity(info.name, info.organisation)
        self.notifier.show_tray()  # its menu: Show/Hide, Lock, Quit
        for page in self.pages:
            page.vault_unlocked()
        self.update_status()
        section = self.sidebar.current_section()
        if section is not None:
            self.current_page.show_section(section.key)

    def vault_locking(self) -> None:
        if self.search_dialog is not None:
            self.search_dialog.clear()  # no query or result outlives the unlocked session
            self.search_dialog.hide()
        for page in self.pages:
            page.vault_locking()
        self.sidebar.set_identity("", "")
        self.notice_timer.stop()
        self.status_label.clear()
        self.notifier.set_unread(0)  # a locked app shows no count, even in the tray
        self.progress.setVisible(False)
        self.set_sync_state(None)
        self._imports_running = 0

    # -- menus -------------------------------------------------------------------------------

    def _action(self, shortcut: QKeySequence | None = None) -> QAction:
        action = QAction(self)
        if shortcut is not None:
            action.setShortcut(shortcut)
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.addAction(action)
        return action

    def _build_menus(self) -> None:
        key = QKeySequence
        self.import_action = self._action(key(key.StandardKey.Open))
        self.lock_action = self._action(key("Ctrl+L"))
        self.sync_now_action = self._action(key("F5"))
        self.sync_now_action.setShortcuts([key("F5"), key("Ctrl+R")])
        self.quit_action = self._action(key("Ctrl+Q"))
        self.search_action = self._action(key(key.StandardKey.Find))
        self.search_all_action = self._action(key("Ctrl+Shift+F"))
        self.settings_action = self._action(key("Ctrl+,"))
        self.focus_actions = [self._action(key(f"Ctrl+{n}")) for n in (1, 2, 3)]
        self.next_pane_action = self._action(key("F6"))
        self.previous_pane_action = self._action(key("Shift+F6"))
        self.shortcuts_action = self._action(key("Ctrl+/"))
        self.guide_action = self._action(key("F1"))
        self.about_action = self._action()
        self.file_menu = self.menuBar().addMenu("")
        self.file_menu.addAction(self.import_action)
        self._file_separator = self.file_menu.addSeparator()
        self.file_menu.addAction(self.sync_now_action)
        self.file_menu.addSeparator()
        self.file_menu.addAction(self.lock_action)
        self.file_menu.addAction(self.quit_action)
        self.edit_menu = self.menuBar().addMenu("")
        self.edit_menu.addAction(self.search_action)
        self.edit_menu.addAction(self.search_all_action)
        self.edit_menu.addSeparator()
        self.edit_menu.addAction(self.settings_action)
        self.view_menu = self.menuBar().addMenu("")
        self.language_menu = self.view_menu.addMenu("")
        self.language_actions: list[QAction] = []
        self.language_menu.aboutToShow.connect(self._fill_language_menu)
        self.view_menu.addSeparator()
        for action in (*self.focus_actions, self.next_pane_action, self.previous_pane_action):
            self.view_menu.addAction(action)
        self.help_menu = self.menuBar().addMenu("")
        self.help_menu.addAction(self.guide_action)
        self.help_menu.addAction(self.shortcuts_action)
        self.help_menu.addSeparator()
        self.help_menu.addAction(self.about_action)

        self.tray_menu = TrayMenu(
            self.lock_action, self.quit_action, window_shown=_app_window_shown, parent=self,
        )  # fmt: skip
        self.tray_menu.show_requested.connect(self.window_show_requested.emit)
        self.tray_menu.hide_requested.connect(self.window_hide_requested.emit)
        self.notifier.set_menu(self.tray_menu)

        self._set_action_icons()
        self.import_action.triggered.connect(self.choose_files)
        self.lock_action.triggered.connect(self.lock_requested.emit)
        self.sync_now_action.triggered.connect(self.sync_now)
        self.quit_action.triggered.connect(QApplication.quit)
        self.search_action.triggered.connect(self.focus_search)
        self.search_all_action.triggered.connect(self.search_everything)
        self.settings_action.triggered.connect(self.open_settings)
        self.about_action.triggered.connect(self.show_about)
        self.shortcuts_action.triggered.connect(self.show_shortcuts)
        self.guide_action.triggered.connect(self.show_guide)
        for number, action in enumerate(self.focus_actions):
            action.triggered.connect(lambda _checked=False, n=number: self.focus_pane(n))
        self.next_pane_action.triggered.connect(lambda: self.cycle_focus(1))
        self.previous_pane_action.triggered.connect(lambda: self.cycle_focus(-1))

    def _set_action_icons(self) -> None:
        colour = self.palette().color(QPalette.ColorRole.WindowText)
        for action, name in (
            (self.import_action, "file-import"), (self.lock_action, "lock"),
            (self.sync_now_action, "refresh"), (self.quit_action, "logout"),
            (self.search_action, "search"), (self.search_all_action, "search"),
            (self.settings_action, "settings"), (self.shortcuts_action, "keyboard"),
            (self.guide_action, "help-circle"), (self.about_action, "info-circle"),
        ):  # fmt: skip
            action.setIcon(palette_icon(name, colour))

    # -- search everything ----------------------------------------------------------------------

    def search_everything(self) -> SearchEverythingDialog:
        """The search over documents, messages and comments (one dialog, kept while unlocked)."""
        from delegate_app.ui.search_everything import SearchEverythingDialog

        dialog = self.search_dialog
        if dialog is None or not shiboken6.isValid(dialog):
            directory = self.session.mailroom.directory
            dialog = SearchEverythingDialog(self.session, directory.display_name, self)
            dialog.document_chosen.connect(self.show_document)
            dialog.message_chosen.connect(self.show_message)
            self.search_dialog = dialog
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()
        dialog.query_edit.setFocus()
        return dialog

    def show_document(self, doc_id: int) -> None:
        """Open a document in its library section."""
        summary = self.session.library.summary(doc_id)
        section = next(key for key, kind in SECTION_KINDS.items() if kind is summary.kind)
        self.sidebar.select(section)
        self.library.open_document(doc_id)
        self.library.reader.setFocus()

    def show_message(self, conversation_id: int, message_id: int) -> None:
        """Open a conversation with one of its messages selected and scrolled to."""
        self.sidebar.select("messages")
        self.messages.open_conversation(conversation_id)
        self.messages.view.select_message(message_id)

    def _fill_language_menu(self) -> None:
        """Built when first opened: naming every language loads locale data start-up can skip."""
        if not self.language_actions:
            for code, name in self.languages.available_languages(self.session.policy):
                action = QAction(name, self)
                action.setCheckable(True)
                action.setData(code)
                action.triggered.connect(lambda _checked=False, c=code: self.switch_language(c))
                self.language_menu.addAction(action)
                self.language_actions.append(action)
        for action in self.language_actions:
            action.setChecked(action.data() == self.languages.current)

    def retranslate_ui(self) -> None:
        self.setWindowTitle(_("Delegate"))
        self.file_menu.setTitle(_("&File"))
        self.edit_menu.setTitle(_("&Edit"))
        self.view_menu.setTitle(_("&View"))
        self.language_menu.setTitle(_("&Language"))
        self.help_menu.setTitle(_("&Help"))
        self.import_action.setText(_("&Import documents…"))
        self.lock_action.setText(_("&Lock"))
        self.sync_now_action.setText(_("S&ync now"))
        self.sync_label.setAccessibleName(_("Sync state"))
        self._show_sync_text()
        self.quit_action.setText(_("&Quit"))
        if self.tray_menu is not None:
            self.tray_menu.retranslate_ui()
        self.search_action.setText(_("&Find…"))
        self.search_all_action.setText(_("Search &everything…"))
        self.settings_action.setText(_("&Preferences…"))
        self.about_action.setText(_("&About Delegate"))
        self.shortcuts_action.setText(_("&Keyboard shortcuts"))
        self.guide_action.setText(_("&Getting started"))
        texts = (_("Go to &sections"), _("Go to the document &list"), _("Go to the &reader"))
        for action, text in zip(self.focus_actions, texts, strict=True):
            action.setText(text)
        self.next_pane_action.setText(_("&Next pane"))
        self.previous_pane_action.setText(_("P&revious pane"))
        self.progress.setAccessibleName(_("Import progress"))
        self.update_status()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        if is_language_change(event):
            self.retranslate_ui()
        super().changeEvent(event)

    # -- status ------------------------------------------------------------------------------

    def update_status(self) -> None:
        self.notice_timer.stop()
        self.status_label.setText(self.current_page.status_text())

    def show_notice(self, text: str) -> None:
        """A passing notice in the status bar; the page's own line comes back after a while."""
        self.status_label.setText(text)
        self.notice_timer.start()

    def _unread_changed(self, count: int) -> None:
        self.sidebar.set_badge("messages", count)
        self.notifier.set_unread(count if self.session.is_unlocked else 0)

    def _page_status(self, message: str) -> None:
        if self.sender() is self.current_page:
            self.status_label.setText(message)

    # -- sync ----------------------------------------------------------------------------------

    def set_sync_state(self, state: SyncState | None) -> None:
        """Show the sync worker's state (None: not running, e.g. while locked)."""
        self._sync_state = state
        self._sync_state_at = datetime.now(UTC)
        if state is None:
            self._sync_unavailable = None
        self._show_sync_text()

    def set_network_up(self, up: bool | None) -> None:
        """What the operating system says of the network (None: it cannot tell)."""
        self._network_up = up
        self._show_sync_text()

    def set_sync_unavailable(self, reason: str) -> None:
        self._sync_unavailable = reason
        self._show_sync_text()

    def _show_sync_text(self) -> None:
        if self._sync_unavailable is not None:
            # Isolated: a reason in another script keeps its full stop at its own end.
            text = _("Not syncing: {reason}").format(reason=isolate(self._sync_unavailable))
        else:  # translated now, in the current language
            text = sync_status_text(
                self._sync_state, network_up=self._network_up, reported_at=self._sync_state_at
            )
        if text != self.sync_label.text():
            self.sync_label.setText(text)
            self.sync_label.setToolTip(plain_tooltip(text))
            self.sync_state_shown.emit(text)

    def sync_now(self) -> None:
        if self.session.is_unlocked:
            self.show_notice(_("Syncing now…"))
            self.sync_requested.emit()

    def sync_reported(self, report: SyncReport) -> None:
        if not self.session.is_unlocked:
            return
        for page in self.pages:
            page.sync_reported(report)
        restarted = report.sessions_restarted
        if len(restarted) == 1:
            self.show_notice(
                _(
                    "A message from {name} could not be decrypted; a new secure session was "
                    "started."
                ).format(name=isolate(restarted[0]))
            )
        elif restarted:  # one line however many (a forger cannot fill the status bar)
            self.show_notice(
                ngettext(
                    "Messages from {count} contact could not be decrypted; new secure sessions "
                    "were started.",
                    "Messages from {count} contacts could not be decrypted; new secure sessions "
                    "were started.",
                    len(restarted),
                ).format(count=len(restarted))
            )
        if report.rejected:  # one line for the pass, however many were refused
            count = len(report.rejected)
            self.show_notice(
                ngettext(
                    "{count} envelope was refused as damaged or forged.",
                    "{count} envelopes were refused as damaged or forged.",
                    count,
                ).format(count=count)
            )

    def _messages_arrived(self, arrivals: object) -> None:
        if not isinstance(arrivals, list) or not arrivals:
            return
        previews = bool(self.session.user_setting("notification_previews"))
        self.show_notice(self.notifier.notify(arrivals, previews=previews))

    def _import_started(self) -> None:
        self._imports_running += 1
        self.progress.setRange(0, 0)  # busy until the first progress report
        self.progress.setVisible(True)

    def _import_progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)

    def _import_finished(self, _imported: int, _refused: int) -> None:
        self._imports_running = max(0, self._imports_running - 1)
        if not self._imports_running:
            self.progress.setVisible(False)

    # -- keyboard navigation -----------------------------------------------------------------

    def focus_chain(self) -> list[QWidget]:
        return [self.sidebar.list, *self.current_page.focus_chain()]

    def focus_pane(self, number: int) -> None:
        chain = self.focus_chain()
        if 0 <= number < len(chain):
            chain[number].setFocus(Qt.FocusReason.ShortcutFocusReason)

    def cycle_focus(self, step: int) -> None:
        chain = self.focus_chain()
        focused = QApplication.focusWidget()
        current = next(
            (n for n, pane in enumerate(chain) if focused is not None
             and (focused is pane or pane.isAncestorOf(focused))),
            -1 if step > 0 else 0,
        )  # fmt: skip
        chain[(current + step) % len(chain)].setFocus(Qt.FocusReason.ShortcutFocusReason)

    # -- actions -----------------------------------------------------------------------------

    def _show_library(self) -> None:
        section = self.sidebar.current_section()
        if section is None or self._page_of_section[section.key] is not self.library:
            self.sidebar.select(self.library.sections()[0].key)

    def choose_files(self) -> None:
        self._show_library()
        self.library.choose_files()

    def focus_search(self) -> None:
        self._show_library()
        self.library.focus_search()

    def switch_language(self, code: str) -> None:
        self.languages.switch(code)
        self.session.save_preferences(self.session.preferences().with_language(code))

    def open_settings(self) -> SettingsDialog:
        from delegate_app.ui.settings_dialog import SettingsDialog  # not needed to start up

        dialog = SettingsDialog(self.session, self.languages, self, tasks=self.context.tasks)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(self.preferences_changed.emit)
        dialog.open()
        return dialog

    def show_shortcuts(self) -> QDialog:
        from delegate_app.ui.shortcuts_dialog import ShortcutsDialog

        dialog = ShortcutsDialog(self)
        dialog.open()
        return dialog

    def show_guide(self) -> QDialog:
        from delegate_app.ui.guide_dialog import GuideDialog

        dialog = GuideDialog(self)
        dialog.open()
        return dialog

    def show_about(self) -> None:
        box = QMessageBox(self)
        box.setWindowTitle(_("About Delegate"))
        box.setIconPixmap(self.windowIcon().pixmap(64, 64))
        box.setText(_("Delegate {version}").format(version=__version__))
        box.setInformativeText(
            _("Briefings, position papers and messages, encrypted on this computer and "
              "end to end between missions.")
        )  # fmt: skip
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
