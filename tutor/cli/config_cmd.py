"""`tutor config`: the effective settings and where state lives."""

from __future__ import annotations

import json

import typer

from tutor.config import get_settings


def register(app: typer.Typer) -> None:
    app.command("config")(show_config)


def show_config(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Show every setting's effective value (argument > environment > .env > default)."""
    from tutor.redact import redacted_settings

    settings = get_settings()
    values = settings.model_dump(mode="json")
    values["chroma_path"] = str(settings.chroma_path)
    values["database"] = settings.resolved_database_url
    values = redacted_settings(values)  # no password in a database or endpoint URL, no API key
    if as_json:
        typer.echo(json.dumps(values, indent=2))
        return
    for key, value in values.items():
        typer.echo(f"TUTOR_{key.upper():<24} {value}")
