"""Output: tables, figures, narratives, reports and safe file writing."""
