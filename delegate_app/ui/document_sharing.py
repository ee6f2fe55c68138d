"""Beside the reader: where a shared document came from, who holds it, open conflicts, comments.

Provenance says from whom and when the version we hold arrived and whether its signature
verified. A conflict (both sides edited the same passages) is resolved by keeping ours or
theirs. Comments can reply to another comment and quote the passage selected in the reader.
Who holds the document, and so who a comment reaches, is the core's recorded audience (only the
owner changes it, ADR 0007); an attempt by anyone else to change it is shown until dismissed.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from delegate_app.core.errors import DelegateError
from delegate_app.core.formatting import format_datetime
from delegate_app.core.mailroom import Mailroom
from delegate_app.core.sharing.attachment_status import AttachmentState, AttachmentStatus
from delegate_app.core.sharing.models import AudienceNotice, Comment, Conflict, Provenance
from delegate_app.i18n import _
from delegate_app.ui.bidi import join_isolated
from delegate_app.ui.retranslate import is_language_change

COMMENT_ROLE = Qt.ItemDataRole.UserRole + 1
QUOTE_CHARS = 300


class DocumentSharingWidget(QWidget):
    comment_posted = Signal(int)  # comment id
    reloaded = Signal()  # the document shown, or what is known about it, changed
    document_changed = Signal(int)  # doc id: a conflict resolution changed its text
    sync_requested = Signal()

    def __init__(
        self,
        mailroom: Callable[[], Mailroom],
        selected_passage: Callable[[], str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("documentSharing")
        # No fixed minimum: the layout's own (banners, labels, buttons) keeps the splitter from
        # squeezing a warning or the comment box out of sight.
        self._mailroom = mailroom
        self._selected_passage = selected_passage
        self.doc_id: int | None = None
        self.provenance: Provenance | None = None
        self.conflict: Conflict | None = None
        self.comments: list[Comment] = []
        self.quote: str | None = None
        self.reply_to: Comment | None = None
        self.holder_names: list[str] = []
        self.recipient_names: list[str] = []
        self.notices: list[AudienceNotice] = []
        self.provenance_label = QLabel()
        self.provenance_label.setObjectName("provenance")
        self.provenance_label.setWordWrap(True)
        self.attachment: AttachmentStatus | None = None
        self.attachment_label = QLabel()  # an incoming PDF not (yet) downloaded, and why
        self.attachment_label.setObjectName("attachmentStatus")
        self.attachment_label.setWordWrap(True)
        self.audience_label = QLabel()  # "Shared with: …"
        self.audience_label.setObjectName("audience")
        self.audience_label.setWordWrap(True)
        self.notice_frame = QFrame()  # someone other than the owner tried to change the audience
        self.notice_frame.setObjectName("audienceNotice")
        self.notice_frame.setStyleSheet(
            "#audienceNotice { background: #fde7e9; border: 1px solid #c50f1f; }"
        )
        self.notice_label = QLabel()
        self.notice_label.setWordWrap(True)
        self.dismiss_button = QPushButton()
        notice_layout = QHBoxLayout(self.notice_frame)
        notice_layout.addWidget(self.notice_label, 1)
        notice_layout.addWidget(self.dismiss_button)
        self.conflict_frame = QFrame()
        self.conflict_frame.setObjectName("conflictBanner")
        self.conflict_frame.setStyleSheet(
            "#conflictBanner { background: #fff4ce; border: 1px solid #c19c00; }"
        )
        self.conflict_label = QLabel()
        self.conflict_label.setWordWrap(True)
        self.keep_mine_button = QPushButton()
        self.keep_theirs_button = QPushButton()
        conflict_layout = QVBoxLayout(self.conflict_frame)
        conflict_layout.addWidget(self.conflict_label)
        conflict_buttons = QHBoxLayout()
        conflict_buttons.addStretch(1)
        conflict_buttons.addWidget(self.keep_mine_button)
        conflict_buttons.addWidget(self.keep_theirs_button)
        conflict_layout.addLayout(conflict_buttons)
        self.comment_list = QListWidget()
        self.comment_list.setObjectName("commentList")
        self.comment_list.setWordWrap(True)
        self.comment_list.setMinimumHeight(self.fontMetrics().height() * 4)
        self.context_label = QLabel()  # "Replying to …", "Quoting …"
        self.context_label.setWordWrap(True)
        self.recipients_label = QLabel()  # who the comment being written will reach
        self.recipients_label.setObjectName("commentRecipients")
        self.recipients_label.setWordWrap(True)
        self.comment_edit = QPlainTextEdit()
        self.comment_edit.setObjectName("commentEdit")
        self.comment_edit.setTabChangesFocus(True)
        self.comment_edit.setMaximumHeight(80)
        self.comment_edit.setMinimumHeight(self.fontMetrics().height() * 3)
        self.reply_button = QPushButton()
        self.quote_button = QPushButton()
        self.post_button = QPushButton()
        self.error_label = QLabel()
        self.error_label.setObjectName("errorMessage")
        self.error_label.setWordWrap(True)
        for label in (self.provenance_label, self.attachment_label, self.audience_label,
                      self.notice_label, self.conflict_label, self.context_label,
                      self.recipients_label, self.error_label):  # fmt: skip
            label.setTextFormat(Qt.TextFormat.PlainText)  # names, quotes: text, not markup
        buttons = QHBoxLayout()
        buttons.addWidget(self.reply_button)
        buttons.addWidget(self.quote_button)
        buttons.addStretch(1)
        buttons.addWidget(self.post_button)
        layout = self._layout = QVBoxLayout(self)
        layout.addWidget(self.provenance_label)
        layout.addWidget(self.attachment_label)
        layout.addWidget(self.audience_label)
        layout.addWidget(self.notice_frame)
        layout.addWidget(self.conflict_frame)
        layout.addWidget(self.comment_list, 1)
        layout.addWidget(self.context_label)
        layout.addWidget(self.recipients_label)
        layout.addWidget(self.comment_edit)
        layout.addLayout(buttons)
        layout.addWidget(self.error_label)
        self.dismiss_button.clicked.connect(self.dismiss_notices)
        self.keep_mine_button.clicked.connect(lambda: self.resolve("mine"))
        self.keep_theirs_button.clicked.connect(lambda: self.resolve("theirs"))
        self.reply_button.clicked.connect(self.reply_to_selected)
        self.quote_button.clicked.connect(self.quote_selection)
        self.post_button.clicked.connect(self.post)
        self.show_document(None)
        self.retranslate_ui()

    # -- showing ------------------------------------------------------------------------------

    def show_document(self, doc_id: int | None) -> None:
        self.doc_id = doc_id
        self.quote = None
        self.reply_to = None
        self.comment_edit.clear()
        self.error_label.clear()
        self.reload()

    def reload(self) -> None:
        if self.doc_id is None:
            self.provenance, self.conflict, self.comments = None, None, []
            self.attachment = None
            self.holder_names, self.recipient_names, self.notices = [], [], []
        else:
            sharing = self._mailroom().sharing
            self.provenance = sharing.provenance(self.doc_id)
            self.attachment = sharing.attachment(self.doc_id)
            self.conflict = next(
                (c for c in sharing.conflicts(self.doc_id) if not c.resolved), None
            )
            self.comments = sharing.comments(self.doc_id)
            own = sharing.sender.key
            self.holder_names = [
                self._name(key) for key in sharing.holders(self.doc_id) if key != own
            ]
            self.recipient_names = [c.name for c in sharing.comment_recipients(self.doc_id)]
            self.notices = sharing.audience_notices(self.doc_id)
        self.setEnabled(self.doc_id is not None)
        self.setHidden(self.doc_id is None)  # nothing to discuss until a document is open
        self._fill()
        self.reloaded.emit()

    def _name(self, key: str | None) -> str:
        return _("You") if key is None else self._mailroom().directory.display_name(key)

    def _provenance_text(self) -> str:
        provenance = self.provenance
        if provenance is None:
            return _("Not shared.")
        if provenance.shared_by is None:
            return _("Shared by you.")
        when = format_datetime(provenance.received_at, "short") if provenance.received_at else ""
        if provenance.verified:
            return _("Shared by {name}, received {time}; signature verified.").format(
                name=self._name(provenance.shared_by), time=when
            )
        return _("Shared by {name}, received {time}; signature NOT verified.").format(
            name=self._name(provenance.shared_by), time=when
        )

    def _attachment_text(self) -> str:
        """Empty unless an incoming attachment is still missing (the reason is the core's)."""
        attachment = self.attachment
        if attachment is None or attachment.state is AttachmentState.RECEIVED:
            return ""
        if attachment.state is AttachmentState.REFUSED:
            return _("Attached PDF: {reason}").format(reason=attachment.reason or "")
        if attachment.state is AttachmentState.WAITING:
            return _("Attached PDF not downloaded yet, retried later: {reason}").format(
                reason=attachment.reason or ""
            )
        return _("Attached PDF downloading ({percent}%).").format(
            percent=attachment.done * 100 // max(attachment.total, 1)
        )

    def _audience_text(self) -> str:
        if not self.holder_names:
            return ""
        return _("Shared with: {names}.").format(names=join_isolated(self.holder_names, ", "))

    def _recipients_text(self) -> str:
        if not self.recipient_names:
            return _("Your comment will stay in your vault: nobody else holds this document.")
        return _("Your comment will go to: {names}.").format(
            names=join_isolated(self.recipient_names, ", ")
        )

    def _notice_text(self) -> str:
        senders = join_isolated(dict.fromkeys(self._name(n.sender_key) for n in self.notices), ", ")
        return _(
            "{name} tried to change who this document is shared with; the change was ignored."
        ).format(name=senders)

    def _comment_text(self, comment: Comment) -> str:
        when = format_datetime(comment.created_at, "short")
        # TRANSLATORS: the heading of a comment: its author and when it was written
        lines = [_("{name} · {time}").format(name=self._name(comment.author_key), time=when)]
        if comment.reply_to is not None:
            parent = next((c for c in self.comments if c.uid == comment.reply_to), None)
            if parent is not None:
                lines.append(_("↳ reply to {name}").format(name=self._name(parent.author_key)))
        if comment.quote:
            lines.append(_("“{passage}”").format(passage=comment.quote))
        lines.append(comment.body)
        return "\n".join(lines)

    def _fill(self) -> None:
        self.provenance_label.setText(self._provenance_text() if self.doc_id is not None else "")
        attachment_text = self._attachment_text()
        self.attachment_label.setText(attachment_text)
        self.attachment_label.setVisible(bool(attachment_text))
        audience_text = self._audience_text()
        self.audience_label.setText(audience_text)
        self.audience_label.setVisible(bool(audience_text))
        self.notice_frame.setVisible(bool(self.notices))
        self.notice_label.setText(self._notice_text() if self.notices else "")
        self.recipients_label.setText(self._recipients_text() if self.doc_id is not None else "")
        self.conflict_frame.setVisible(self.conflict is not None)
        if self.conflict is not None:
            self.conflict_label.setText(
                _("{name} changed the same passages as you. Your version is shown; theirs is "
                  "kept until you choose.").format(name=self._name(self.conflict.author_key))
            )  # fmt: skip
        self.comment_list.clear()
        for comment in self.comments:
            text = self._comment_text(comment)
            item = QListWidgetItem(text)
            item.setData(COMMENT_ROLE, comment.id)
            item.setData(Qt.ItemDataRole.AccessibleTextRole, text.replace("\n", ". "))
            self.comment_list.addItem(item)
        context = []
        if self.reply_to is not None:
            context.append(
                _("Replying to {name}.").format(name=self._name(self.reply_to.author_key))
            )
        if self.quote is not None:
            short = self.quote if len(self.quote) <= 80 else self.quote[:79] + "…"
            context.append(_("Quoting “{passage}”.").format(passage=short))
        self.context_label.setText(" ".join(context))
        self.context_label.setVisible(bool(context))
        # Lines appear and disappear with the document: lay out now, so nothing is clicked or
        # read at a place the next layout pass moves it from.
        self._layout.activate()

    # -- acting -------------------------------------------------------------------------------

    def dismiss_notices(self) -> None:
        if self.doc_id is None:
            return
        self._mailroom().sharing.dismiss_audience_notices(self.doc_id)
        self.reload()

    def reply_to_selected(self) -> None:
        row = self.comment_list.currentRow()
        if 0 <= row < len(self.comments):
            self.reply_to = self.comments[row]
            self._fill()
            self.comment_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    def quote_selection(self) -> None:
        passage = " ".join(self._selected_passage().split())  # Qt's paragraph separators too
        if not passage:
            self.error_label.setText(_("Select a passage in the document first."))
            return
        self.quote = passage[:QUOTE_CHARS]
        self.error_label.clear()
        self._fill()
        self.comment_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    def post(self) -> Comment | None:
        text = self.comment_edit.toPlainText()
        if self.doc_id is None or not text.strip():
            return None
        try:
            comment = self._mailroom().sharing.comment(
                self.doc_id, text, reply_to=self.reply_to.id if self.reply_to else None,
                quote=self.quote,
            )  # fmt: skip
        except DelegateError as exc:
            self.error_label.setText(str(exc))
            return None
        self.comment_edit.clear()
        self.quote = None
        self.reply_to = None
        self.error_label.clear()
        self.reload()
        self.comment_posted.emit(comment.id)
        self.sync_requested.emit()
        return comment

    def resolve(self, keep: str) -> None:
        if self.conflict is None or self.doc_id is None:
            return
        try:
            self._mailroom().sharing.resolve(self.conflict.id, keep=keep)
        except DelegateError as exc:
            self.error_label.setText(str(exc))
            return
        self.reload()
        self.document_changed.emit(self.doc_id)

    def retranslate_ui(self) -> None:
        self.comment_list.setAccessibleName(_("Comments"))
        self.comment_edit.setAccessibleName(_("New comment"))
        self.comment_edit.setPlaceholderText(_("Write a comment"))
        self.provenance_label.setAccessibleName(_("Provenance"))
        self.attachment_label.setAccessibleName(_("Attachment"))
        self.audience_label.setAccessibleName(_("Shared with"))
        self.recipients_label.setAccessibleName(_("Comment recipients"))
        self.notice_frame.setAccessibleName(_("Ignored change of audience"))
        self.dismiss_button.setText(_("&Dismiss"))
        self.conflict_frame.setAccessibleName(_("Conflicting versions"))
        self.keep_mine_button.setText(_("Keep &mine"))
        self.keep_theirs_button.setText(_("Keep &theirs"))
        self.reply_button.setText(_("Re&ply"))
        self.quote_button.setText(_("&Quote selection"))
        self.post_button.setText(_("P&ost comment"))
        for button in (self.dismiss_button, self.keep_mine_button, self.keep_theirs_button,
                       self.reply_button, self.quote_button, self.post_button):  # fmt: skip
            button.setAccessibleName(button.text().replace("&", ""))
        if self.doc_id is not None:
            self._fill()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        if is_language_change(event):
            self.retranslate_ui()
        super().changeEvent(event)
