"""Side-by-side benchmark of userpool against moto_server (see bench/README.md).

Run it with ``bench/run`` (or ``.venv/bin/python -m bench`` from the repository root).
"""
