"""The sandbox: hostile notebooks stay contained, ordinary ones come out as nbgrader's would."""

from __future__ import annotations

import os
import socket
import threading
import time
from pathlib import Path

import nbformat
import pytest
from helpers import REPO, exercise_source
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
from nbgrader.preprocessors import Execute
from nbgrader.utils import determine_grade, is_grade

from kit.grading.sandbox import Limits, Sandbox, SandboxError

pytestmark = pytest.mark.grading

LIMITS = Limits(cell_seconds=3, notebook_seconds=20, memory_mb=2048, output_bytes=200_000)
WORKERS = 2
GRADEBOOK_TEXT = "the gradebook: every learner's scores"


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    """A fake course folder with a gradebook, and a hidden file outside it."""
    root = tmp_path_factory.mktemp("course")
    (root / "grader").mkdir()
    (root / "grader" / "gradebook.db").write_text(GRADEBOOK_TEXT)
    (root / "secret.txt").write_text("hidden file")
    return root


@pytest.fixture(scope="module")
def sandbox(course):
    """The notebooks' kit uses a project in the (masked) /tmp whose datasets/ is a symlink."""
    project = course / "project"
    project.mkdir()
    for folder in ("datasets", "modules"):
        (project / folder).symlink_to(REPO / folder)
    hide = [REPO / "grader", REPO / "exercises", course / "grader", course / "secret.txt"]
    env = {"PATH": os.environ.get("PATH", os.defpath), "KIT_HOME": str(project)}
    with Sandbox(workers=WORKERS, limits=LIMITS, hide=hide, env=env) as sandbox:
        yield sandbox


def notebook(*sources: str):
    return new_notebook(cells=[new_code_cell(source) for source in sources])


def outputs(execution, index: int) -> list:
    return execution.notebook.cells[index].outputs


def kinds(execution, index: int) -> list[str]:
    """``stream:stdout``, ``error:ZeroDivisionError``, ``execute_result``… of one cell."""
    return [
        f"{o.output_type}:{o.get('name') or o.get('ename')}" if o.output_type in ("stream", "error") else o.output_type
        for o in outputs(execution, index)
    ]


def text(execution, index: int) -> str:
    return "".join(o.get("text", "") for o in outputs(execution, index) if o.output_type == "stream")


def sandbox_processes(sandbox) -> list[int]:
    """Pids of processes running as one of the sandbox's users."""
    assert sandbox.users, "the tests run as root: each worker has its own user"
    found = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                status = Path(f"/proc/{name}/status").read_text()
            except OSError:
                continue
            uid = int(next(line for line in status.splitlines() if line.startswith("Uid:")).split()[1])
            if uid in sandbox.users:
                found.append(int(name))
    return found


def assert_fine_afterwards(sandbox, files) -> None:
    """Another notebook runs normally after a hostile one."""
    run = sandbox.execute(notebook("print(21 * 2)"), files)
    assert run.status == "ok" and text(run, 0) == "42\n"


# --------------------------------------------------------------------------- #
# the machine


def test_every_protection_is_on_here(sandbox):
    assert sandbox.protections.missing() == []
    assert all(vars(sandbox.protections).values())


def test_a_notebook_starts_fast_in_a_private_folder_with_the_kit_and_its_data(sandbox, files, course):
    called = time.time()
    run = sandbox.execute(
        notebook(
            "import time\nprint(repr(time.time()))",
            "import os, kit\nprint(os.getcwd(), sorted(os.listdir('.')), os.getuid() >= 61000)\n"
            "print(os.environ['HOME'], os.environ['NBGRADER_EXECUTION'], __name__)",
            "print(kit.paths.datasets_dir())\nkit.load_dataset('contacts').shape",
        ),
        files,
    )
    assert run.status == "ok", run.message
    assert float(text(run, 0)) - called < 1.0, "the first cell should run well under 1 s after the call"
    assert text(run, 1) == "/tmp/work ['data.csv'] True\n/tmp/work autograde __main__\n"
    assert text(run, 2) == f"{course / 'project' / 'datasets'}\n"  # KIT_HOME's, in the masked /tmp
    assert outputs(run, 2)[1].data["text/plain"] == "(640, 11)"
    assert (files / "data.csv").read_text() == "a,b\n1,2\n"


