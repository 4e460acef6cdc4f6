"""Stage 10, write.

Outputs and their manifest, never losing a hand edit (outputs, journal), and the preview pages
(preview).
"""
