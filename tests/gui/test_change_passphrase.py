"""Preferences → Change passphrase: a wrong current one or a mismatch changes nothing."""

from __future__ import annotations

import pytest
import shiboken6
from pytestqt.qtbot import QtBot

from delegate_app.core.errors import DelegateError
from delegate_app.ui.change_passphrase_dialog import ChangePassphraseDialog
from delegate_app.ui.controller import AppController
from tests.conftest import PASSPHRASE
from tests.gui.conftest import SIGNAL_TIMEOUT_MS, unlock

pytestmark = pytest.mark.gui

NEW = "a new and rather longer passphrase 2027"


def _open(qtbot: QtBot, controller: AppController) -> ChangePassphraseDialog:
    main = unlock(qtbot, controller)
    settings = main.open_settings()
    settings.passphrase_button.click()
    dialog = settings.findChild(ChangePassphraseDialog)
    assert dialog is not None and dialog.isVisible()
    return dialog


def _fill(dialog: ChangePassphraseDialog, current: str, new: str, confirm: str) -> None:
    dialog.current_edit.setText(current)
    dialog.new_edit.setText(new)
    dialog.confirm_edit.setText(confirm)
    dialog.change()


def _texts(dialog: ChangePassphraseDialog) -> list[str]:
    return [dialog.current_edit.text(), dialog.new_edit.text(), dialog.confirm_edit.text()]


def _still_opens_with(controller: AppController, passphrase: str) -> bool:
    vault = controller.session.vault
    assert vault is not None
    controller.lock()
    try:
        vault.unlock(passphrase)
    except DelegateError:
        return False
    vault.lock()
    return True


def test_the_passphrase_changes_and_the_fields_are_cleared(
    qtbot: QtBot, controller: AppController
) -> None:
    dialog = _open(qtbot, controller)
    assert dialog.strength_bar.format() == ""
    seen_at_accept: list[str] = []
    dialog.accepted.connect(lambda: seen_at_accept.extend(_texts(dialog)))
    _fill(dialog, PASSPHRASE, NEW, NEW)
    qtbot.waitUntil(lambda: not shiboken6.isValid(dialog), timeout=SIGNAL_TIMEOUT_MS)
    assert seen_at_accept == ["", "", ""]  # cleared, then the dialog itself is deleted
    assert not _still_opens_with(controller, PASSPHRASE)
    assert _still_opens_with(controller, NEW)


def test_a_wrong_current_passphrase_changes_nothing(
    qtbot: QtBot, controller: AppController
) -> None:
    dialog = _open(qtbot, controller)
    _fill(dialog, "not the passphrase at all", NEW, NEW)
    qtbot.waitUntil(lambda: dialog.error_label.text() != "", timeout=SIGNAL_TIMEOUT_MS)
    assert dialog.error_label.text() == "Wrong passphrase."
    assert dialog.isVisible() and dialog.current_edit.text() == ""
    assert _still_opens_with(controller, PASSPHRASE)


def test_a_mismatch_or_a_short_passphrase_is_refused(
    qtbot: QtBot, controller: AppController
) -> None:
    dialog = _open(qtbot, controller)
    _fill(dialog, PASSPHRASE, NEW, NEW + "x")
    assert dialog.error_label.text() == "The passphrases do not match."
    _fill(dialog, PASSPHRASE, "short", "short")
    qtbot.waitUntil(lambda: dialog.error_label.text() != "", timeout=SIGNAL_TIMEOUT_MS)
    assert "at least" in dialog.error_label.text()
    assert _still_opens_with(controller, PASSPHRASE)
