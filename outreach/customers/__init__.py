"""Customers: the directory, search, edits and merging duplicates."""
