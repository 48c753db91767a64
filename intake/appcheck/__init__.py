"""Firebase App Check for the reporter's routes: the token verifier and its policy
(`guard`), the signing keys it trusts (`keys`), and the count of requests each token
has carried (`uses` in memory, `store` in the database)."""
