"""The HTTP side: our own HTTP/1.1 server (``http.py``, what ``userpool serve`` runs), the
wire it feeds (AWS JSON 1.1 on ``POST /``, the GET pages), and adapters for running the
same wire under granian (RSGI) or any ASGI server (``app.py``)."""
