"""Database plumbing: SQLite connection settings, the search objects (DDL and sync), dialect helpers."""
