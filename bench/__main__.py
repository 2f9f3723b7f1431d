"""Entry point: ``python -m bench`` runs the benchmark driver; ``--mixed`` the mixed-load one."""

import sys

if "--mixed" in sys.argv[1:]:
    from bench.mixed import main as mixed_main

    raise SystemExit(mixed_main([a for a in sys.argv[1:] if a != "--mixed"]))

from bench.driver import main

raise SystemExit(main())
