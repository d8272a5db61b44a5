"""Benchmarks of searchapp against SQLite FTS5 and Tantivy (`make bench`, see RESULTS.md)."""
