"""A client of raftlimiter's public API (ratelimiter.v1) over gRPC."""

import random
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Optional, Sequence

import grpc

from raftlimiter._gen.ratelimiter.v1 import ratelimiter_pb2 as pb
from raftlimiter._gen.ratelimiter.v1 import ratelimiter_pb2_grpc as pb_grpc

_CONSISTENCY = {
    None: pb.CONSISTENCY_UNSPECIFIED,
    "strong": pb.CONSISTENCY_STRONG,
    "eventual": pb.CONSISTENCY_EVENTUAL,
    "leased": pb.CONSISTENCY_LEASED,
}
_RETRY_AFTER_MILLIS = "retry-after-millis"
_BACKOFF_BASE = 0.025
_BACKOFF_CAP = 1.0


class RateLimiterError(Exception):
    """No decision was made: nothing to act on but the error (never read it as allowed)."""

    def __init__(self, message: str, code: Optional[grpc.StatusCode] = None):
        super().__init__(message)
        self.code = code


class Unavailable(RateLimiterError):
    """No node decided in time (every attempt failed, or the deadline passed)."""


class InvalidRequest(RateLimiterError, ValueError):
    """The request is wrong (an empty key, too many permits, a bad limit); nothing was taken."""


@dataclass(frozen=True)
class Decision:
    """One decision. True when allowed, so that ``if client.try_acquire(key):`` reads well."""

    allowed: bool
    remaining: int
    retry_after: float
    """Seconds until the permits will be there (0 when allowed)."""
    replayed: bool = False
    """A retry of a request already decided: this is its first decision, nothing taken again."""
    shadow_refused: bool = False
    decided_locally: bool = False
    """The node decided at once from its EVENTUAL view or LEASED share, with no Raft round."""

    def __bool__(self) -> bool:
        return self.allowed


