"""How a ``--db`` value is read: a file path or a PostgreSQL URL, and what a log may show."""

from __future__ import annotations

from pathlib import Path

from userpool.storage import exists, is_url, redact


def test_postgresql_urls_name_a_server_and_anything_else_a_file(tmp_path: Path) -> None:
    assert is_url("postgresql://db.internal/userpool") and is_url("postgres://h/db")
    assert not is_url("data/userpool.db") and not is_url("sqlite:///tmp/x.db")
    assert exists("postgresql://h/db") and not exists(str(tmp_path / "none.db"))


def test_a_logged_database_url_hides_its_password() -> None:
    assert redact("postgresql://app:s3cr%40t@db:5432/up") == "postgresql://app:***@db:5432/up"
    assert redact("postgresql://db/up?user=app&password=x&sslmode=require") == (
        "postgresql://db/up?user=app&password=***&sslmode=require"
    )
    assert redact("postgresql://app@db/up") == "postgresql://app@db/up"
    assert redact("/var/lib/userpool.db") == "/var/lib/userpool.db"
