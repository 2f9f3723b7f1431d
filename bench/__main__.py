"""Entry point: ``python -m bench`` runs the benchmark driver; ``--mixed`` the mixed-load
one; ``--full`` the full benchmark against both peers and at large pool sizes."""

import sys

if "--mixed" in sys.argv[1:]:
    from bench.mixed import main as mixed_main

    raise SystemExit(mixed_main([a for a in sys.argv[1:] if a != "--mixed"]))

if "--full" in sys.argv[1:]:
    from bench.full import main as full_main

    raise SystemExit(full_main([a for a in sys.argv[1:] if a != "--full"]))

from bench.driver import main

raise SystemExit(main())
