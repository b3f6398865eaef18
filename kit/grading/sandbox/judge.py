"""The judge: where a notebook's test cells run, apart from the learner's code.

nbgrader runs a test cell in the learner's own kernel, so the learner's code
can change how it is judged (an input transformer that drops ``assert``, a
custom exception handler, an ``int`` whose ``__eq__`` is always true, a
rewritten ``builtins.abs``, forged frames on the result pipe). Here the
learner's process never sees a test cell. For each one the grader asks the
learner's process for the values of the names the test reads
(:func:`names_read`), as data (:mod:`kit.grading.sandbox.values`), and hands
them with the test's source to the judge: a process forked from the same warm
server and isolated like the learner's (its own user, namespaces and empty
working folder), in which no learner code ever runs. It binds the values into
its IPython namespace, runs the test cell there, and reports the outputs on
its own result pipe — which become the test cell's outputs, scored by nbgrader.

One judge per notebook runs all its test cells in order (what a test cell
defines stays for the next ones, as in nbgrader).
"""

from __future__ import annotations

import ast
import builtins
import importlib
import importlib.util
import os
import sys
import sysconfig

from kit.grading.sandbox.exit_codes import ExitCode
from kit.grading.sandbox.job import Job
from kit.grading.sandbox.values import Unavailable, decode_value, module_name

_BUILTINS = frozenset(dir(builtins))


def names_read(source: str) -> list[str]:
    """The names a test cell reads from the notebook's namespace.

    Names loaded and not bound anywhere in the cell (assignments, imports,
    definitions, loop targets…), minus builtins, plus every identifier-shaped
    string constant (``"n_contacts" in dir()``). A cell that does not parse
    reads nothing (it fails with its own ``SyntaxError`` in the judge).
    """
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return []
    loaded, bound, strings = set(), set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (loaded if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, ast.alias):
            bound.add((node.asname or node.name).split(".")[0])
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.isidentifier():
            strings.add(node.value)
    return sorted(((loaded - bound) | strings) - _BUILTINS)


def _allowed_roots() -> list[str]:
    paths = sysconfig.get_paths()
    roots = {paths[key] for key in ("stdlib", "platstdlib", "purelib", "platlib") if key in paths}
    kit = sys.modules.get("kit")
    if kit is not None and getattr(kit, "__file__", None):
        roots.add(os.path.dirname(os.path.abspath(kit.__file__)))
    return [os.path.realpath(root) for root in roots]


def _import(name: str):
    """The module ``name``, imported from the standard library or site-packages only."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name.split(".")[0])
    origin = getattr(spec, "origin", None) if spec is not None else None
    if origin in ("built-in", "frozen"):
        return importlib.import_module(name)
    if not origin or not any(os.path.realpath(origin).startswith(root + os.sep) for root in _allowed_roots()):
        raise ImportError(f"{name} is not an installed module")
    return importlib.import_module(name)


def _bind(namespace: dict, names: list, values: dict, from_tests: set) -> None:
    """Bind the learner's values of ``names``; forget names the learner no longer has."""
    for name in names:
        if not isinstance(name, str):
            continue
        if name not in values:
            if name not in from_tests:
                namespace.pop(name, None)
            continue
        data = values[name]
        module = module_name(data)
        if module is not None:
            try:
                namespace[name] = _import(module)
            except Exception:
                namespace[name] = Unavailable(f"module {module}")
        else:
            namespace[name] = decode_value(data)
        from_tests.discard(name)


def run_judge(job: Job, fd: int) -> None:
    """Run the test cells the grader sends, with the values it sends. Never returns."""
    from kit.grading.sandbox.shell import run_cell, start_shell, take_commands

    commands = take_commands()
    sys.path[:] = [p for p in sys.path if p and os.path.abspath(p) != os.getcwd()]  # no learner folder
    pipe, recorder, shell = start_shell(job, fd)
    sys.path[:] = [p for p in sys.path if p]
    pipe.send({"t": "ready"})
    seconds = float(job.limits.cell_seconds)
    from_tests: set[str] = set()  # names the test cells themselves defined
    while True:
        command = commands.next()
        if not isinstance(command, dict) or command.get("t") != "test":
            os._exit(ExitCode.OK)
        namespace = shell.user_ns
        try:
            _bind(namespace, list(command.get("names", [])), dict(command.get("values", {})), from_tests)
            source = str(command["source"])
        except (ValueError, TypeError, KeyError, RecursionError) as exc:
            # values the grader cannot rebuild: the test fails, with the reason
            source = f"raise ValueError({'the notebook sent values the tests cannot read: ' + str(exc)[:200]!r})"
        before = {name: id(value) for name, value in namespace.items()}
        run_cell(pipe, recorder, shell, {**command, "source": source}, seconds)
        from_tests |= {name for name, value in namespace.items() if before.get(name) != id(value)}
