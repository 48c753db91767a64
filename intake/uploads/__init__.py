"""Resumable uploads (tus 1.0 core, creation, expiration) for large videos on flaky
networks: partial files in a private folder (`area`), the protocol's operations
(`service`) and their errors. A finished upload is sanitised at once; only the clean
copy reaches media storage."""
