"""A forked child process that extracts PDFs one after another, each within bounds (for pdfbounds).

Forking a child for each PDF cost more processor time than PDFium's whole extraction (about 17 ms
against 14 ms a letter: the parent is large), so one child serves all the PDFs a thread reads. It
is forked at the first PDF; before each PDF it sets its own limits: processor time to what it has
used so far plus the bound, address space to its size when it started plus the bound. A PDF that
reaches either is stopped by the operating system (or by the parent, at the wall-clock backstop),
and the next PDF gets a new child. A clean refusal (too many pages, a broken file) keeps the child.
After :data:`RECYCLE` PDFs it is replaced all the same, so that nothing a PDF left in it lasts.

The pipes carry plain bytes (a fixed header, then the PDF or the text), never pickles: the child
reads hostile input, so the parent trusts nothing from it but a length and UTF-8 text.
"""

from __future__ import annotations

import atexit
import math
import os
import select
import signal
import struct
import threading
import time
from typing import Callable

RECYCLE = 500
# Request: PDF length, seconds of processor time, bytes of address space, engine (16 bytes, padded).
_REQUEST = struct.Struct("!QdQ16s")
# Reply: 1 for text, 0 for a refusal (the text is then the reason), and the length of the UTF-8.
_REPLY = struct.Struct("!BQ")
MAX_REPLY_BYTES = 64 * 2**20

Job = Callable[[bytes, str], "tuple[bool, str]"]


class Stopped(Exception):
    """The child died or overran: ``by_time`` when processor or clock time is the likely cause."""

    def __init__(self, by_time: bool) -> None:
        super().__init__("stopped by time" if by_time else "stopped by memory")
        self.by_time = by_time


_CPU_SIGNALS = (signal.SIGXCPU, signal.SIGKILL) if hasattr(signal, "SIGXCPU") else ()
_workers: dict[int, "_Worker"] = {}  # thread ident -> its child, for this process
_lock = threading.Lock()


def run(job: Job, data: bytes, engine: str, seconds: float, memory: int, wall_factor: float) -> tuple[bool, str]:
    """``job(data, engine)`` in this thread's bounded child: (True, text) or (False, reason).
    Raises :class:`Stopped` when a bound killed the child (which is then replaced)."""
    worker = _worker(job)
    try:
        return worker.ask(data, engine, seconds, memory, seconds * wall_factor)
    except Stopped:
        _discard(worker)
        raise
    finally:
        if worker.served >= RECYCLE:
            _discard(worker)


def _worker(job: Job) -> "_Worker":
    ident = threading.get_ident()
    with _lock:
        worker = _workers.get(ident)
        if worker is None or worker.job is not job:
            if worker is not None:
                worker.close()
            worker = _workers[ident] = _Worker(job)
        return worker


def _discard(worker: "_Worker") -> None:
    with _lock:
        for ident, known in list(_workers.items()):
            if known is worker:
                del _workers[ident]
    worker.close()


class _Worker:
    def __init__(self, job: Job) -> None:
        self.job = job
        self.served = 0
        requests_read, self.requests = os.pipe()
        self.replies, replies_write = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:  # the child: serve until the parent closes its end, leave without cleanup
            os.close(self.requests)
            os.close(self.replies)
            try:
                _serve(job, requests_read, replies_write)
            finally:
                os._exit(0)
        os.close(requests_read)
        os.close(replies_write)

    def ask(self, data: bytes, engine: str, seconds: float, memory: int, wall: float) -> tuple[bool, str]:
        self.served += 1
        try:
            _write_all(self.requests, _REQUEST.pack(len(data), seconds, memory, engine.encode()) + data)
            deadline = time.monotonic() + wall
            header = _read_exact(self.replies, _REPLY.size, deadline)
            if header is None:
                raise self._stopped()
            ok, size = _REPLY.unpack(header)
            body = _read_exact(self.replies, size, deadline) if size <= MAX_REPLY_BYTES else None
        except OSError:  # a broken pipe: the child is gone
            raise self._stopped() from None
        if body is None:
            raise self._stopped()
        return bool(ok), body.decode("utf-8", "surrogatepass")

    def _stopped(self) -> Stopped:
        status = self.close()
        by_time = status is None or (os.WIFSIGNALED(status) and os.WTERMSIG(status) in _CPU_SIGNALS)
        return Stopped(by_time)

    def close(self) -> int | None:
        """End the child (closing its pipes; killing it if it still runs) and collect it. Its status,
        or None when it was still running (overran the clock)."""
        if self.pid is None:
            return None
        pid, self.pid = self.pid, None
        for fd in (self.requests, self.replies):
            try:
                os.close(fd)
            except OSError:
                pass
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return status
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.waitpid(pid, 0)
        return None


def _serve(job: Job, requests: int, replies: int) -> None:
    _limit(None, None)
    start_size = _address_space()
    while True:
        header = _read_exact(requests, _REQUEST.size, None)
        if header is None:
            return  # the parent closed the pipe: done
        size, seconds, memory, engine = _REQUEST.unpack(header)
        data = _read_exact(requests, size, None)
        if data is None:
            return
        _limit(seconds, None if start_size is None else start_size + memory)
        ok, text = job(data, engine.rstrip(b"\0").decode())
        body = text.encode("utf-8", "surrogatepass")
        _write_all(replies, _REPLY.pack(1 if ok else 0, len(body)) + body)


def _limit(seconds: float | None, address_space: int | None) -> None:
    """Processor time: what the child has used plus ``seconds`` (the operating system stops it there,
    however loaded the machine); address space: ``address_space`` bytes (POSIX only). No core file."""
    try:
        import resource
    except ImportError:  # pragma: no cover - not POSIX
        return
    if seconds is None:
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        return
    usage = resource.getrusage(resource.RUSAGE_SELF)
    hard = resource.getrlimit(resource.RLIMIT_CPU)[1]
    soft = math.ceil(usage.ru_utime + usage.ru_stime + max(1.0, seconds))
    resource.setrlimit(resource.RLIMIT_CPU, (soft if hard == resource.RLIM_INFINITY else min(soft, hard), hard))
    if address_space is not None:
        resource.setrlimit(resource.RLIMIT_AS, (address_space, resource.getrlimit(resource.RLIMIT_AS)[1]))


def _address_space() -> int | None:
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return None  # no way to know the baseline: the time bound still holds


def _read_exact(fd: int, size: int, deadline: float | None) -> bytes | None:
    """``size`` bytes, or None at end of file or past ``deadline`` (time.monotonic)."""
    chunks: list[bytes] = []
    missing = size
    while missing:
        if deadline is not None:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
                return None
        chunk = os.read(fd, min(missing, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        missing -= len(chunk)
    return b"".join(chunks)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _forget_after_fork() -> None:
    """In a forked process (a worker pool's, or a PDF child itself), the parent's children are not
    ours: close our copies of their pipes (so each child still sees its parent leave) and forget them."""
    global _lock
    _lock = threading.Lock()
    for worker in _workers.values():
        for fd in (worker.requests, worker.replies):
            try:
                os.close(fd)
            except OSError:
                pass
    _workers.clear()


def close_all() -> None:
    """End every child of this process (at exit, or in tests)."""
    with _lock:
        workers = list(_workers.values())
        _workers.clear()
    for worker in workers:
        worker.close()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_after_fork)
atexit.register(close_all)
