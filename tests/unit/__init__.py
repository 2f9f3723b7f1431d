"""In-process tests of single components outside the domain: the bridge, the outbox relay,
request logging, the model's redaction."""
