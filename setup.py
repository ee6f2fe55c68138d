"""Build hook: compile the gettext catalogues (i18n/*.po) into the package as .mo files.

Everything else about the distribution is declared in pyproject.toml. A wheel gets the
compiled catalogues in ``delegate_app/locale``; an editable install (``pip install -e .``)
compiles them into the source tree, where the running code looks for them.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from setuptools import setup  # type: ignore[import-untyped]
from setuptools.command.build_py import build_py  # type: ignore[import-untyped]

ROOT = Path(__file__).resolve().parent


class BuildWithCatalogues(build_py):  # type: ignore[misc]
    def run(self) -> None:
        super().run()
        spec = importlib.util.spec_from_file_location("i18n_tasks", ROOT / "i18n" / "tasks.py")
        if spec is None or spec.loader is None:
            raise RuntimeError("i18n/tasks.py is missing")
        tasks = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(tasks)
        if getattr(self, "editable_mode", False):
            target = ROOT / "delegate_app" / "locale"
        else:
            target = Path(self.build_lib) / "delegate_app" / "locale"
        if not tasks.compile_all(target):
            raise RuntimeError("no translation catalogues in i18n/")


setup(cmdclass={"build_py": BuildWithCatalogues})
