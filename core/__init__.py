"""Shared plumbing every domain package uses: settings, database, errors, hashing,
logging, media storage, coarsening, and the web dependencies the API and console share."""
