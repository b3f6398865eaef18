"""Every place the kit overrides, copies or reaches into nbgrader's internals, in one module.

The kit grades with nbgrader's own ``Autograde`` converter (so the gradebook,
formgrader and feedback work unchanged), but runs several learners at once in
one process. Three of nbgrader's steps are not safe for that, and are replaced
here by copies that leave out one line each:

- ``BaseConverter.start`` changes the process's working directory
  (:meth:`ThreadSafeAutograde.start` does not);
- ``Autograde.convert_single_notebook`` sets ``NBGRADER_EXECUTION`` in the
  process's environment (:meth:`ThreadSafeAutograde.convert_single_notebook`
  does not: the sandbox gives its notebooks that variable);
- ``NbGraderAPI.autograde`` sets the assignment and learner on the API's shared
  ``CourseDirectory`` (:func:`autograde_learner` gives each converter its own).

Three more steps save time, not threads. nbgrader opens its gradebook five or
six times per learner (``Gradebook(db_url)`` in ``init_assignment`` and in four
preprocessors), each with an SQLAlchemy engine of its own: a new connection
pool and an empty cache of compiled SQL, so every query is compiled again —
a quarter of the time the autograder spends on a learner outside the sandbox.
While :func:`shared_gradebook_engines` is active, gradebooks opened on the
same database share one engine (``nbgrader.api.create_engine`` is swapped for
a caching one, and ``Gradebook.close`` leaves the engine and its pooled
connections open until the run ends); during the run SQLite commits in
write-ahead mode (``journal_mode=WAL``, ``synchronous=NORMAL``: a commit no
longer waits for two syncs), and the database goes back to its ordinary
journal when the run ends. And nbgrader's ``CheckCellMetadata``
(run twice per notebook) has every cell's metadata checked with
``jsonschema.validate``, which checks the *schema* against its meta-schema
each time — a sixth of the time the autograder spends on a learner outside
the sandbox. :class:`CheckCellMetadataOnce` is that step with the schema
checked once per process (the same validator, the same errors).

``Autograde._init_preprocessors`` (private, as is the ``_sanitizing`` flag and
the exporter's ``_preprocessors`` list it uses) is overridden so that a subclass
can change the steps nbgrader is about to register
(:meth:`ThreadSafeAutograde.choose_preprocessors`). And the sandbox writes the
error nbgrader's ``Execute`` gives a cell past its time limit
(``Execute.error_on_timeout``) without importing nbgrader, from a copy:
:data:`kit.grading.sandbox.outputs.CELL_TIMEOUT_ERROR`.

The copies were made from nbgrader 0.9.6; those functions are the same in every
0.9 release. :func:`check_nbgrader_version` refuses any other series, and
:data:`UPSTREAM_SOURCES` holds a hash of each upstream function copied or
overridden: ``tests/grading/test_nbgrader_internals.py`` fails as soon as the
installed nbgrader's code differs (:func:`upstream_changes`). When it does,
compare the new upstream code with the copy here, carry the change over, and
record the new hash.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib
import inspect
import json
import os
import re
import threading
import traceback
from collections.abc import Callable, Iterator

import jsonschema
import nbgrader
import nbgrader.api
import sqlalchemy
import sqlalchemy.event
import sqlalchemy.exc
from nbconvert.writers import FilesWriter
from nbgrader.converters import Autograde
from nbgrader.coursedir import CourseDirectory
from nbgrader.nbgraderformat import MetadataValidator, ValidationError
from nbgrader.nbgraderformat.common import BaseMetadataValidator, SchemaTooNewError, SchemaTooOldError
from nbgrader.preprocessors import CheckCellMetadata
from nbgrader.utils import capture_log
from traitlets.config import Config
from traitlets.utils.importstring import import_item

from kit.errors import GradingError
from kit.grading.sandbox.outputs import CELL_TIMEOUT_ERROR

__all__ = [
    "SUPPORTED_NBGRADER",
    "UPSTREAM_SOURCES",
    "CheckCellMetadataOnce",
    "ThreadSafeAutograde",
    "UnsupportedNbgraderError",
    "autograde_learner",
    "check_nbgrader_version",
    "shared_gradebook_engines",
    "upstream_changes",
]

SUPPORTED_NBGRADER = ((0, 9, 0), (0, 10, 0))  # from the first version, up to (not including) the second
SUPPORTED_RANGE = ">=0.9.0,<0.10"

# sha256 of inspect.getsource(...) of each upstream function copied or overridden here, in nbgrader 0.9.6
UPSTREAM_SOURCES = {
    "nbgrader.converters.base:BaseConverter.start": "10d6830579cdca63cb986520813344581d4d04192b18dd5c88a6cf85315c35a1",
    "nbgrader.converters.autograde:Autograde._init_preprocessors": (
        "44b51d96b8fae43a484694fdac1b17a66d9760dfcd67e8f7e0bcef6fffdb14db"
    ),
    "nbgrader.converters.autograde:Autograde.convert_single_notebook": (
        "d46973a12f2e4e75f5bb2b45cea273bb4181822ab7895108529bd5e3fb95252a"
    ),
    "nbgrader.apps.api:NbGraderAPI.autograde": "99d6b171e65d81b5f3a2ccce208b3414cf287b9f1b98c48428258c6b4c42974e",
    "nbgrader.api:Gradebook.__init__": "c60c420276e8355efa558bdefe3e1e57fad264d5f42da6759c23eb010acc0baf",
    "nbgrader.api:Gradebook.close": "089cf56cf4f8a224c289f3f0fd4545736c027ffabf2970fdc7d674d6be47c40b",
    "nbgrader.nbgraderformat.common:BaseMetadataValidator.validate_cell": (
        "e5f97f45a9aba510674c72eb1d7246f297175e2f1bd1193a03494f6071af3265"
    ),
    "nbgrader.preprocessors.checkcellmetadata:CheckCellMetadata.preprocess": (
        "f8dfe8c496d03e526c73f55837efef711749488700fe21e046e3e9d5be65550c"
    ),
}
# upstream values the kit keeps a copy of, and the copy
UPSTREAM_VALUES = {"nbgrader.preprocessors:Execute.error_on_timeout": CELL_TIMEOUT_ERROR}


class UnsupportedNbgraderError(GradingError):
    """The installed nbgrader is not a version the kit's copies of its code were made from."""

    def __init__(self, version: str):
        self.version = version
        super().__init__(
            f"nbgrader {version} is installed; the kit's autograder supports nbgrader {SUPPORTED_RANGE}",
            hint=f'install a supported version: pip install "nbgrader{SUPPORTED_RANGE}"',
        )


