"""Entry point: ``python -m bench`` runs the benchmark driver; ``--mixed`` the mixed-load
one; ``--full`` the full benchmark against both peers and at large pool sizes;
``--hashing`` SignUp and InitiateAuth with ``--password-hashing`` normal and fast against
moto_server."""

import sys

if "--mixed" in sys.argv[1:]:
    from bench.mixed import main as mixed_main

    raise SystemExit(mixed_main([a for a in sys.argv[1:] if a != "--mixed"]))

if "--full" in sys.argv[1:]:
    from bench.full import main as full_main

    raise SystemExit(full_main([a for a in sys.argv[1:] if a != "--full"]))

if "--hashing" in sys.argv[1:]:
    from bench.hashing import main as hashing_main

    raise SystemExit(hashing_main([a for a in sys.argv[1:] if a != "--hashing"]))

from bench.driver import main

raise SystemExit(main())