class Client:
    """Decides through any node of a cluster, failing over between them.

    ``endpoints`` are the nodes' client addresses (``host:port``). TLS: give ``ca_file`` (the
    cluster's authority, PEM) and, where the nodes ask for client certificates, ``cert_file`` and
    ``key_file``. Every call runs within ``deadline`` seconds; a node that is down or a group
    without a leader (``UNAVAILABLE``) moves the call to the next node at once, then after a
    jittered backoff, up to ``max_attempts`` tries; a node that sheds the call
    (``RESOURCE_EXHAUSTED``) is asked again after the time it named. Each call carries one
    request id through all its tries, so a retry whose first try was decided after all is
    answered with that decision and charges nothing twice.
    """

    def __init__(self, endpoints: Sequence[str], *, ca_file: Optional[str] = None,
                 cert_file: Optional[str] = None, key_file: Optional[str] = None,
                 deadline: float = 5.0, max_attempts: int = 4):
        if not endpoints:
            raise ValueError("endpoints must name at least one node (host:port)")
        if (cert_file is None) != (key_file is None):
            raise ValueError("cert_file and key_file go together")
        if (cert_file is not None) and ca_file is None:
            raise ValueError("a client certificate needs ca_file (the cluster's authority)")
        if deadline <= 0 or max_attempts < 1:
            raise ValueError("deadline must be > 0 and max_attempts >= 1")
        self._deadline = deadline
        self._max_attempts = max_attempts
        credentials = None
        if ca_file is not None:
            credentials = grpc.ssl_channel_credentials(
                root_certificates=_read(ca_file),
                private_key=_read(key_file) if key_file else None,
                certificate_chain=_read(cert_file) if cert_file else None)
        self._channels = [grpc.secure_channel(e, credentials) if credentials
                          else grpc.insecure_channel(e) for e in endpoints]
        self._stubs = [pb_grpc.RateLimiterStub(c) for c in self._channels]
        self._next = 0
        self._lock = threading.Lock()

    def close(self) -> None:
        for channel in self._channels:
            channel.close()

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def try_acquire(self, key: str, permits: int = 1, *, consistency: Optional[str] = None,
                    capacity: Optional[int] = None, refill_per_second: Optional[float] = None,
                    request_id: Optional[str] = None) -> Decision:
        """Takes ``permits`` tokens from ``key``'s bucket if they are there, without waiting.

        ``consistency`` is ``"strong"``, ``"eventual"``, ``"leased"`` or None (the node's
        default); ``capacity`` with ``refill_per_second`` give the bucket's limit (else the
        cluster's rules do). Raises :class:`InvalidRequest` or :class:`Unavailable` when there
        is no decision.
        """
        if consistency not in _CONSISTENCY:
            raise InvalidRequest("consistency must be strong, eventual, leased or None")
        if (capacity is None) != (refill_per_second is None):
            raise InvalidRequest("capacity and refill_per_second go together")
        request = pb.AcquireRequest(key=key, permits=permits,
                                    consistency=_CONSISTENCY[consistency],
                                    request_id=request_id or uuid.uuid4().hex)
        if capacity is not None:
            request.limit.capacity = capacity
            request.limit.refill_per_second = refill_per_second
        return self._call(request)

    def acquire(self, key: str, permits: int = 1, *, timeout: float = 0.0,
                **options) -> Decision:
        """Takes ``permits`` tokens, waiting up to ``timeout`` seconds for them to refill.

        Returns the allowed decision, or the last refusal when the tokens would not be there
        within ``timeout``. Options are those of :meth:`try_acquire`.
        """
        give_up = time.monotonic() + timeout
        while True:
            decision = self.try_acquire(key, permits, **options)
            if decision.allowed or time.monotonic() + decision.retry_after > give_up:
                return decision
            time.sleep(decision.retry_after)

    def _call(self, request) -> Decision:
        give_up = time.monotonic() + self._deadline
        with self._lock:
            first = self._next
            self._next = (self._next + 1) % len(self._stubs)
        last = None
        for attempt in range(self._max_attempts):
            left = give_up - time.monotonic()
            if left <= 0:
                break
            stub = self._stubs[(first + attempt) % len(self._stubs)]
            try:
                response = stub.Acquire(request, timeout=left)
                return Decision(allowed=response.allowed, remaining=response.remaining,
                                retry_after=response.retry_after_millis / 1000.0,
                                replayed=response.replayed,
                                shadow_refused=response.shadow_refused,
                                decided_locally=response.decided_locally)
            except grpc.RpcError as error:
                code = error.code()
                last = error
                if code == grpc.StatusCode.INVALID_ARGUMENT:
                    raise InvalidRequest(error.details(), code) from None
                if code == grpc.StatusCode.RESOURCE_EXHAUSTED:
                    wait = _retry_after(error)
                elif code == grpc.StatusCode.UNAVAILABLE:
                    # the first retry moves to the next node at once; later ones back off
                    wait = 0.0 if attempt == 0 else random.uniform(
                        0, min(_BACKOFF_CAP, _BACKOFF_BASE * 2 ** (attempt - 1)))
                else:
                    raise RateLimiterError(f"{code.name}: {error.details()}", code) from None
                if time.monotonic() + wait >= give_up:
                    break
                time.sleep(wait)
        detail = f"{last.code().name}: {last.details()}" if last is not None else "deadline passed"
        raise Unavailable(f"no node decided within {self._deadline} s ({detail})",
                          last.code() if last is not None else grpc.StatusCode.DEADLINE_EXCEEDED)


def _retry_after(error: grpc.RpcError) -> float:
    for key, value in error.trailing_metadata() or ():
        if key == _RETRY_AFTER_MILLIS:
            try:
                millis = int(value)
                return millis / 1000.0 * (1 + random.random() / 2)
            except ValueError:
                break
    return 0.02


def _read(path: str) -> bytes:
    with open(path, "rb") as f:
        return f.read()
