"""Stage 8, polish (optional).

The LLM client with its cache and budget, the polish of a channel's parts, second opinions.
"""
