"""Stage 7, polish (optional): the LLM client with its cache and budget, the polish of a channel's parts, second opinions."""
