"""``python -m celltx``: see celltx.cli."""

from celltx.cli import main

raise SystemExit(main())
