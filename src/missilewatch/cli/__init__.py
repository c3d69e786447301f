"""Command-line interface (Typer). Each command lives in its own module with ``register(app)``."""
