"""Stage 4, roots: the vault's root concepts (index) and how a text is tagged with them (tags)."""
