"""Reading an e-mail the way a recipient's client would: parse the bytes, take the parts, list HTML tags."""

from __future__ import annotations

from email import message_from_bytes, policy
from email.message import EmailMessage
from html.parser import HTMLParser


def reparse(message: EmailMessage) -> EmailMessage:
    """The message as a recipient parses it from the wire bytes."""
    parsed = message_from_bytes(message.as_bytes(), policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def parts(message: EmailMessage) -> tuple[str, str]:
    """(text, html) bodies of a multipart/alternative message."""
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and html is not None, "both a text and an HTML part are expected"
    return text.get_content(), html.get_content()


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def html_tags(html: str) -> list[tuple[str, dict[str, str | None]]]:
    """Every start tag in `html` with its attributes, as a browser-like tokenizer sees them."""
    parser = _Tags()
    parser.feed(html)
    parser.close()
    return parser.tags


def html_text(html: str) -> str:
    """The visible text of `html`, entities decoded."""
    parser = _Tags()
    parser.feed(html)
    parser.close()
    return "".join(parser.text)


def links(html: str) -> list[str]:
    return [attrs.get("href") or "" for tag, attrs in html_tags(html) if tag == "a"]
