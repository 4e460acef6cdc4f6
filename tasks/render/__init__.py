"""Stage 7, render (templating).

Channel specs (and their options), the shared context, the Jinja environment and filters,
the templating itself.
"""