def _version_tuple(version: str) -> tuple[int, ...]:
    match = re.match(r"(\d+)\.(\d+)(?:\.(\d+))?", version)
    if match is None:
        return ()
    return tuple(int(part or 0) for part in match.groups())


@functools.cache
def _check(version: str) -> None:
    low, high = SUPPORTED_NBGRADER
    if not low <= _version_tuple(version) < high:
        raise UnsupportedNbgraderError(version)


def check_nbgrader_version(version: str | None = None) -> None:
    """Raise :class:`UnsupportedNbgraderError` unless nbgrader (default: the installed one)
    is in :data:`SUPPORTED_RANGE`."""
    _check(nbgrader.__version__ if version is None else version)


def _resolve(qualified: str):
    module, _, path = qualified.partition(":")
    obj = importlib.import_module(module)
    for name in path.split("."):
        obj = getattr(obj, name)
    return obj


def upstream_changes() -> list[str]:
    """The upstream functions and values whose installed code differs from what the kit copied."""
    changed = []
    for qualified, digest in UPSTREAM_SOURCES.items():
        source = inspect.getsource(_resolve(qualified))
        if hashlib.sha256(source.encode()).hexdigest() != digest:
            changed.append(qualified)
    for qualified, copy in UPSTREAM_VALUES.items():
        owner, _, trait = qualified.rpartition(".")
        if _resolve(owner).class_traits()[trait].default() != copy:
            changed.append(qualified)
    return changed


def _resolve_preprocessor(pp):
    # nbgrader's lists hold classes or their dotted names
    return import_item(pp) if isinstance(pp, str) else pp


