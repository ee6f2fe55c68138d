"""Frozen entry point of the desktop app (``delegate``)."""

import sys

from delegate_app.app import main

sys.exit(main())
