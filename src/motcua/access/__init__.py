"""Access to the HTTP surface: bearer tokens and sessions (auth), Idempotency-Key replay (idempotency).

It sits below the apps whose APIs use it (catalog, directory, dossiers) and above directory, whose
accounts and tokens it reads; `motcua.api` (the ninja object that gathers every router) sits on top.
"""
