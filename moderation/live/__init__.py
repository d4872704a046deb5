"""Live moderation: the Perspective-compatible API and the Coral external moderation phase.

Both take a request's values, call the scoring core and the store, and return the answer
as plain data; `webui/api` only adapts them to HTTP. Errors are `ApiError`s that carry
their HTTP code and Google-style status.
"""