class ThreadSafeAutograde(Autograde):
    """nbgrader's ``Autograde``, safe to run for several learners at once in one process.

    Each converter needs a ``CourseDirectory`` of its own (see :func:`autograde_learner`).
    Subclasses may change the preprocessors of each of nbgrader's two passes
    (:meth:`choose_preprocessors`) and set up each one registered (:meth:`connect_preprocessor`).
    """

    def __init__(self, *args, **kwargs):
        check_nbgrader_version()
        super().__init__(*args, **kwargs)

    def choose_preprocessors(self, steps: list[type], *, sanitizing: bool) -> list[type]:
        """The preprocessor classes to register for a pass (default: nbgrader's ``steps``).

        ``sanitizing`` is True for the first pass (``sanitize_preprocessors``), False for
        the second (``autograde_preprocessors``, which runs the notebook).
        """
        return steps

    def connect_preprocessor(self, preprocessor) -> None:
        """Set up one registered preprocessor before the pass runs (default: nothing)."""

    def start(self) -> None:
        # BaseConverter.start, without its os.chdir(coursedir.root): the working
        # directory belongs to the whole process, and other learners are being
        # converted in other threads. Every path nbgrader builds from the course
        # directory is absolute.
        self.init_notebooks()
        self.writer = FilesWriter(parent=self, config=self.config)
        self.exporter = self.exporter_class(parent=self, config=self.config)
        for pp in self.preprocessors:
            self.exporter.register_preprocessor(pp)
        self.convert_notebooks()

    def _init_preprocessors(self) -> None:
        # Autograde._init_preprocessors, with the steps chosen by the subclass
        self.exporter._preprocessors = []
        listed = self.sanitize_preprocessors if self._sanitizing else self.autograde_preprocessors
        steps = [_resolve_preprocessor(pp) for pp in listed]
        steps = [CheckCellMetadataOnce if pp is CheckCellMetadata else pp for pp in steps]
        for pp in self.choose_preprocessors(steps, sanitizing=self._sanitizing):
            self.exporter.register_preprocessor(pp)
        for pp in self.exporter._preprocessors:
            self.connect_preprocessor(pp)

    def convert_single_notebook(self, notebook_filename: str) -> None:
        # Autograde.convert_single_notebook, without setting NBGRADER_EXECUTION in
        # this process's environment (other threads share it): the sandbox's
        # notebooks get NBGRADER_EXECUTION=autograde from the autograder.
        self.log.info("Sanitizing %s", notebook_filename)
        self._sanitizing = True
        self._init_preprocessors()
        super(Autograde, self).convert_single_notebook(notebook_filename)
        notebook_filename = os.path.join(self.writer.build_directory, os.path.basename(notebook_filename))
        self.log.info("Autograding %s", notebook_filename)
        self._sanitizing = False
        self._init_preprocessors()
        try:
            super(Autograde, self).convert_single_notebook(notebook_filename)
        finally:
            self._sanitizing = True


class _EngineCache:
    """One SQLAlchemy engine per database URL for nbgrader's gradebooks, while in use."""

    def __init__(self):
        self.lock = threading.Lock()
        self.users = 0
        self.engines: dict = {}
        self.upstream = None  # nbgrader.api.create_engine, while swapped

    def create_engine(self, url, **kwargs):
        key = (str(url), tuple(sorted(kwargs.items())))
        with self.lock:
            if key not in self.engines:
                engine = self.upstream(url, **kwargs)
                if engine.dialect.name == "sqlite":
                    sqlalchemy.event.listen(engine, "connect", _write_ahead)
                # Gradebook.close disposes of its engine: the shared one keeps its connections until the run ends
                engine.dispose = _keep_connections
                self.engines[key] = engine
            return self.engines[key]

    def enter(self) -> None:
        with self.lock:
            if self.users == 0:
                self.upstream = nbgrader.api.create_engine
                nbgrader.api.create_engine = self.create_engine
            self.users += 1

    def exit(self) -> None:
        with self.lock:
            self.users -= 1
            if self.users > 0:
                return
            nbgrader.api.create_engine = self.upstream
            engines, self.engines = list(self.engines.values()), {}
        for engine in engines:
            if engine.dialect.name == "sqlite":
                _back_to_rollback_journal(engine)
            del engine.dispose  # the engine's own again
            engine.dispose()


