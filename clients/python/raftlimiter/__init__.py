"""raftlimiter's Python client: decisions from a raftlimiter cluster over its public gRPC API.

    from raftlimiter import Client

    with Client(["127.0.0.1:7001", "127.0.0.2:7001"]) as limiter:
        if limiter.try_acquire("api-key-42"):
            ...
"""

from raftlimiter.client import (Client, Decision, InvalidRequest, RateLimiterError,
                                Unavailable)

__all__ = ["Client", "Decision", "InvalidRequest", "RateLimiterError", "Unavailable"]
