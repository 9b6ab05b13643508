"""The Python client against node processes: decisions, waiting, retries, failures, TLS."""

import time
import uuid

import pytest

from raftlimiter import Client, InvalidRequest, Unavailable

DEAD = "127.0.0.1:1"  # nothing listens on port 1


def key() -> str:
    return "py-" + uuid.uuid4().hex


def test_allows_up_to_the_capacity_then_refuses_and_says_when(cluster):
    with Client(cluster) as limiter:
        k = key()
        decisions = [limiter.try_acquire(k, capacity=3, refill_per_second=0.001)
                     for _ in range(4)]
    assert [bool(d) for d in decisions] == [True, True, True, False]
    assert [d.remaining for d in decisions[:3]] == [2, 1, 0]
    assert decisions[3].retry_after > 100, "a token at 0.001/s is 1,000 s away"


def test_acquire_waits_for_the_refill_within_its_timeout(cluster):
    with Client(cluster) as limiter:
        k = key()
        assert limiter.try_acquire(k, capacity=1, refill_per_second=5)
        assert not limiter.acquire(k, capacity=1, refill_per_second=5, timeout=0.0)
        started = time.monotonic()
        assert limiter.acquire(k, capacity=1, refill_per_second=5, timeout=2.0)
        assert time.monotonic() - started < 1.5


def test_a_retry_under_the_same_request_id_is_answered_not_charged(cluster):
    with Client(cluster) as limiter:
        k = key()
        first = limiter.try_acquire(k, capacity=5, refill_per_second=0.001,
                                    consistency="strong", request_id="order-1")
        again = limiter.try_acquire(k, capacity=5, refill_per_second=0.001,
                                    consistency="strong", request_id="order-1")
        other = limiter.try_acquire(k, capacity=5, refill_per_second=0.001,
                                    consistency="strong", request_id="order-2")
    assert (first.remaining, first.replayed) == (4, False)
    assert (again.remaining, again.replayed) == (4, True)
    assert other.remaining == 3


def test_every_mode_decides(cluster):
    with Client(cluster) as limiter:
        for mode in ("strong", "eventual", "leased", None):
            assert limiter.try_acquire(key(), consistency=mode)


def test_a_decision_says_whether_the_node_made_it_alone(cluster):
    with Client(cluster) as limiter:
        assert limiter.try_acquire(key(), consistency="eventual").decided_locally
        assert not limiter.try_acquire(key(), consistency="strong").decided_locally


def test_a_bad_request_raises_and_takes_nothing(cluster):
    with Client(cluster) as limiter:
        with pytest.raises(InvalidRequest):
            limiter.try_acquire("")
        k = key()
        with pytest.raises(InvalidRequest, match="exceed the bucket capacity"):
            limiter.try_acquire(k, 5, capacity=3, refill_per_second=1)
        assert limiter.try_acquire(k, 3, capacity=3, refill_per_second=0.001).remaining == 0
        with pytest.raises(InvalidRequest):
            limiter.try_acquire(k, consistency="fast")


def test_a_dead_node_is_passed_over(cluster):
    with Client([DEAD] + cluster) as limiter:
        for _ in range(5):
            assert limiter.try_acquire(key())


def test_no_node_is_an_error_never_an_allowed_decision():
    with Client([DEAD], deadline=1.0) as limiter:
        with pytest.raises(Unavailable):
            limiter.try_acquire(key())


def test_tls_with_the_clusters_authority_and_a_client_certificate(tls_cluster):
    endpoints, tls = tls_cluster
    with Client(endpoints, ca_file=str(tls / "ca.crt"), cert_file=str(tls / "client.crt"),
                key_file=str(tls / "client.key")) as limiter:
        assert limiter.try_acquire(key())
    with Client(endpoints, deadline=1.0) as plaintext:
        with pytest.raises(Unavailable):
            plaintext.try_acquire(key())