def _keep_connections(close: bool = True) -> None:
    """``Engine.dispose`` while the engine is shared: nothing (nbgrader disposes of it at every ``close``)."""


def _write_ahead(connection, _record) -> None:
    # SQLite's write-ahead log, committing without waiting for the disk (synchronous=NORMAL):
    # always consistent, even after a crash of the machine, which can only undo the last
    # commits (the resume journal then grades those learners again); the log is written to
    # the database, and synced, at each checkpoint (every 1,000 pages and at the end of a run)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")


def _back_to_rollback_journal(engine) -> None:
    """Write the log into the gradebook and leave it one file, as nbgrader made it (unless someone,
    e.g. the formgrader, has it open: it then stays in WAL mode, which every SQLite reader handles)."""
    with contextlib.suppress(sqlalchemy.exc.OperationalError), engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        connection.exec_driver_sql("PRAGMA journal_mode=DELETE")


_ENGINES = _EngineCache()


@contextlib.contextmanager
def shared_gradebook_engines() -> Iterator[None]:
    """Within this block, nbgrader gradebooks opened on one database share an engine (see above).

    Safe to nest and to enter from several threads; on leaving the last
    block, nbgrader's own ``create_engine`` is back and the shared engines are disposed of.
    """
    _ENGINES.enter()
    try:
        yield
    finally:
        _ENGINES.exit()


@functools.cache
def _compiled_schema(schema: str):
    # what jsonschema.validate builds for a schema, built once: the schema is
    # nbgrader's own file, checked against its meta-schema here, not per cell
    loaded = json.loads(schema)
    cls = jsonschema.validators.validator_for(loaded)
    cls.check_schema(loaded)
    return cls(loaded)


class _SchemaCheckedOnce(BaseMetadataValidator):
    def validate_cell(self, cell) -> None:
        # BaseMetadataValidator.validate_cell, with jsonschema.validate's
        # check_schema done once per schema (_compiled_schema)
        if "nbgrader" not in cell.metadata:
            return
        schema = cell.metadata["nbgrader"].get("schema_version", 0)
        if schema < self.schema_version:
            raise SchemaTooOldError(
                f"Outdated schema version: {schema} (expected {self.schema_version})", schema, self.schema_version
            )
        elif schema > self.schema_version:
            raise SchemaTooNewError(
                f"Schema version is too new: {schema} (expected {self.schema_version})", schema, self.schema_version
            )
        validator = _compiled_schema(json.dumps(self.schema, sort_keys=True))
        error = jsonschema.exceptions.best_match(validator.iter_errors(cell.metadata["nbgrader"]))
        if error is not None:
            raise error


class _MetadataValidatorOnce(MetadataValidator, _SchemaCheckedOnce):
    """nbgrader's ``MetadataValidator``; its ``super().validate_cell`` is :class:`_SchemaCheckedOnce`'s."""


class CheckCellMetadataOnce(CheckCellMetadata):
    """nbgrader's ``CheckCellMetadata``, checking nbgrader's metadata schema once, not once per cell."""

    def preprocess(self, nb, resources):
        # CheckCellMetadata.preprocess, with _MetadataValidatorOnce
        try:
            _MetadataValidatorOnce().validate_nb(nb)
        except ValidationError:
            self.log.error(traceback.format_exc())
            msg = "Notebook failed to validate; the nbgrader metadata may be corrupted."
            self.log.error(msg)
            raise ValidationError(msg)  # noqa: B904 (as nbgrader raises it)
        return nb, resources


def autograde_learner(
    make_converter: Callable[[CourseDirectory], Autograde], config: Config, assignment: str, learner: str
) -> dict:
    """Autograde one learner: nbgrader's ``{"success", "log", "error"}`` result.

    ``NbGraderAPI.autograde``, with a ``CourseDirectory`` of the converter's own
    (the API's is shared by every learner being graded). ``make_converter`` builds
    the converter on it.
    """
    coursedir = CourseDirectory(config=config)
    coursedir.assignment_id = assignment
    coursedir.student_id = learner
    converter = make_converter(coursedir)
    converter.force = True
    converter.create_student = True
    return capture_log(converter)
