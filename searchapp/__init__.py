"""searchapp: full-text search of diplomatic declarations."""
