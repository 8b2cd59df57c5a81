"""Command-line entry points (``mssl-train``, ``mssl-test``; ``tools/*.py`` call them)."""
