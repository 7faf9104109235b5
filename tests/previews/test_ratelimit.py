"""Rate limits per client, per token and per link (the real `limits` library, memory and Redis)."""

from __future__ import annotations

import socket
import uuid

import pytest

from qldrops.errors import ConfigurationError, DatabaseUnavailable, RateLimited
from qldrops.previews.ratelimit import RateLimits


def test_per_client_token_and_link():
    rl = RateLimits(client="3/minute", token="2/minute", link="4/minute")
    for _ in range(3):
        rl.hit(client="203.0.113.9")
    with pytest.raises(RateLimited) as e:
        rl.hit(client="203.0.113.9")
    assert 0 < e.value.retry_after <= 60 and e.value.http_status == 429 and "retry after" in e.value.hint
    rl.hit(client="198.51.100.1")  # another client has its own budget
    rl.hit(token="qld_a")
    rl.hit(token="qld_a")
    with pytest.raises(RateLimited, match="token"):
        rl.hit(token="qld_a")
    for _ in range(4):
        rl.hit(link="cap")
    with pytest.raises(RateLimited, match="link"):
        rl.hit(link="cap")


def test_a_refused_request_spends_no_other_budget():
    rl = RateLimits(client="100/minute", link="1/minute")
    rl.hit(client="c", link="L")
    before = rl.remaining(client="c")["client"]
    with pytest.raises(RateLimited):
        rl.hit(client="c", link="L")
    assert rl.remaining(client="c")["client"] == before
    rl.reset()
    rl.hit(client="c", link="L")


def test_secrets_are_not_keys():
    rl = RateLimits()
    keys = rl._keys("1.2.3.4", "qld_secret_token", "the-capability")
    assert all("secret" not in k and "capability" not in k for _, k in keys)


@pytest.mark.parametrize("kwargs", [{"client": "lots"}, {"link": "5/fortnight"}, {"storage": "nosuch://x"},
                                    {"strategy": "leaky"}])
def test_bad_configuration(kwargs):
    with pytest.raises(ConfigurationError):
        RateLimits(**kwargs)


def test_store_rate_limits_from_settings(store):
    assert store.rate_limits is store.rate_limits
    assert set(store.rate_limits.limits) == {"client", "token", "link", "run"}  # run: the page's Run button (issue 14)


def _redis_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
        import redis  # noqa: F401
    except (OSError, ImportError):
        return False
    return True


@pytest.mark.skipif(not _redis_up(), reason="Redis is not running at 127.0.0.1:6379 (or `redis` not installed)")
def test_redis_storage_is_shared_between_instances():
    a = RateLimits(client="2/minute", storage="redis://127.0.0.1:6379")
    b = RateLimits(client="2/minute", storage="redis://127.0.0.1:6379")
    client = f"test-{uuid.uuid4().hex}"  # unique key: no reset of a shared server
    a.hit(client=client)
    b.hit(client=client)
    with pytest.raises(RateLimited):
        a.hit(client=client)


def test_unreachable_redis_is_a_clear_error():
    rl = RateLimits(storage="redis://127.0.0.1:1")
    with pytest.raises(DatabaseUnavailable, match="rate-limit storage"):
        rl.hit(client="c")