# --------------------------------------------------------------------------- #
# what a notebook must not reach


def test_solutions_hidden_tests_and_the_gradebook_cannot_be_read(sandbox, files, course):
    (files / "link-to-gradebook").symlink_to(course / "grader" / "gradebook.db")
    os.mkfifo(files / "a-fifo")  # not copied (reading it would block the grader)
    exercise = exercise_source("03-issue-campaigns")
    run = sandbox.execute(
        notebook(
            f"open({str(exercise)!r}).read()",
            f"open({str(REPO / 'grader' / 'gradebook.db')!r}, 'rb').read()",
            f"open({str(course / 'grader' / 'gradebook.db')!r}).read()",
            "open('link-to-gradebook').read()",
            f"open({str(course / 'secret.txt')!r}).read()",
            f"import os\nos.listdir({str(course / 'grader')!r})",
            f"os.listdir({str(REPO / 'exercises')!r}), os.listdir({str(REPO / 'grader')!r})",
            "import fractions, sqlite3  # the standard library, from under the masked /root\nsorted(os.listdir('.'))",
        ),
        files,
    )
    assert run.status == "ok", run.message
    for index in range(6):
        assert kinds(run, index) in (["error:FileNotFoundError"], ["error:PermissionError"]), index
    assert kinds(run, 6) == ["error:FileNotFoundError"]  # the checkout is not in the notebook's / (but kit/…)
    assert outputs(run, 7)[0].data["text/plain"] == "['data.csv', 'link-to-gradebook']"


def test_the_gradebook_and_another_executions_folder_cannot_be_written(sandbox, files, course, tmp_path):
    other_files = tmp_path / "other"
    other_files.mkdir()
    (other_files / "victim-marker.txt").write_text("given")
    results = {}

    def victim():
        results["victim"] = sandbox.execute(
            notebook(
                "open('mine.txt', 'w').write('my work')\nimport time\ntime.sleep(2.5)",
                "import os\nprint(sorted(os.listdir('.')), open('mine.txt').read(), open('victim-marker.txt').read())",
            ),
            other_files,
        )

    thread = threading.Thread(target=victim)
    thread.start()
    deadline = time.monotonic() + 5
    while not list(sandbox._base.glob("run-*/work/victim-marker.txt")) and time.monotonic() < deadline:
        time.sleep(0.05)
    (staged,) = [p.parent for p in sandbox._base.glob("run-*/work/victim-marker.txt")]  # where the grader staged it
    gradebook = course / "grader" / "gradebook.db"
    attacker = sandbox.execute(
        notebook(
            f"open({str(gradebook)!r}, 'w').write('all 100')",
            f"open({str(staged / 'victim-marker.txt')!r}, 'w').write('overwritten')",
            f"open({str(staged / 'pwned.txt')!r}, 'w').write('x')",
            f"import os\nos.listdir({str(staged)!r})",
            f"open({str(REPO / 'kit' / '__init__.py')!r}, 'a').write('# pwned')",
            "print('still running')",
        ),
        files,
    )
    thread.join()
    for index in range(5):
        assert kinds(attacker, index)[0].split(":")[1] in ("FileNotFoundError", "PermissionError", "OSError"), index
    assert text(attacker, 5) == "still running\n"
    assert gradebook.read_text() == GRADEBOOK_TEXT
    assert "pwned" not in (REPO / "kit" / "__init__.py").read_text()
    assert results["victim"].status == "ok"
    assert text(results["victim"], 1) == "['mine.txt', 'victim-marker.txt'] my work given\n"


def test_no_network_not_even_the_graders_localhost(sandbox, files):
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    server.setblocking(False)
    try:
        port = server.getsockname()[1]
        run = sandbox.execute(
            notebook(
                f"import socket\nsocket.create_connection(('127.0.0.1', {port}), timeout=2)",
                "import urllib.request\nurllib.request.urlopen('http://example.org', timeout=2)",
                "print('offline')",
            ),
            files,
        )
        with pytest.raises(BlockingIOError):
            server.accept()  # nobody connected
    finally:
        server.close()
    assert kinds(run, 0) == ["error:OSError"]
    assert kinds(run, 1) == ["error:URLError"]
    assert text(run, 2) == "offline\n"


