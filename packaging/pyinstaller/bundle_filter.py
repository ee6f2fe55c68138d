"""Which Qt plugins, Qt catalogues and shared libraries stay out of the bundle.

Used by delegate.spec and by the Qt hook overrides in hooks/, which filter plugins before
PyInstaller follows their library dependencies (a plugin left out pulls nothing in).
"""

import re

# Qt plugins Delegate cannot use, as paths under the bundle's Qt plugins directory.
UNUSED_PLUGINS = re.compile(
    r"plugins/("
    r"platforms/libq(eglfs|linuxfb|minimal|minimalegl|vnc|vkkhrdisplay)\.so"
    r"|platforms/q(direct2d|minimal)\.dll"
    r"|egldeviceintegrations/|generic/|networkaccess/|networkinformation/|tls/"
    r"|platformthemes/libqgtk3\.so"
    r"|platforminputcontexts/libqtvirtualkeyboardplugin\.so"
    r"|imageformats/(lib)?q(icns|tga|tiff|wbmp|webp|pdf)\.(so|dll|dylib)"
    r"|wayland-graphics-integration-(server/|client/lib[a-z-]+-server\.so)"
    r"|wayland-shell-integration/lib(ivi-shell|fullscreen-shell-v1|qt-shell|wl-shell-plugin)\.so"
    r")"
)
LANGUAGES = ("ar", "en", "es", "fr", "ru", "zh_CN")  # Qt's catalogues for Delegate's languages
QT_TRANSLATION = re.compile(r"translations/(qt|qtbase)_(?P<lang>[a-zA-Z_]+)\.qm$")

# Libraries every Linux desktop provides, taken from the system (they are the .deb's Depends)
# rather than copied from the build machine: the X11/xcb/Wayland stack, fonts, D-Bus, GLib,
# compression, and OpenSSL (security updates come from the distribution).
SYSTEM_LIBRARIES = re.compile(
    r"^lib("
    r"X11|X11-xcb|Xau|Xdmcp|Xext|Xrender|Xi|Xfixes|Xcursor|Xrandr|Xinerama|Xcomposite|Xdamage"
    r"|xcb.*|xkbcommon(-x11)?|wayland-.*|fontconfig|freetype|expat|png16|brotli(common|dec)"
    r"|bz2|z|uuid|bsd|md|dbus-1|glib-2\.0|gobject-2\.0|gio-2\.0|gmodule-2\.0|gthread-2\.0"
    r"|ffi|pcre2-8|mount|blkid|selinux|gcc_s|stdc\+\+|ssl|crypto|lzma|zstd|systemd|gcrypt"
    r"|gpg-error|lz4|cap|harfbuzz|graphite2|gssapi_krb5|krb5|k5crypto|krb5support|com_err|keyutils"
    r")\.so(\.[0-9.]+)?$"
)


def keep(dest: str) -> bool:
    """Whether a file collected for the bundle at ``dest`` (its path inside the bundle) stays."""
    dest = dest.replace("\\", "/")
    if UNUSED_PLUGINS.search(dest):
        return False
    match = QT_TRANSLATION.search(dest)
    if match is not None:
        return match.group("lang") in LANGUAGES
    if "/translations/" in dest and dest.endswith(".qm"):
        return False  # catalogues of Qt modules that are not in the bundle
    return SYSTEM_LIBRARIES.match(dest.rsplit("/", 1)[-1]) is None
