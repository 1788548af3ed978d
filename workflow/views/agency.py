"""Agency portal views (being written)."""