# --------------------------------------------------------------------------- #
# what a notebook must not exhaust


def test_an_endless_loop_gets_nbgraders_cell_timeout_and_the_next_cell_runs(sandbox, files):
    run = sandbox.execute(notebook("print('looping')\nwhile True: pass", "print('next')"), files)
    assert run.status == "ok"
    assert kinds(run, 0) == ["stream:stdout", "error:KeyboardInterrupt", "error:CellTimeoutError"]
    assert dict(outputs(run, 0)[-1]) == {
        "output_type": "error",
        "ename": "CellTimeoutError",
        "evalue": "",
        "traceback": ["\x1b[0;31mCellTimeoutError\x1b[0m: No reply from kernel before timeout"],
    }
    assert text(run, 1) == "next\n"
    assert LIMITS.cell_seconds <= run.seconds < LIMITS.cell_seconds + 2


def test_a_cell_that_ignores_the_interrupt_is_killed(sandbox, files):
    run = sandbox.execute(
        notebook(
            "print('before')",
            "import time\nwhile True:\n    try:\n        time.sleep(10)\n    except BaseException:\n        pass",
            "print('never')",
        ),
        files,
    )
    assert run.status == "died"
    assert "cell 2 ran longer than 3 s" in run.message
    assert text(run, 0) == "before\n"
    assert kinds(run, 1) == ["error:CellTimeoutError", "error:DeadKernelError"]
    assert kinds(run, 2) == ["error:DeadKernelError"] and outputs(run, 2)[0].evalue == run.message
    assert run.notebook.cells[2].execution_count is None
    assert run.seconds < LIMITS.cell_seconds + 6
    assert_fine_afterwards(sandbox, files)


def test_unbounded_allocation_raises_memory_error(sandbox, files):
    run = sandbox.execute(
        notebook("x = bytearray(10**11)", "grow = []\nwhile True: grow.append(bytes(10**8))", "del grow\nprint('ok')"),
        files,
    )
    if run.status == "ok":
        assert kinds(run, 0) == ["error:MemoryError"]
        assert kinds(run, 1) == ["error:MemoryError"]
        assert text(run, 2) == "ok\n"
    else:  # the system ran out of memory before the limit: a clear death
        assert run.status == "died" and "memory" in run.message
    assert_fine_afterwards(sandbox, files)


def test_a_fork_bomb_is_contained_and_leaves_nothing_behind(sandbox, files):
    run = sandbox.execute(
        notebook(
            "import os, time\nfor i in range(3):\n    if os.fork() == 0:\n        os.setsid()\n"
            "        while True:\n            try:\n                os.fork()\n            except OSError:\n"
            "                time.sleep(0.01)\nwhile True: os.fork()",
            "print('after')",
        ),
        files,
    )
    assert run.status == "ok", run.message
    assert kinds(run, 0) == ["error:BlockingIOError"]  # RLIMIT_NPROC
    assert text(run, 1) == "after\n"
    assert sandbox_processes(sandbox) == []
    assert_fine_afterwards(sandbox, files)


def test_printing_gigabytes_is_cut_at_the_output_limit(sandbox, files):
    started = time.monotonic()
    run = sandbox.execute(notebook("while True: print('x' * 10**6)", "y = 2", "assert y == 2", "print('more')"), files)
    assert time.monotonic() - started < 10
    assert run.status == "ok"
    size = len(nbformat.writes(run.notebook))
    assert LIMITS.output_bytes < size < LIMITS.output_bytes + 20_000
    assert kinds(run, 0) == ["stream:stdout", "stream:stderr", "error:OutputLimitError"]
    assert "output truncated" in outputs(run, 0)[1].text
    assert kinds(run, 1) == [] and kinds(run, 2) == []  # silent cells (grade cells) are not touched
    assert kinds(run, 3) == ["error:OutputLimitError"]
    assert_fine_afterwards(sandbox, files)


