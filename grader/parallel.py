"""Running grading jobs concurrently: on this machine or on a Dask cluster.

A *job* is the expensive, side-effect-free half of grading one submission:
running the canonical notebook confined and judging each exercise
(:func:`grader.engine.grade_notebook`). It takes plain data (the notebook's
JSON, the limits) and returns plain data (the report), so it can run in any
process of any machine that has the course installed. Recording the grades
(nbgrader's gradebook, results, feedback) stays in the calling process: the
gradebook has a single writer.

``workers == 1`` without a scheduler runs the jobs here, one after another.
Otherwise they go to a ``dask.distributed`` cluster: a local one with
``workers`` processes, or an existing one reached at ``scheduler``, never more
jobs at once than the cluster has worker threads. A job whose worker dies is
retried on another worker by Dask; one that Dask gives up on (``KilledWorker``,
after ``ALLOWED_FAILURES + 1`` deaths on a local cluster) is tried once more
alone, after the others, so that a neighbour's crash cannot condemn it; if it
kills its worker again, it is reported as such, not retried forever.
"""

import collections
import contextlib
import dataclasses
import logging
import os
import uuid

import nbformat

from grader.engine import Report, grade_notebook
from grader.sandbox import Limits

ALLOWED_FAILURES = 2  # worker deaths a job may cause before it is given up


class JobLost(Exception):
    """A job could not be run: it killed its workers (``final``: not to be
    retried), or the cluster went away (to be retried by the next run)."""

    def __init__(self, message, final=False):
        super().__init__(message)
        self.final = final


def default_workers():
    """Number of cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def payload(key, nb, limits, secret=None, alone=False):
    """A job as plain data: ``key`` names it, ``nb`` is the canonical notebook,
    ``secret`` is the course's key for data it keeps secret (the project's test
    split; the scheduler and workers are the instructor's, never a student's),
    ``alone`` asks for a cluster with nothing else running (a graded duration)."""
    return {
        "key": key,
        "notebook": nbformat.writes(nb),
        "limits": dataclasses.asdict(limits),
        "secret": secret,
        "alone": alone,
    }


def run_job(job):
    """Grade one job's notebook (runs on a worker); return the report as data."""
    nb = nbformat.reads(job["notebook"], as_version=4)
    report = grade_notebook(nb, Limits(**job["limits"]), job.get("secret"))
    return report.to_dict()


class Pool:
    """Where jobs run. Use as a context manager; :meth:`map` yields results.

    Parameters
    ----------
    workers : int
        Processes of the local cluster (1 and no scheduler: run here).
    scheduler : str, optional
        Address of an existing Dask scheduler (``tcp://host:8786``).
    """

    def __init__(self, workers=1, scheduler=None):
        self.workers = workers
        self.scheduler = scheduler
        self.client = None
        self._stack = contextlib.ExitStack()

    def __enter__(self):
        if self.scheduler is None and self.workers <= 1:
            return self
        import dask
        from distributed import Client, LocalCluster

        self._stack.enter_context(
            dask.config.set(
                {
                    "distributed.scheduler.allowed-failures": ALLOWED_FAILURES,
                    "distributed.logging.distributed": "error",
                }
            )
        )
        for name in ("distributed", "tornado", "asyncio"):
            logging.getLogger(name).setLevel(logging.CRITICAL)
        if self.scheduler is None:
            cluster = LocalCluster(
                n_workers=self.workers,
                threads_per_worker=1,
                processes=True,
                memory_limit=0,  # the sandbox limits each submission's memory
                dashboard_address=":0",  # a free port: no clash, no warning
                silence_logs=logging.CRITICAL,
            )
            self._stack.enter_context(cluster)
            self.client = self._stack.enter_context(Client(cluster))
        else:
            self.client = self._stack.enter_context(
                Client(self.scheduler, timeout="20s")
            )
        return self

    def __exit__(self, *exc):
        self._stack.close()
        return False

    def map(self, jobs, task=run_job):
        """Yield ``(job, report or JobLost)`` as jobs finish (any order).

        ``task`` is what runs each job (an importable function of plain data).
        """
        if self.client is None:
            for job in jobs:
                yield job, Report.from_dict(task(job))
            return
        from distributed import as_completed

        pending, isolated, running = collections.deque(), collections.deque(), {}
        for job in jobs:  # timed jobs run alone: their duration is graded
            (isolated if job.get("alone") else pending).append(job)
        limit = max(1, sum(self.client.nthreads().values()))
        done = as_completed()

        def launch(job, alone):
            key = f"cours-rn-{job['key']}-{uuid.uuid4().hex}"
            future = self.client.submit(task, job, key=key, pure=False)
            running[future] = (job, alone)
            done.add(future)

        def fill():  # one job per worker thread; suspects and timed jobs alone, last
            while pending and len(running) < limit:
                launch(pending.popleft(), False)
            if not pending and not running and isolated:
                launch(isolated.popleft(), True)

        fill()
        for future in done:
            job, alone = running.pop(future)
            try:
                result = Report.from_dict(future.result())
            except Exception as exc:  # KilledWorker, a lost cluster
                killed = type(exc).__name__ == "KilledWorker"
                if killed and not alone:  # perhaps a neighbour's fault: once more
                    isolated.append(job)
                    future.release()
                    fill()
                    continue
                result = JobLost(_lost(exc), final=killed)
            future.release()
            yield job, result
            fill()


def _lost(exc):
    if type(exc).__name__ == "KilledWorker":
        return (
            f"ce rendu a fait tomber {ALLOWED_FAILURES + 1} processus de correction "
            "de suite : il n'est pas réessayé. À examiner par l'enseignant."
        )
    return f"la correction n'a pas pu être exécutée ({type(exc).__name__} : {exc})."
