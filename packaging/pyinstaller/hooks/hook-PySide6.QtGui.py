# Override of PyInstaller's hook: the same collection, minus the plugins and catalogues that
# bundle_filter.keep() leaves out, so their library dependencies are never pulled in.
import os

from PyInstaller.utils.hooks.qt import add_qt6_dependencies

from bundle_filter import keep

hiddenimports, binaries, datas = add_qt6_dependencies(__file__)
binaries = [(src, dest) for src, dest in binaries if keep(f"{dest}/{os.path.basename(src)}")]
datas = [(src, dest) for src, dest in datas if keep(f"{dest}/{os.path.basename(src)}")]