def test_c_level_output_is_captured_and_capped(sandbox, files):
    run = sandbox.execute(
        notebook(
            "import os\nos.system('echo from-the-shell; echo to-stderr 1>&2')",
            "os.write(1, b'y' * 300_000)",
            "print('z')",
        ),
        files,
    )
    assert kinds(run, 0) == ["stream:stdout", "stream:stderr", "execute_result"]
    assert text(run, 0) == "from-the-shell\nto-stderr\n"
    assert kinds(run, 1)[-1] == "error:OutputLimitError"
    assert len(nbformat.writes(run.notebook)) < LIMITS.output_bytes + 20_000


def test_files_it_writes_are_capped_one_by_one_and_in_total(sandbox, files):
    run = sandbox.execute(
        notebook(
            "open('big.bin', 'wb').write(b'x' * (150 << 20))",  # past RLIMIT_FSIZE (100 MB)
            "for i in range(5):\n    open(f'part{i}.bin', 'wb').write(b'x' * (40 << 20))",  # past the private /tmp
            "import os\nos.remove('big.bin')\nprint('cleaned')",
        ),
        files,
    )
    assert run.status == "ok", run.message
    assert [o.evalue for o in outputs(run, 0)] == ["[Errno 27] File too large"]
    assert [o.evalue for o in outputs(run, 1)] == ["[Errno 28] No space left on device"]
    assert text(run, 2) == "cleaned\n"
    assert sorted(p.name for p in files.iterdir()) == ["data.csv"]  # the given folder is never written


def test_what_notebooks_need_cannot_be_hidden():
    with pytest.raises(SandboxError, match="which notebooks need"):
        Sandbox(workers=1, hide=[REPO])


# --------------------------------------------------------------------------- #
# a notebook that kills or ends its own process


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("os.kill(os.getpid(), 9)", "the notebook's process died in cell 2 (exit code -9: killed"),
        ("os._exit(3)", "the notebook's process ended in cell 2 (exit code 3)"),
        (
            "import ctypes\nctypes.string_at(0)",
            "the notebook's process died in cell 2 (exit code -11: crashed with a segmentation fault",
        ),
    ],
)
def test_a_dying_process_keeps_earlier_outputs_and_says_why(sandbox, files, code, message):
    run = sandbox.execute(
        new_notebook(
            cells=[
                new_code_cell("import os\nprint('first')"),
                new_code_cell(code),
                new_markdown_cell("text"),
                new_code_cell("print('third')"),
            ]
        ),
        files,
    )
    assert run.status == "died"
    assert run.message.startswith(message)
    assert text(run, 0) == "first\n" and run.notebook.cells[0].execution_count == 1
    assert kinds(run, 1) == ["error:DeadKernelError"] and run.notebook.cells[1].execution_count == 2
    assert run.notebook.cells[2].cell_type == "markdown" and "outputs" not in run.notebook.cells[2]
    assert kinds(run, 3) == ["error:DeadKernelError"] and outputs(run, 3)[0].evalue == run.message
    assert_fine_afterwards(sandbox, files)


def test_sys_exit_and_exit_behave_as_in_ipykernel(sandbox, files):
    run = sandbox.execute(notebook("import sys\nsys.exit(1)", "exit()", "print('still here')"), files)
    assert run.status == "ok"
    assert kinds(run, 0) == ["error:SystemExit", "stream:stderr"]  # IPython's "To exit: use 'exit'…" warning
    assert kinds(run, 1) == []
    assert text(run, 2) == "still here\n"


def test_the_notebook_budget_and_closing_the_sandbox(files):
    limits = Limits(cell_seconds=5, notebook_seconds=2, memory_mb=2048, output_bytes=10_000)
    with Sandbox(workers=1, limits=limits, preload=("kit.grading.sandbox.shell", "matplotlib.pyplot")) as small:
        started = time.monotonic()
        run = small.execute(notebook("print(1)", "import time\ntime.sleep(4)", "print(3)"), files)
        assert 2 <= time.monotonic() - started < 4
        assert run.status == "timeout"
        assert run.message == "stopped after 2 s, the notebook's time budget"
        assert text(run, 0) == "1\n"
        assert kinds(run, 1) == kinds(run, 2) == ["error:NotebookTimeoutError"]
        assert outputs(run, 2)[0].evalue == run.message
        results = {}
        thread = threading.Thread(
            target=lambda: results.setdefault("run", small.execute(notebook("import time\ntime.sleep(30)"), files))
        )
        thread.start()
        time.sleep(0.5)
    thread.join(10)
    assert results["run"].status == "died" and "sandbox was closed" in results["run"].message
    assert small._server._process.poll() is not None  # the warm server is gone too
    assert sandbox_processes(small) == []
    with pytest.raises(SandboxError):
        small.execute(notebook("1"), files)


