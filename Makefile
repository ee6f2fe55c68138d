# Delegate — developer entry points. Every target installs what it needs itself.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
APT_STAMP := $(VENV)/.apt-installed
DEMO_PROFILE ?= $(CURDIR)/.demo
# The hashed locks (requirements/*.txt) and the version of uv that writes them (`make lock`);
# requirements/tools.in pins the same version, so the venv has it.
LOCK_DIR := requirements
UV_VERSION := 0.13.9
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
	compile-translations test-faults test-faults-long test-fresh lock audit audit-if-reachable sbom \
	screenshots

$(APT_STAMP):
	@mkdir -p $(VENV)
	bash .ci/apt-install.sh $(APT_PACKAGES)
	@touch $@

apt: $(APT_STAMP)

# A venv whose pip does not run (an interrupted or failed creation) is made again from scratch.
# Every package, pip and the build backend included, comes from the hashed lock (ADR 0032); the
# project itself is then installed without resolving anything and without a build environment.
$(STAMP): pyproject.toml $(LOCK_DIR)/dev.txt | $(APT_STAMP)
	$(PY) -m pip --version >/dev/null 2>&1 || $(PYTHON) -m venv --clear $(VENV)
	@touch $(APT_STAMP)
	$(PY) -m pip install --quiet --require-hashes --only-binary :all: -r $(LOCK_DIR)/dev.txt
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
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

test: lint typecheck check-strings audit-if-reachable pytest test-packaging

# Regenerates the hashed locks from pyproject.toml and requirements/*.in, universal (every
# platform and Python >= 3.11 in one file): dev.txt (the venv: everything), app.txt (the
# installers), relay.txt and build.txt (the relay container). The last three are constrained to
# dev.txt's choices, so the venv that builds the installers holds exactly what their SBOMs list.
UV_COMPILE = $(VENV)/bin/uv pip compile --quiet --universal --python-version 3.11 \
	--generate-hashes --custom-compile-command 'make lock'
# It needs no installed lock (a broken one can be replaced): uv comes from the venv when the
# lock put it there, otherwise pip installs that exact version.
lock: | $(APT_STAMP)
	@$(PY) -m pip --version >/dev/null 2>&1 || $(PYTHON) -m venv --clear $(VENV)
	@$(VENV)/bin/uv --version 2>/dev/null | grep -q '^uv $(UV_VERSION)\b' || \
		$(PY) -m pip install --quiet 'uv==$(UV_VERSION)'
	$(UV_COMPILE) pyproject.toml $(LOCK_DIR)/build.in $(LOCK_DIR)/tools.in --extra dev \
		-o $(LOCK_DIR)/dev.txt
	$(UV_COMPILE) pyproject.toml -c $(LOCK_DIR)/dev.txt -o $(LOCK_DIR)/app.txt
	$(UV_COMPILE) $(LOCK_DIR)/relay.in -c $(LOCK_DIR)/dev.txt -o $(LOCK_DIR)/relay.txt
	$(UV_COMPILE) $(LOCK_DIR)/build.in -c $(LOCK_DIR)/dev.txt -o $(LOCK_DIR)/build.txt

# Known vulnerabilities in every locked package, from PyPI's advisory data (pip-audit without
# resolving: the locks are pinned and hashed). --strict: a package the service cannot audit is
# a failure, never a silent pass.
audit: $(STAMP)
	$(VENV)/bin/pip-audit --strict --progress-spinner off --disable-pip --require-hashes \
		-r $(LOCK_DIR)/app.txt -r $(LOCK_DIR)/relay.txt -r $(LOCK_DIR)/dev.txt

# In `make test`: the audit when its service answers as pip-audit needs, otherwise one clear
# line and the reason; an unreachable service (the probe's status 3) neither fails the run nor
# counts as a pass. Any other failure of the probe fails the run.
audit-if-reachable: $(STAMP)
	@reason=$$($(PY) packaging/audit_probe.py $(LOCK_DIR)/app.txt 2>&1); status=$$?; \
	if [ $$status -eq 0 ]; then $(MAKE) --no-print-directory audit; \
	elif [ $$status -eq 3 ]; then echo "audit skipped: vulnerability service unreachable ($$reason)"; \
	else echo "audit probe failed: $$reason" >&2; exit $$status; fi

# CycloneDX SBOMs from the locks: beside each installer in dist/ and for the relay container.
sbom: $(STAMP)
	$(PY) packaging/sbom.py

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
