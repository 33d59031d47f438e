"""crawler/extract/decoding.py: page bytes to text, whatever the page claims about its encoding."""

from __future__ import annotations

import codecs
import random

import pytest

from crawler.core.errors import InputError
from crawler.extract.decoding import declared_charset, decode_html, looks_binary

# Accents plus the characters windows-1252 puts in 0x80-0x9F, which latin-1 would turn into controls.
TEXT = "Le café était naïve — “quoted” and ‘single’ … costs €5; Kazakhstan’s protests."


def page(declaration: str = "", text: str = TEXT) -> str:
    return (f"<!doctype html><html><head>{declaration}<title>Test</title></head>"
            f"<body><article><p>{text}</p><p>{text}</p></article></body></html>")


def test_utf8_declared() -> None:
    assert TEXT in decode_html(page('<meta charset="utf-8">').encode("utf-8"))


def test_utf8_undeclared() -> None:
    assert TEXT in decode_html(page().encode("utf-8"))


@pytest.mark.parametrize("label", ["windows-1252", "iso-8859-1", "latin1", "ISO-8859-1", "us-ascii"])
def test_latin1_labels_are_read_as_windows_1252(label: str) -> None:
    data = page(f'<meta http-equiv="Content-Type" content="text/html; charset={label}">').encode("cp1252")
    assert TEXT in decode_html(data)


def test_windows_1252_without_declaration() -> None:
    assert TEXT in decode_html(page().encode("cp1252"))


def test_windows_1252_declared_as_utf8() -> None:
    # A wrong declaration is checked, not believed.
    assert TEXT in decode_html(page('<meta charset="utf-8">').encode("cp1252"))


def test_short_windows_1252_text() -> None:
    assert decode_html("café naïve".encode("cp1252")) == "café naïve"


def test_header_charset_is_used() -> None:
    data = page().encode("cp1252")
    assert TEXT in decode_html(data, header_charset="ISO-8859-1")


def test_header_charset_unknown_label_falls_back() -> None:
    assert TEXT in decode_html(page().encode("utf-8"), header_charset="x-no-such-charset")


@pytest.mark.parametrize(("bom", "codec"), [(codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
                                            (codecs.BOM_UTF16_BE, "utf-16-be")])
def test_byte_order_marks(bom: bytes, codec: str) -> None:
    text = decode_html(bom + page().encode(codec))
    assert TEXT in text
    assert not text.startswith("\ufeff")


def test_cyrillic_legacy_encoding_is_detected() -> None:
    text = "Протесты в Казахстане начались в городе Жанаозен после резкого роста цен на сжиженный газ."
    decoded = decode_html(page(text=text).encode("cp1251"))
    assert text in decoded


@pytest.mark.parametrize("data", [b"", b"   \n\t  "])
def test_empty_input(data: bytes) -> None:
    with pytest.raises(InputError, match="empty"):
        decode_html(data)


def test_binary_input() -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10" + bytes(range(256)) * 4
    assert looks_binary(png)
    with pytest.raises(InputError, match="binary"):
        decode_html(png)


def test_undecodable_bytes() -> None:
    rng = random.Random(1)
    junk = bytes(rng.randrange(0x80, 0x100) for _ in range(3000))
    assert not looks_binary(junk)
    with pytest.raises(InputError, match="undecodable"):
        decode_html(junk)


def test_declared_charset() -> None:
    assert declared_charset(b'<meta charset="UTF-8">') == "utf-8"
    assert declared_charset(b'<meta charset=iso-8859-1>') == "cp1252"
    assert declared_charset(b'<?xml version="1.0" encoding="windows-1252"?><rss/>') == "cp1252"
    assert declared_charset(b"<p>none</p>") is None
    assert declared_charset(b'<meta charset="bogus">') is None
    assert declared_charset(b"", header_charset="utf-8") == "utf-8"


def test_text_is_not_binary() -> None:
    assert not looks_binary(page().encode("utf-8"))
    assert not looks_binary(b"")
