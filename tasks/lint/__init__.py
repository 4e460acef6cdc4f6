"""Stage 9, lint: the constraint linter (checks) and its named rules (rules), configured per channel in channel.yaml."""
