"""The ``userpool`` command line: ``serve``, ``outbox`` (and, later, ``cognito-idp``)."""
