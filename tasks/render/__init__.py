"""Stage 6, render (templating).

Channel specs, the shared context, the Jinja environment and filters, the templating itself.
"""
