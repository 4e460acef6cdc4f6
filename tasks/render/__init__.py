"""Stage 6, render (templating): channel specs, the shared context, the Jinja environment and filters, the templating itself."""
