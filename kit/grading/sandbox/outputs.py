"""Cell outputs from the learner's messages, recorded as nbclient records them.

:class:`OutputRecorder` is nbclient's ``process_message``/``output``/
``clear_output``/``_update_display_id`` for the messages the sandbox's shell
sends, plus one thing nbclient does not do by default: consecutive writes to
the same stream of a cell become one output (what ipykernel's buffering gives
almost always, now independent of timing).

Messages come from an untrusted process: each output is rebuilt field by field
and validated; anything malformed raises :class:`BadMessage`.
"""

from __future__ import annotations

from nbformat import NotebookNode, ValidationError
from nbformat.v4 import new_output

DEAD_KERNEL = "DeadKernelError"
OUTPUT_LIMIT = "OutputLimitError"  # the sandbox's own: a cell past the notebook's output limit
NOTEBOOK_TIMEOUT = "NotebookTimeoutError"
# nbgrader's Execute.error_on_timeout, added to a cell that ran too long
CELL_TIMEOUT_ERROR = {
    "ename": "CellTimeoutError",
    "evalue": "",
    "traceback": ["\x1b[0;31mCellTimeoutError\x1b[0m: No reply from kernel before timeout"],
}
ERROR_MAX_BYTES = 64 * 1024  # one error output (a traceback) at most


class BadMessage(ValueError):
    """A message the grader cannot turn into an output."""


def error_output(ename: str, evalue: str, traceback: list[str] | None = None) -> NotebookNode:
    """An ``error`` output as nbgrader writes its own (red name, colon, message)."""
    return new_output(
        "error",
        ename=ename,
        evalue=evalue,
        traceback=traceback if traceback is not None else [f"\x1b[0;31m{ename}\x1b[0m: {evalue}"],
    )


def _str(value, what: str) -> str:
    if not isinstance(value, str):
        raise BadMessage(f"{what} is not text")
    return value


def _dict(value, what: str) -> dict:
    if not isinstance(value, dict):
        raise BadMessage(f"{what} is not a mapping")
    return value


def _output(msg_type: str, content: dict) -> NotebookNode:
    try:
        if msg_type == "stream":
            name = content.get("name")
            if name not in ("stdout", "stderr"):
                raise BadMessage(f"unknown stream {name!r}")
            return new_output("stream", name=name, text=_str(content.get("text"), "stream text"))
        if msg_type == "error":
            traceback = content.get("traceback")
            if not isinstance(traceback, list):
                raise BadMessage("traceback is not a list")
            return new_output(
                "error",
                ename=_str(content.get("ename"), "ename"),
                evalue=_str(content.get("evalue"), "evalue"),
                traceback=[_str(line, "traceback line") for line in traceback],
            )
        data = _dict(content.get("data"), "data")
        metadata = _dict(content.get("metadata") or {}, "metadata")
        if msg_type == "display_data":
            return new_output("display_data", data=data, metadata=metadata)
        count = content.get("execution_count")
        if count is not None and not isinstance(count, int):
            raise BadMessage("execution_count is not a number")
        return new_output("execute_result", data=data, metadata=metadata, execution_count=count)
    except ValidationError as exc:
        raise BadMessage(f"invalid {msg_type} output ({exc.message})") from None


class OutputRecorder:
    """Records one notebook's outputs into its cells (the notebook is changed in place)."""

    def __init__(self, nb: NotebookNode):
        self.nb = nb
        self.cell: int | None = None
        self._clear_before_next = False
        self._display_ids: dict[str, dict[int, list[int]]] = {}

    def start(self, index: int, execution_count: int) -> None:
        cell = self.nb.cells[index]
        cell.outputs = []
        cell.execution_count = execution_count
        self.cell = index
        self._clear_before_next = False

    def end(self) -> None:
        self.cell = None

    def add(self, msg_type, content) -> None:
        """One message of the running cell (messages between cells are dropped, as nbclient does)."""
        if not isinstance(msg_type, str):
            raise BadMessage("message type is not text")
        content = _dict(content, "content")
        if self.cell is None:
            return
        outputs = self.nb.cells[self.cell].outputs
        transient = content.get("transient")
        display_id = transient.get("display_id") if isinstance(transient, dict) else None
        if display_id is not None and not isinstance(display_id, str):
            raise BadMessage("display_id is not text")
        if display_id and msg_type in ("execute_result", "display_data", "update_display_data"):
            self._update_display(display_id, content)
        if msg_type == "clear_output":
            if content.get("wait"):
                self._clear_before_next = True
            else:
                self._clear(outputs)
            return
        if msg_type not in ("stream", "display_data", "execute_result", "error"):
            return  # update_display_data (handled above), comms, status…: not outputs
        output = _output(msg_type, content)
        if self._clear_before_next:
            self._clear(outputs)
            self._clear_before_next = False
        if display_id:
            self._display_ids.setdefault(display_id, {}).setdefault(self.cell, []).append(len(outputs))
        last = outputs[-1] if outputs else None
        if msg_type == "stream" and last is not None and last.output_type == "stream" and last.name == output.name:
            last.text += output.text
        else:
            outputs.append(output)

    def _clear(self, outputs: list) -> None:
        outputs[:] = []
        for cells in self._display_ids.values():
            if self.cell in cells:
                cells[self.cell] = []

    def _update_display(self, display_id: str, content: dict) -> None:
        if display_id not in self._display_ids:
            return
        new = _output("display_data", content)
        for index, positions in self._display_ids[display_id].items():
            outputs = self.nb.cells[index].outputs
            for position in positions:
                if position < len(outputs):
                    outputs[position]["data"] = new["data"]
                    outputs[position]["metadata"] = new["metadata"]
