# Delegate — developer entry points. Every target installs what it needs itself.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
APT_STAMP := $(VENV)/.apt-installed
DEMO_PROFILE ?= $(CURDIR)/.demo
# Tests and benchmarks draw offscreen; `make run` uses the desktop's own platform.
OFFSCREEN := QT_QPA_PLATFORM=$${QT_QPA_PLATFORM:-offscreen}

# The interpreter's X.Y: a bare Debian has python3 but not its venv module, nor the shared
# libpython that PyInstaller bundles.
PY_VERSION := $(shell $(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)
ifeq ($(PY_VERSION),)
$(error $(PYTHON) was not found: install python3 first (apt-get install python3))
endif

# System libraries Qt's wheels need on a minimal Debian, plus the tools the tests drive.
APT_PACKAGES := python$(PY_VERSION)-venv libpython$(PY_VERSION) ca-certificates \
	libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3 \
	libglib2.0-0 libnss3 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 \
	libxcb-xinerama0 libxcb-randr0 libxcb-render-util0 libxcb-image0 libxrender1 libxi6 \
	libasound2 fonts-dejavu-core fonts-noto-core fonts-noto-cjk \
	dbus dbus-x11 gnome-keyring gettext postgresql

.PHONY: run test lint typecheck pytest bench venv apt clean check-strings update-catalogues \
	compile-translations test-faults test-faults-long test-fresh screenshots

$(APT_STAMP):
	@mkdir -p $(VENV)
	bash .ci/apt-install.sh $(APT_PACKAGES)
	@touch $@

apt: $(APT_STAMP)

# A venv whose pip does not run (an interrupted or failed creation) is made again from scratch.
$(STAMP): pyproject.toml | $(APT_STAMP)
	$(PY) -m pip --version >/dev/null 2>&1 || $(PYTHON) -m venv --clear $(VENV)
	@touch $(APT_STAMP)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@

venv: $(STAMP)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(STAMP)
	$(VENV)/bin/mypy

# Catalogues: the template is current, every language complete, msgfmt --check clean.
check-strings: $(STAMP)
	$(PY) i18n/tasks.py check

# After changing translatable strings: sources -> delegate.pot -> every <lang>.po and en_XA.po.
update-catalogues: $(STAMP)
	$(PY) i18n/tasks.py extract
	$(PY) i18n/tasks.py update

# .po -> .mo inside the package, where the running code looks for them.
compile-translations: $(STAMP)
	$(PY) i18n/tasks.py compile

# The whole suite, fault-injection rounds (CI-sized) included; installers are test-packaging.
pytest: $(STAMP)
	$(OFFSCREEN) dbus-run-session -- $(PY) -m pytest $(PYTEST_ARGS)

test: lint typecheck check-strings pytest test-packaging

# Only the fault-injection tests; FAULT_ROUNDS=N for a long run on demand.
test-faults: $(STAMP)
	$(OFFSCREEN) $(PY) -m pytest -m faults -p no:randomly $(PYTEST_ARGS)

test-faults-long: $(STAMP)
	$(OFFSCREEN) DELEGATE_FAULT_ROUNDS=$${FAULT_ROUNDS:-500} $(PY) -m pytest -m faults -p no:randomly \
		--timeout=0 $(PYTEST_ARGS)

# `make test`, then `make run` until its window is up, in a bare Debian chroot (needs root or
# sudo; the base system is cached in /var/cache/delegate-test-fresh).
test-fresh:
	bash .ci/fresh-debian.sh

run: $(STAMP)
	$(PY) -m delegate_app.demo --profile $(DEMO_PROFILE) --launch

bench: $(STAMP)
	$(OFFSCREEN) $(PY) -m benchmarks.run

# The screenshots of docs/GUI.md: the demo profile and its peer, every page in en, ar and zh_CN.
screenshots: $(STAMP)
	$(OFFSCREEN) $(PY) -m delegate_app.demo_screenshots --out docs/screenshots

clean:
	rm -rf $(VENV) build dist *.egg-info .demo .mypy_cache .ruff_cache

include packaging/targets.mk
