"""roots."""
