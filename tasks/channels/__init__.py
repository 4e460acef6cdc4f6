"""Channel preparers: `tasks/channels/<name>.py` reshapes the context for one channel.

A preparer is optional. It defines `prepare(ctx, spec) -> ctx` and, for binary outputs
named in channel.yaml with `builder:`, functions `(ctx) -> bytes`.
"""
