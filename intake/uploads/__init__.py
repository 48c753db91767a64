"""Resumable uploads (tus 1.0 core, creation, expiration, termination) for large videos on
flaky networks: the protocol's operations (`service`) and errors, and where unfinished
uploads wait for their last byte (`partials`): this host's private folder (`area`,
`local`), or, with S3 media, sealed pieces in the bucket (`pieces`, `shared`) under a lease
on the row (`lease`), so any API host can continue any upload. A finished upload is
sanitised at once; only the clean copy reaches media storage."""
