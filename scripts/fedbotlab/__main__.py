"""`python -m fedbotlab …`: what `scripts/lab` runs."""

import sys

from fedbotlab.cli import main

sys.exit(main())
