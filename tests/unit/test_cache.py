"""Single-flight TTL cache: coalescing, error handling, negative caching, cancellation."""

import asyncio

import pytest

from k8s_agent.errors import NotFound, ServiceUnavailable
from k8s_agent.kube.cache import SingleFlightCache


class Clock:
    def __init__(self):
        self.t = 0.0

    def __call__(self):
        return self.t


class Upstream:
    def __init__(self, delay=0.01, error=None):
        self.calls = 0
        self.delay = delay
        self.error = error
        self.cancelled = 0

    async def fetch(self):
        self.calls += 1
        try:
            await asyncio.sleep(self.delay)
        except asyncio.CancelledError:
            self.cancelled += 1
            raise
        if self.error is not None:
            raise self.error
        return {"value": self.calls}


def run(coro):
    return asyncio.run(coro)


def test_concurrent_misses_share_one_upstream_call():
    async def main():
        cache = SingleFlightCache("t", maxsize=10, ttl=2)
        up = Upstream()
        results = await asyncio.gather(*(cache.get("k", up.fetch) for _ in range(50)))
        return cache, up, results

    cache, up, results = run(main())
    assert up.calls == 1
    assert all(r == {"value": 1} for r in results)
    assert cache.misses == 1 and cache.coalesced == 49


def test_hits_within_ttl_and_refetch_after_expiry():
    async def main():
        clock = Clock()
        cache = SingleFlightCache("t", maxsize=10, ttl=2, timer=clock)
        up = Upstream(delay=0)
        a = await cache.get("k", up.fetch)
        clock.t = 1.9
        b = await cache.get("k", up.fetch)
        clock.t = 2.1
        c = await cache.get("k", up.fetch)
        return up, a, b, c

    up, a, b, c = run(main())
    assert (a, b, c) == ({"value": 1}, {"value": 1}, {"value": 2})
    assert up.calls == 2


def test_all_waiters_get_the_error_and_errors_are_not_cached():
    async def main():
        cache = SingleFlightCache("t", maxsize=10, ttl=2)
        up = Upstream(error=ServiceUnavailable("down"))
        results = await asyncio.gather(*(cache.get("k", up.fetch) for _ in range(5)), return_exceptions=True)
        up.error = None
        after = await cache.get("k", up.fetch)
        return up, results, after

    up, results, after = run(main())
    assert all(isinstance(r, ServiceUnavailable) for r in results)
    assert up.calls == 2  # one shared failing call, then a fresh one
    assert after == {"value": 2}


def test_not_found_is_cached_for_the_shorter_negative_ttl():
    async def main():
        clock = Clock()
        cache = SingleFlightCache("t", maxsize=10, ttl=2, negative_ttl=0.5, timer=clock)
        up = Upstream(delay=0, error=NotFound("Pod", "p", "ns"))
        errors = []
        for t in (0.0, 0.4, 0.6):
            clock.t = t
            try:
                await cache.get("k", up.fetch)
            except NotFound as exc:
                errors.append(exc)
        return up, errors

    up, errors = run(main())
    assert len(errors) == 3
    assert all(e.details == "Pod 'p' not found in namespace 'ns'" for e in errors)
    assert up.calls == 2  # 0.0 fetched, 0.4 from the negative cache, 0.6 after it expired


def test_fetch_is_cancelled_when_its_last_waiter_leaves():
    async def main():
        cache = SingleFlightCache("t", maxsize=10, ttl=2)
        up = Upstream(delay=5)
        waiters = [asyncio.ensure_future(cache.get("k", up.fetch)) for _ in range(3)]
        await asyncio.sleep(0.01)
        waiters[0].cancel()
        await asyncio.sleep(0.01)
        still_running = cache.inflight
        for w in waiters[1:]:
            w.cancel()
        await asyncio.gather(*waiters, return_exceptions=True)
        await asyncio.sleep(0.01)
        return cache, up, still_running

    cache, up, still_running = run(main())
    assert still_running == 1  # two waiters were still there
    assert up.cancelled == 1
    assert cache.inflight == 0
    assert len(cache) == 0  # nothing cached for nobody


def test_a_waiter_timing_out_does_not_cancel_the_fetch_for_others():
    async def main():
        cache = SingleFlightCache("t", maxsize=10, ttl=2)
        up = Upstream(delay=0.05)
        short = asyncio.ensure_future(asyncio.wait_for(cache.get("k", up.fetch), 0.01))
        long = asyncio.ensure_future(cache.get("k", up.fetch))
        r = await asyncio.gather(short, long, return_exceptions=True)
        return up, r

    up, (short, long) = run(main())
    assert isinstance(short, TimeoutError)
    assert long == {"value": 1}
    assert up.calls == 1 and up.cancelled == 0


