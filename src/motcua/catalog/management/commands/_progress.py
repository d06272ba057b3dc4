"""A progress line on stderr for long catalogue commands: only on a terminal or for big files."""

from __future__ import annotations

from typing import TextIO

BIG = 200


class ProgressLine:
    def __init__(self, stream: TextIO, verb: str, *, big: int | None = None):
        self.stream = stream
        self.big = BIG if big is None else big
        self.verb = verb
        self.tty = bool(getattr(stream, "isatty", lambda: False)())
        self.shown = False

    def __call__(self, done: int, total: int) -> None:
        if not (self.tty or total > self.big or (total == 0 and done > self.big)):
            return
        of = f"/{total} ({done * 100 // total}%)" if total else ""
        text = f"{self.verb} {done}{of} thủ tục"
        if self.tty:
            # Redraw one line in place on a terminal; plain lines in logs.
            self.stream.write(f"\r{text}")
            self.shown = True
        else:
            self.stream.write(text + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self.shown:
            self.stream.write("\n")
            self.shown = False
