# Installers. The Makefile includes this file: `include packaging/targets.mk`.
# Debian packages the targets need (besides the Makefile's APT_PACKAGES):
PACKAGING_APT_PACKAGES := dpkg-dev lintian desktop-file-utils appstream msitools wixl \
	librsvg2-bin binutils patchelf

PACKAGING_APT_STAMP := $(VENV)/.apt-packaging-installed

.PHONY: bundle deb msi test-packaging

$(PACKAGING_APT_STAMP): | $(APT_STAMP)
	bash .ci/apt-install.sh $(PACKAGING_APT_PACKAGES)
	@touch $@

# dist/delegate/: the one-folder PyInstaller bundle (delegate and delegatectl). Each installer
# target also writes the SBOMs (packaging/sbom.py): <output>.cdx.json beside every installer.
bundle: $(STAMP) $(PACKAGING_APT_STAMP)
	$(PY) packaging/build_bundle.py
	$(PY) packaging/sbom.py

# dist/delegate_<version>_<arch>.deb, reproducible (SOURCE_DATE_EPOCH: the last commit's time).
deb: bundle
	$(PY) packaging/build_deb.py
	$(PY) packaging/sbom.py

# dist/delegate-<version>-x64.msi; BUNDLE=path/to/windows/dist/delegate for a real payload.
msi: $(STAMP) $(PACKAGING_APT_STAMP)
	$(PY) packaging/build_msi.py $(if $(BUNDLE),--bundle $(BUNDLE))
	$(PY) packaging/sbom.py

# Builds the bundle twice, the .deb from each, and the MSI; installs, runs, lints, inspects.
test-packaging: $(STAMP) $(PACKAGING_APT_STAMP)
	$(OFFSCREEN) $(PY) -m pytest tests/packaging -m packaging -p no:randomly $(PYTEST_ARGS)
