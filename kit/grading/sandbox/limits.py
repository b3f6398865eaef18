"""How much one notebook may use: time, memory, output, processes, file size, files."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Limits:
    """Resource limits for one notebook's execution.

    Parameters
    ----------
    cell_seconds
        Wall-clock time one code cell may run (nbgrader's
        ``ExecutePreprocessor.timeout``). The cell is interrupted, its output gets
        nbgrader's ``CellTimeoutError``, and the next cell runs. A cell that
        ignores the interrupt is stopped by killing the process a few seconds later.
    notebook_seconds
        Wall-clock time the whole notebook may run; past it the process is killed.
    memory_mb
        Address space of the learner's process (``RLIMIT_AS``): an allocation past
        it raises ``MemoryError`` in the cell. The warm interpreter with pandas,
        geopandas and matplotlib takes about 320 MB of it.
    output_bytes
        Everything the notebook may print or display, counted while it streams.
        Past it, output is no longer recorded and the writing cell gets an
        ``OutputLimitError``.
    processes
        Processes (and threads) the learner's code may have at once (``RLIMIT_NPROC``,
        counted per sandbox user).
    file_mb
        Largest file the learner's code may write (``RLIMIT_FSIZE``). Its
        private ``/tmp`` (which holds the working folder) takes twice that, plus
        the submission's own files.
    tmp_files
        Files and folders the private ``/tmp`` (which holds the working folder)
        may hold, and ``/dev/shm`` too (``nr_inodes`` of their tmpfs): each one
        costs the machine's kernel memory, which no other limit counts. Past it,
        creating one fails with ``OSError`` (``ENOSPC``) in the cell.
    """

    cell_seconds: float = 60
    notebook_seconds: float = 300
    memory_mb: int = 3072
    output_bytes: int = 1_000_000
    processes: int = 32
    file_mb: int = 100
    tmp_files: int = 10_000

    def __post_init__(self) -> None:
        for name, value in asdict(self).items():
            if not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"Limits.{name} must be a positive number, not {value!r}")