@pytest.mark.parametrize("ttl", [0])
def test_ttl_zero_disables_caching_but_still_coalesces(ttl):
    async def main():
        cache = SingleFlightCache("t", maxsize=10, ttl=ttl)
        up = Upstream()
        await asyncio.gather(*(cache.get("k", up.fetch) for _ in range(10)))
        await cache.get("k", up.fetch)
        return up

    assert run(main()).calls == 2


def test_peek_serves_fresh_values_only_and_holds_no_more_than_the_size_bound():
    async def main():
        clock = Clock()
        cache = SingleFlightCache("t", maxsize=3, ttl=2, timer=clock)

        async def value_of(key):
            return await cache.get(key, lambda: asyncio.sleep(0, result=f"v-{key}"))

        assert cache.peek("a") is None
        assert await value_of("a") == "v-a"
        assert cache.peek("a") == "v-a"
        clock.t = 1.999
        assert cache.peek("a") == "v-a"
        clock.t = 2.0  # expired exactly at the TTL, like the TTLCache behind it
        assert cache.peek("a") is None
        for key in "bcde":  # four keys into three places: the oldest is evicted
            await value_of(key)
        held = [k for k in "abcde" if cache.peek(k) is not None]
        assert held == ["c", "d", "e"]
        assert len(cache._fresh) == len(cache._values) == 3
        cache.clear()
        assert cache.peek("e") is None

    run(main())


# ------------------------------------------------------------------------------------------ hardening
def test_a_remembered_not_found_holds_no_traceback_or_frames():
    """The negative cache keeps a record, not the raised exception: the exception's traceback would keep the
    failed request's frames (and everything they reference) alive for the negative TTL."""
    import gc
    import weakref

    class RequestLike:  # stands for the Sanic Request a handler frame holds
        pass

    refs = []

    async def handler(cache, name):
        request = RequestLike()
        refs.append(weakref.ref(request))

        async def fetch():
            raise NotFound("Pod", name, "ns")

        try:
            await cache.get(("pod", name), fetch)
        except NotFound:
            pass

    async def main():
        cache = SingleFlightCache("t", maxsize=100, ttl=2, negative_ttl=60)
        for i in range(20):
            await handler(cache, f"p{i}")
        return cache

    cache = run(main())
    gc.collect()
    assert len(cache) == 20  # every miss is remembered ...
    assert [r for r in refs if r() is not None] == []  # ... and no request outlives its handler
    with pytest.raises(NotFound) as info:
        run(cache.get(("pod", "p3"), Upstream(error=AssertionError("must not be called")).fetch))
    assert info.value.details == "Pod 'p3' not found in namespace 'ns'"


def test_an_unavailable_api_is_remembered_per_key_for_about_the_error_ttl():
    async def main():
        clock = Clock()
        cache = SingleFlightCache("t", maxsize=10, ttl=2, error_ttl=1.0, timer=clock)
        up = Upstream(delay=0, error=ServiceUnavailable("Kubernetes API error", "get pods: HTTP 500"))
        other = Upstream(delay=0)
        errors = []
        for _ in range(50):  # concurrent and immediately following requests: one call
            try:
                await cache.get("k", up.fetch)
            except ServiceUnavailable as exc:
                errors.append(exc.details)
        assert await cache.get("other", other.fetch) == {"value": 1}  # per key: others still read
        calls_within = up.calls
        clock.t = 1.26  # past the largest jittered memory (1.25 x error_ttl)
        with pytest.raises(ServiceUnavailable):
            await cache.get("k", up.fetch)
        return calls_within, up.calls, errors

    within, after, errors = run(main())
    assert within == 1 and after == 2
    assert errors == ["get pods: HTTP 500"] * 50


def test_remembered_failures_expire_at_jittered_times():
    async def main():
        clock = Clock()
        cache = SingleFlightCache("t", maxsize=100, ttl=2, error_ttl=1.0, timer=clock)
        up = Upstream(delay=0, error=ServiceUnavailable("x", "y"))
        for i in range(40):
            with pytest.raises(ServiceUnavailable):
                await cache.get(i, up.fetch)
        return sorted(expiry for expiry, _ in cache._errors.values())

    expiries = run(main())
    assert 0.75 <= expiries[0] and expiries[-1] <= 1.25
    assert len(set(expiries)) == 40  # not one synchronised retry


