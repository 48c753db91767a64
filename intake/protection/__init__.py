"""Abuse protection without keeping addresses: which address a request comes from
(believing proxy headers only from trusted proxies) and per-client rate limits keyed on
a hash of it that lives only in memory."""
