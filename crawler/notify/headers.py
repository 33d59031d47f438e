"""How alert headers are folded: never with an empty first line.

The email package's default folder moves an unstructured value that does not fit after "Subject: " but fits
on a line of its own onto that line, leaving "Subject:" alone on the first one (a value of 70 to 77
characters, e.g. "[newswatch] BBC News: Kazakhstan: 'Like something from an apocalypse film'"). Unfolded,
that is "Subject:" + CRLF + " [newswatch] ...", and clients show the title with a leading space.

`ALERT_POLICY` folds unstructured headers (Subject, In-Reply-To, References, the X- headers) itself: ASCII
text breaks at spaces, the first word always on the header's own line, lines up to 78 characters; text with
other characters becomes RFC 2047 encoded words (UTF-8, base64) of at most 75 characters, split between
characters, each line within 78. Structured headers (addresses, dates, Message-ID, MIME) keep the email
package's folder.
"""

from __future__ import annotations

import base64
from email.headerregistry import UnstructuredHeader
from email.policy import EmailPolicy
from typing import Any

MAX_LINE = 78  # RFC 5322 2.1.1: SHOULD; 998 is the hard limit
MAX_ENCODED_WORD = 75  # RFC 2047 2
_EW_OVERHEAD = len("=?utf-8?b??=")


def fold_text(name: str, text: str, *, max_line: int = MAX_LINE, linesep: str = "\n",
              raw_utf8: bool = False) -> str:
    """`name: text` folded into lines of at most `max_line` characters, ending with `linesep`.

    The first line holds the header name and the first word (or encoded word); unfolding the result (removing
    each line break) gives back `name: text` exactly, or its RFC 2047 encoding. `raw_utf8` (an SMTPUTF8
    session) folds non-ASCII text as it is instead of encoding it.
    """
    text = " ".join(text.split())  # one line, single spaces: a fold never leaves a blank continuation
    if text.isascii() or raw_utf8:
        lines = _wrap(f"{name}:", text.split(" "), max_line)
        if max(len(line) for line in lines) <= 998 or raw_utf8:
            return linesep.join(lines) + linesep
    return linesep.join(_encoded_lines(name, text, max_line)) + linesep


def _wrap(head: str, words: list[str], max_line: int) -> list[str]:
    lines = [head]
    for position, word in enumerate(words):
        if position and len(lines[-1]) + 1 + len(word) > max_line:
            lines.append("")
        lines[-1] += " " + word
    return lines


def _encoded_lines(name: str, text: str, max_line: int) -> list[str]:
    """Encoded words holding `text`, split between characters; whitespace between them is not content."""
    lines = [f"{name}:"]
    chunk = ""
    for ch in text:
        room = min(MAX_ENCODED_WORD, max_line - len(lines[-1]) - 1)
        if chunk and _ew_length(chunk + ch) > room:
            lines[-1] += " " + _encoded_word(chunk)
            lines.append("")
            chunk = ""
        chunk += ch
    if chunk or len(lines) == 1:
        lines[-1] += " " + _encoded_word(chunk)
    return lines


def _ew_length(chunk: str) -> int:
    return _EW_OVERHEAD + 4 * -(-len(chunk.encode("utf-8")) // 3)


def _encoded_word(chunk: str) -> str:
    return f"=?utf-8?b?{base64.b64encode(chunk.encode('utf-8')).decode('ascii')}?="


class AlertPolicy(EmailPolicy):
    """The default policy, with unstructured headers folded by `fold_text`."""

    def fold(self, name: str, value: Any) -> str:
        if isinstance(value, UnstructuredHeader):
            return fold_text(name, str(value), max_line=self.max_line_length or 998, linesep=self.linesep,
                             raw_utf8=self.utf8)
        return super().fold(name, value)

    def fold_binary(self, name: str, value: Any) -> bytes:
        if isinstance(value, UnstructuredHeader):
            return self.fold(name, value).encode("utf-8" if self.utf8 else "ascii")
        return super().fold_binary(name, value)


ALERT_POLICY = AlertPolicy()