# --------------------------------------------------------------------------- #
# the same outputs and scores as nbgrader's own Execute (nbclient + ipykernel)


def grade_cell(source: str, grade_id: str, points: float = 1):
    cell = new_code_cell(source)
    cell.metadata["nbgrader"] = {
        "grade": True,
        "grade_id": grade_id,
        "points": points,
        "solution": False,
        "locked": True,
        "schema_version": 3,
    }
    return cell


def graded_notebook():
    return new_notebook(
        cells=[
            new_code_cell("import sys, warnings\nimport pandas as pd\nimport matplotlib.pyplot as plt"),
            grade_cell("print('a')\nprint('b', file=sys.stderr)\nprint('c')", "test-print-both"),
            grade_cell("print('hello')", "test-print"),
            grade_cell("0.5", "test-partial", points=2),
            grade_cell("warnings.warn('careful')\n1 + 1", "test-warn"),
            grade_cell("pd.DataFrame({'a': [1, 2], 'b': [3.5, None]})", "test-frame"),
            grade_cell("plt.plot([1, 2, 3])\nplt.show()", "test-plot"),
            grade_cell("plt.plot([3, 1])", "test-figure-left-open"),
            grade_cell("assert 1 == 2, 'wrong'", "test-assert"),
            grade_cell("print('oops', file=sys.stderr)", "test-stderr"),
            new_code_cell(""),
            grade_cell("x = 1\nx", "test-value"),
            grade_cell("def f(:\n    pass", "test-syntax"),
        ]
    )


def shape(nb) -> list:
    return [
        (
            c.execution_count,
            [(o.output_type, o.get("name") or o.get("ename") or sorted(o.get("data", {}))) for o in c.outputs],
        )
        for c in nb.cells
        if c.cell_type == "code"
    ]


def grades(nb) -> dict:
    return {c.metadata.nbgrader["grade_id"]: determine_grade(c) for c in nb.cells if is_grade(c)}


def run_with_nbgrader(nb, folder: Path):
    nb = nbformat.from_dict(nb)
    execute = Execute(timeout=30, extra_arguments=["--IPKernelApp.log_level=ERROR"])  # as grader/nbgrader_config.py
    executed, _ = execute.preprocess(nb, {"metadata": {"path": str(folder)}})
    return executed


def test_outputs_and_scores_match_nbgraders_execute(sandbox, files):
    nb = graded_notebook()
    ours = sandbox.execute(nb, files)
    theirs = run_with_nbgrader(nb, files)
    assert ours.status == "ok"
    assert shape(ours.notebook) == shape(theirs)
    assert grades(ours.notebook) == grades(theirs)
    assert grades(ours.notebook)["test-partial"] == (0.5, 2.0)  # a number as the result: partial credit
    for mine, real in zip(ours.notebook.cells, theirs.cells):
        for a, b in zip(mine.get("outputs", []), real.get("outputs", [])):
            if a.output_type == "error" and a.ename != "SyntaxError":
                assert a.traceback[-1] == b.traceback[-1]
            if a.output_type == "stream" and "Warning" not in a.text:
                assert a.text == b.text


def test_an_exercise_solution_scores_full_marks_as_with_nbgrader(sandbox, tmp_path):
    source = nbformat.read(exercise_source("03-issue-campaigns"), as_version=4)
    folder = tmp_path / "exercise"
    folder.mkdir()
    ours = sandbox.execute(source, folder)
    assert ours.status == "ok", ours.message
    theirs = run_with_nbgrader(source, folder)
    assert grades(ours.notebook) == grades(theirs)
    assert all(score == points for score, points in grades(ours.notebook).values() if score is not None)
    assert [kind for _, kinds_ in shape(ours.notebook) for kind in kinds_] == [
        kind for _, kinds_ in shape(theirs) for kind in kinds_
    ]
