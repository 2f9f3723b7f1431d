"""`python -m userpool` runs the command line."""

from userpool.cli.main import main

raise SystemExit(main())
