"""Entry point: ``python -m bench`` runs the benchmark driver."""

from bench.driver import main

raise SystemExit(main())
