"""The live service (``missilewatch serve``): measurements in over HTTP and WebSocket, committed
before they are acknowledged; the watch fed in commit order; numbered, resumable events out
(WebSocket, server-sent events), REST, a CAP feed, keys and tokens with roles, a hash-chained
audit trail, Prometheus metrics, and a restart that loses nothing and repeats nothing."""
