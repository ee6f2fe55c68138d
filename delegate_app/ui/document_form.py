"""The details of a document as a form: title, kind, classification, event, tags, language.

Shared by the import dialog (everything but the title, applied to every file of a batch) and
the document details dialog. Which markings exist, which one is offered first and whether one
must be chosen explicitly come from the organisation's policy through the library; users have
no switch for them (docs/DEPLOYMENT.md).
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QFormLayout, QLabel, QLineEdit, QWidget

from delegate_app.core.documents.library import OTHER_LANGUAGE, UN_LANGUAGES
from delegate_app.core.documents.models import DocumentKind
from delegate_app.i18n import N_, _

# Each language by its own name (as language pickers show them), so no translation is needed.
LANGUAGE_NAMES = {
    "ar": "العربية",
    "zh": "中文",
    "en": "English",
    "fr": "Français",
    "ru": "Русский",
    "es": "Español",
}
NOT_SPECIFIED = N_("Not specified")
OTHER = N_("Other language")


def split_tags(text: str) -> tuple[str, ...]:
    return tuple(tag.strip() for tag in text.split(",") if tag.strip())


class DocumentForm(QWidget):
    """The fields; :attr:`changed` fires on every edit (the dialog enables its button)."""

    changed = Signal()

    def __init__(
        self,
        *,
        markings: Sequence[str],
        events: Sequence[str],
        with_title: bool,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.title_edit: QLineEdit | None = None
        if with_title:
            self.title_edit = QLineEdit()
            self.title_edit.setObjectName("titleEdit")
            self.title_edit.setMaxLength(500)
            self.title_edit.textChanged.connect(lambda _text: self.changed.emit())
        self.kind_combo = QComboBox()
        self.kind_combo.setObjectName("kindCombo")
        for kind in DocumentKind:
            self.kind_combo.addItem(_(kind.label), kind.value)
        self.classification_combo = QComboBox()
        self.classification_combo.setObjectName("classificationCombo")
        self.classification_combo.addItem("", None)  # "Choose…": only while one must be chosen
        for marking in markings:
            self.classification_combo.addItem(marking, marking)
        self.classification_combo.currentIndexChanged.connect(lambda _i: self.changed.emit())
        self.event_combo = QComboBox()  # the events already used, or a new one typed in
        self.event_combo.setObjectName("eventCombo")
        self.event_combo.setEditable(True)
        self.event_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.event_combo.addItem("")
        self.event_combo.addItems(list(events))
        self.tags_edit = QLineEdit()
        self.tags_edit.setObjectName("tagsEdit")
        self.language_combo = QComboBox()
        self.language_combo.setObjectName("languageCombo")
        self.language_combo.addItem("", "")
        for code in UN_LANGUAGES:
            self.language_combo.addItem(LANGUAGE_NAMES[code], code)
        self.language_combo.addItem("", OTHER_LANGUAGE)
        layout = QFormLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        fields: list[QWidget] = [] if self.title_edit is None else [self.title_edit]
        fields += [self.kind_combo, self.classification_combo, self.event_combo,
                   self.tags_edit, self.language_combo]  # fmt: skip
        self.labels: list[QLabel] = []
        for field in fields:
            label = QLabel()
            label.setBuddy(field)
            self.labels.append(label)
            layout.addRow(label, field)
        self.retranslate_ui()

    def retranslate_ui(self) -> None:
        labels = [_("&Title:")] if self.title_edit is not None else []
        labels += [_("&Kind:"), _("&Classification:"), _("&Event:"), _("Ta&gs:"),
                   _("&Language:")]  # fmt: skip
        for label, text in zip(self.labels, labels, strict=True):
            label.setText(text)
        if self.classification_combo.itemData(0) is None:
            self.classification_combo.setItemText(0, _("Choose a classification…"))
        line = self.event_combo.lineEdit()
        if line is not None:
            line.setPlaceholderText(_("None"))
        self.tags_edit.setPlaceholderText(_("Separated by commas"))
        self.language_combo.setItemText(0, _(NOT_SPECIFIED))
        self.language_combo.setItemText(self.language_combo.findData(OTHER_LANGUAGE), _(OTHER))
        for index, kind in enumerate(DocumentKind):
            self.kind_combo.setItemText(index, _(kind.label))

    # -- values ----------------------------------------------------------------------------

    def set_kind(self, kind: DocumentKind) -> None:
        self.kind_combo.setCurrentIndex(max(0, self.kind_combo.findData(kind.value)))

    def kind(self) -> DocumentKind:
        return DocumentKind(self.kind_combo.currentData() or DocumentKind.BRIEFING.value)

    def set_classification(self, marking: str | None, *, must_choose: bool) -> None:
        """Select ``marking``; with ``must_choose`` and no marking, "Choose…" stays selected
        (and is offered) until the user picks one. A marking the policy no longer lists (the
        document came from elsewhere) is kept as it is."""
        combo = self.classification_combo
        if marking is not None and combo.findData(marking) < 0:
            combo.addItem(marking, marking)
        if marking is None and must_choose:
            combo.setCurrentIndex(0)
        else:
            index = combo.findData(marking) if marking is not None else -1
            combo.setCurrentIndex(max(1, index))
            combo.removeItem(0)  # nothing left to choose

    def classification(self) -> str | None:
        value = self.classification_combo.currentData()
        return value if isinstance(value, str) else None

    def set_event_name(self, event: str | None) -> None:
        self.event_combo.setCurrentText(event or "")

    def event_name(self) -> str:
        return self.event_combo.currentText().strip()

    def set_tags(self, tags: Sequence[str]) -> None:
        self.tags_edit.setText(", ".join(tags))

    def tags(self) -> tuple[str, ...]:
        return split_tags(self.tags_edit.text())

    def set_language(self, language: str | None) -> None:
        combo = self.language_combo
        index = combo.findData(language or "")
        if index < 0:  # a code from elsewhere (a shared document): shown and kept as it is
            combo.addItem(language or "", language)
            index = combo.count() - 1
        combo.setCurrentIndex(index)

    def language(self) -> str:
        value = self.language_combo.currentData()
        return value if isinstance(value, str) else ""

    def set_title(self, title: str) -> None:
        if self.title_edit is not None:
            self.title_edit.setText(title)

    def title(self) -> str:
        return self.title_edit.text().strip() if self.title_edit is not None else ""
