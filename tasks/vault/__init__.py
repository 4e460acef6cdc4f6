"""Stages 1 and 3, the vault.

Reading notes (read, source), resolving wikilinks (links), keeping private notes out (privacy).
"""
