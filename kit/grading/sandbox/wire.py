"""Length-prefixed JSON frames: how the grader and its sandboxed processes talk.

Each sandboxed process reports on its result pipe and takes the grader's
commands (one cell to run, names whose values to send) on its command pipe.
The learner's process is untrusted, so the grader reads JSON (never pickle)
and refuses frames larger than it expects.
"""

from __future__ import annotations

import json
import os
import struct

_HEADER = struct.Struct(">I")


class FrameError(ValueError):
    """A frame that is too large or not JSON: the writer is broken or hostile."""


def encode(obj) -> bytes:
    """One frame. Text that is not valid UTF-8 (lone surrogates) becomes '?'."""
    return frame(json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=True).encode("utf-8", "replace"))


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


class FrameReader:
    """Collects bytes read from a pipe and yields whole frames.

    Parameters
    ----------
    max_frame
        Largest frame accepted, in bytes; a larger one raises :class:`FrameError`.
    """

    def __init__(self, max_frame: int):
        self.max_frame = max_frame
        self._buffer = bytearray()
        self.received = 0

    def feed(self, data: bytes) -> list:
        self.received += len(data)
        self._buffer += data
        frames = []
        while len(self._buffer) >= _HEADER.size:
            (size,) = _HEADER.unpack_from(self._buffer)
            if size > self.max_frame:
                raise FrameError(f"a frame of {size} bytes (at most {self.max_frame} expected)")
            if len(self._buffer) < _HEADER.size + size:
                break
            payload = bytes(self._buffer[_HEADER.size : _HEADER.size + size])
            del self._buffer[: _HEADER.size + size]
            try:
                frames.append(json.loads(payload))
            except (ValueError, RecursionError) as exc:
                raise FrameError(f"a frame that is not JSON ({type(exc).__name__}: {exc})") from None
        return frames

    @property
    def partial(self) -> bool:
        """True when a frame was cut off (the writer died while writing it)."""
        return bool(self._buffer)


def frame(payload: bytes) -> bytes:
    """One frame of an already encoded JSON payload."""
    return _HEADER.pack(len(payload)) + payload


class FrameSource:
    """Whole frames read, blocking, from a pipe: how a sandboxed process takes the grader's commands.

    :meth:`next` returns the next frame, or None at the end of the pipe (the grader is gone).
    """

    def __init__(self, fd: int, max_frame: int):
        self.fd = fd
        self.reader = FrameReader(max_frame)
        self.frames: list = []

    def next(self):
        while not self.frames:
            try:
                data = os.read(self.fd, 1 << 16)
            except OSError:
                return None
            if not data:
                return None
            self.frames += self.reader.feed(data)
        return self.frames.pop(0)
