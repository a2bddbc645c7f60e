"""``python -m protein_rgdm`` runs the CLI."""

import sys

from protein_rgdm.cli import main

sys.exit(main())
