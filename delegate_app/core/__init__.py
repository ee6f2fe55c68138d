"""Qt-free core of Delegate: vault, crypto, documents, messaging, policy and paths.

Nothing in this package may import PySide6 (a test enforces it), so the CLI, the
sync worker and the tests all use the same code as the GUI.
"""
