"""userpool: a self-hosted user-pool identity service that speaks Cognito's user-pool API."""

__version__ = "0.1.0"
