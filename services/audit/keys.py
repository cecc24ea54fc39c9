"""The checkpoint signing key: generate one, or print the public key of the configured one.

python -m services.audit.keys generate      # a new private key for AUDIT_SIGNING_KEY
python -m services.audit.keys public        # the public key of AUDIT_SIGNING_KEY
"""

from __future__ import annotations

import typer
from rich.console import Console

from services.audit.domain.checkpoint import (
    CheckpointKeyError,
    generate_private_key_text,
    load_private_key,
    public_key_text,
)
from services.audit.sealer import signing_key_text
from services.runtime.settings import Settings

app = typer.Typer(add_completion=False, help="Audit checkpoint keys (Ed25519).")
console = Console(stderr=True)


@app.command()
def generate() -> None:
    """Print a new private key (base64). Keep it secret; set it as AUDIT_SIGNING_KEY."""
    key = generate_private_key_text()
    print(key)
    console.print(f"public key / kunci publik: {public_key_text(load_private_key(key))}")


@app.command()
def public() -> None:
    """Print the public key of the configured AUDIT_SIGNING_KEY (the development key when
    none is set outside production)."""
    settings = Settings()
    try:
        key = load_private_key(
            signing_key_text(settings), allow_development_key=settings.environment != "production"
        )
    except CheckpointKeyError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    print(public_key_text(key))


if __name__ == "__main__":
    app()
