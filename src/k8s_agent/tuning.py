"""Every tunable of the agent in one place: sizes, intervals and rates chosen for how the agent behaves under
load, not settings an operator changes (those are ``config.Settings``). Each is imported where it is used."""

from __future__ import annotations

# ------------------------------------------------------------------------------------------ Kubernetes API
#: objects per page of a LIST (``limit`` + ``continue``)
PAGE_SIZE = 500
#: a watch asks the server to end it after a random (min, max) seconds (as client-go's reflectors do)
WATCH_TIMEOUT = (300, 600)
#: a broken watch is retried after this many seconds, doubling up to the cap
WATCH_BACKOFF_FIRST, WATCH_BACKOFF_MAX = 0.5, 30.0
#: Retry-After of a 503 answered while the index has not synced
INDEX_RETRY_AFTER_SECONDS = 2
#: the most a first sync waits for the first answers prepared from it (seconds; then requests are let in)
INDEX_WARM_TIMEOUT = 60.0
#: a watch down this long is named in the answers' warnings (a blip of a reconnect is not)
STALE_AFTER = 5.0
#: HTTP connections to the API server per worker
CONNECTION_POOL_SIZE = 32
#: decoding a response larger than this pauses the cyclic GC (an 11 MB pod list decodes in ~110 ms instead
#: of ~480 ms: its acyclic containers would otherwise trigger full collections mid-decode)
GC_PAUSE_ABOVE = 512 * 1024

# ------------------------------------------------------------------------------------------ worker
#: the readiness check: every READY_INTERVAL seconds, each within READY_TIMEOUT; ready after one success,
#: not ready after READY_FAILURES failures in a row (one slow answer does not take the pod out of the Service)
READY_INTERVAL = 2.0
READY_TIMEOUT = 2.0
READY_FAILURES = 3
#: how long a read that found the API unavailable is answered from memory (seconds, jittered per key)
API_FAILURE_MEMORY = 1.0
#: worker deaths tolerated (each one restarted) within RESTART_WINDOW seconds; one more and the process exits
MAX_RESTARTS = 5
RESTART_WINDOW = 60.0
#: a GC pause at least this long is logged (throttled) as a warning
GC_PAUSE_WARN = 0.1
#: allocations between young-generation collections in a serving worker (CPython's default is 700)
GC_GEN0_THRESHOLD = 50_000
#: seconds between publications of a worker's counted metrics to the shared multiprocess files
METRICS_PUBLISH_EVERY = 1.0

# ------------------------------------------------------------------------------------------ caches
#: rough size of a cached value that does not say its own (a decoded object, an error record)
DEFAULT_ITEM_BYTES = 4096

#: shared computations (whole cluster analyses) kept per worker
ANALYSES_MAX = 16
#: threads that run the whole-cluster analyses of one worker process
ANALYSIS_THREADS = 2

#: cluster-wide answers kept current in the background (``api.refresh``), per worker: at most this many keys
REFRESH_MAX_KEYS = 32
#: a key not requested for this long (seconds; at most half the index's idle timeout) is no longer refreshed
REFRESH_KEEP = 30.0
#: an answer older than this (seconds; at least twice CACHE_TTL) is not served: its refresh keeps failing
REFRESH_MAX_AGE = 10.0
#: while the index changes, a key in use is refreshed this often (seconds, start to start; at most CACHE_TTL):
#: a change shows in its answers within this plus one refresh
REFRESH_CADENCE = 1.0

# ------------------------------------------------------------------------------------------ requests
#: request ids are made this many at a time
REQUEST_ID_BATCH = 256
#: bodies at least this large are sent compressed to a client that accepts gzip
COMPRESS_MIN_BYTES = 1024
#: zlib level for the once-per-fill compression (6 is zlib's default: most of 9's ratio at a third of its CPU)
GZIP_LEVEL = 6
#: raw query strings remembered as validated, per route and worker (the hot path of routes with a query)
MAX_QUERY_ALIASES = 256

# ------------------------------------------------------------------------------------------ logs
#: access-log records are written within this many seconds, in batches
LOG_FLUSH_AFTER = 0.05
#: and at most this many at once
LOG_MAX_RECORDS = 256
#: repeats of the same warning within this many seconds are counted, not logged
WARNING_WINDOW = 1.0
#: distinct warnings counted at once
WARNING_MAX_KEYS = 256

# ------------------------------------------------------------------------------------------ token auth
#: reviews (TokenReview or SubjectAccessReview) in flight at once, per worker; a review beyond it is not queued
#: (a queue would only turn the flood into 504s for everyone): 503 with Retry-After
REVIEW_CONCURRENCY = 8
#: reviews per second per worker (token bucket: this many at once, refilled at this rate)
REVIEWS_PER_SECOND = 20.0
#: how long a token the API server rejected is answered 401 without asking again, and how many are kept
REJECTED_TTL = 5.0
REJECTED_MAX = 4096
