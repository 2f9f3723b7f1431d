"""Pure tests of ``userpool.domain``: no server, no store, no clock; values from Cognito's
documentation and docs/compatibility.md."""
