"""The HTTP server: AWS JSON 1.1 on ``POST /``, behind thin RSGI (granian) and ASGI adapters."""
