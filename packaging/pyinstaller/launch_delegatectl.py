"""Frozen entry point of the command-line tool (``delegatectl``)."""

import sys

from delegate_app.cli import main

sys.exit(main())
