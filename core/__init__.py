"""Shared plumbing every domain package uses: settings, database, errors, hashing, logging."""
