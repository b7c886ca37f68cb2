"""The analysis threads (services._concurrency.off_loop) after a fork: a process forked once the pool exists
(a worker forked by its parent, mutmut's forked test runs) has none of the parent's threads, and must still
run its analyses instead of queueing them for a thread that is not there."""

from __future__ import annotations

import asyncio
import os
import sys

import pytest

from k8s_agent.services import _concurrency


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork is POSIX only")
def test_a_forked_child_runs_its_analyses_in_threads_of_its_own():
    assert asyncio.run(_concurrency.off_loop(sum, [1, 2, 3])) == 6  # the pool exists before the fork
    parent_pool = _concurrency._analysis_pool
    assert parent_pool is not None
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: answer through the pipe, never return into pytest
        code = 1
        try:
            answer = asyncio.run(asyncio.wait_for(_concurrency.off_loop(sum, [4, 5]), timeout=5))
            fresh = _concurrency._analysis_pool is not parent_pool
            os.write(write, f"{answer} {fresh}".encode())
            code = 0
        except BaseException as exc:  # the timeout when the work is queued for a thread that is not there
            os.write(write, type(exc).__name__.encode())
        finally:
            sys.stdout.flush()
            os._exit(code)
    os.close(write)
    with os.fdopen(read) as pipe:
        said = pipe.read()
    _, status = os.waitpid(pid, 0)
    assert said == "9 True"
    assert os.waitstatus_to_exitcode(status) == 0
    assert _concurrency._analysis_pool is parent_pool  # the parent keeps its own
