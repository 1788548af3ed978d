"""Office and leader views (being written)."""
