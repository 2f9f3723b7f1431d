"""The SQL both backends share: each statement written once, with ``?`` for parameters.

``base`` runs statements and names the hooks a backend sets; one module per area of the
``Tx`` port (``pools``, ``users``, ``codes``, ``tokens``, ``keys``, ``events``,
``groups``, ``counters``) holds its statements, ``tx`` puts them together, ``store`` has
the store-level statements (outbox claims, purges, logs), ``rows`` maps rows to entities
and ``migrations`` finds the schema's migrations. Only what the dialects disagree on lives
in ``userpool.storage.sqlite`` and ``userpool.storage.postgres``.
"""
