"""``python -m delegate_app.cli``: the same as ``delegatectl``."""

import sys

from delegate_app.cli import main

sys.exit(main())
