"""Stage 5, insights.

A parsed note cut into atomic insights (cut), each typed (kind) and tagged with its roots
(extract).
"""