def test_values_are_bounded_in_bytes_as_well_as_entries():
    async def main():
        cache = SingleFlightCache("t", maxsize=1000, maxbytes=10_000, ttl=60)
        for i in range(50):
            body = bytes(1000)

            async def fetch(body=body):
                return body

            await cache.get(i, fetch)
        return cache

    cache = run(main())
    assert cache.nbytes <= 10_000
    assert 5 <= len(cache) <= 10  # 1000-byte answers (+64 counted overhead) in a 10,000-byte budget


# ------------------------------------------------------------------------------------------ circuit breaker
def test_breaker_opens_after_consecutive_failures_rejects_without_calling_and_probes():
    from k8s_agent.kube.cache import CircuitBreaker

    async def main():
        clock = Clock()
        changes = []
        breaker = CircuitBreaker(
            threshold=3, probe_interval=1.0, timer=clock, on_change=lambda *a: changes.append(a)
        )
        failing = Upstream(delay=0, error=ServiceUnavailable("Kubernetes API error", "list pods: HTTP 500"))
        for _ in range(3):
            with pytest.raises(ServiceUnavailable):
                await breaker.call(failing.fetch)
        assert breaker.state == "open" and failing.calls == 3
        for _ in range(100):
            with pytest.raises(ServiceUnavailable) as info:
                await breaker.call(failing.fetch)
        assert failing.calls == 3  # open: not called
        assert info.value.retry_after == 1.0 and "list pods: HTTP 500" in info.value.details
        clock.t = 1.0
        with pytest.raises(ServiceUnavailable):  # the probe goes through and fails: still open
            await breaker.call(failing.fetch)
        assert failing.calls == 4 and breaker.state == "open"
        with pytest.raises(ServiceUnavailable):
            await breaker.call(failing.fetch)
        assert failing.calls == 4
        clock.t = 2.0
        healthy = Upstream(delay=0)
        assert await breaker.call(healthy.fetch) == {"value": 1}  # recovery within one probe interval
        assert breaker.state == "closed"
        assert await breaker.call(healthy.fetch) == {"value": 2}
        return changes

    changes = run(main())
    assert [c[0] for c in changes] == ["open", "closed"]


def test_breaker_counts_only_failures_of_the_api_server_itself():
    from k8s_agent.errors import MetricsUnavailable, UpstreamForbidden
    from k8s_agent.kube.cache import CircuitBreaker

    async def main():
        breaker = CircuitBreaker(threshold=2, probe_interval=1.0, timer=Clock())
        for error in (
            NotFound("Pod", "x", "ns"),
            UpstreamForbidden(details="get pods: 403"),
            MetricsUnavailable(details="metrics-server absent"),
        ):
            for _ in range(5):
                with pytest.raises(type(error)):
                    await breaker.call(Upstream(delay=0, error=error).fetch)
            assert breaker.state == "closed", error

    run(main())


def test_only_one_probe_at_a_time():
    from k8s_agent.kube.cache import CircuitBreaker

    async def main():
        clock = Clock()
        breaker = CircuitBreaker(threshold=1, probe_interval=1.0, timer=clock)
        with pytest.raises(ServiceUnavailable):
            await breaker.call(Upstream(delay=0, error=ServiceUnavailable("x", "y")).fetch)
        clock.t = 1.5
        slow = Upstream(delay=0.05)
        results = await asyncio.gather(*(breaker.call(slow.fetch) for _ in range(10)), return_exceptions=True)
        return slow.calls, results

    calls, results = run(main())
    assert calls == 1
    assert results[0] == {"value": 1}
    assert all(isinstance(r, ServiceUnavailable) for r in results[1:])


def test_a_failed_fetch_leaves_no_cyclic_garbage_behind():
    """Each waiter raises an exception of its own, and the shared task holds none: a failed request is freed
    by reference counting alone (cyclic garbage per failed request piled up under raised GC thresholds, and
    one collection of it took over a second)."""
    import gc

    async def handler(cache, i):
        async def fetch():
            raise ServiceUnavailable("Kubernetes API error", f"get pods: HTTP 500 ({i})")

        try:
            await asyncio.gather(*(cache.get(("pod", i), fetch) for _ in range(3)))
        except ServiceUnavailable:
            pass

    async def main():
        cache = SingleFlightCache("t", maxsize=10, ttl=2, negative_ttl=0)
        for i in range(200):
            await handler(cache, i)

    run(main())  # the event loop itself leaves some garbage: measure the requests' part
    gc.collect()
    gc.disable()
    try:
        run(main())
        garbage = gc.collect()
    finally:
        gc.enable()
    assert garbage < 200, garbage  # not one cycle per failed request (several hundred objects each before)
