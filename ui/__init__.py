"""UI-only helpers shared by app.py and pages/: sidebar, cached loaders, safe text. No domain logic."""
