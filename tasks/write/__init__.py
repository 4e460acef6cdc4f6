"""Stage 9, write: outputs and their manifest, never losing a hand edit (outputs, journal), and the preview pages (preview)."""
