"""Stages 1 and 3, the vault: reading notes (read, source), resolving wikilinks (links), keeping private notes out (privacy)."""
