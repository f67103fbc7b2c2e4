"""Type sniffing from magic numbers: every accepted kind, and look-alikes that must not pass."""

from __future__ import annotations

import pytest

from tests.tickets import media_samples as samples
from tickets.sniffing import TextCheck, identify, sniff
from tickets.uploads import display_name


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (samples.mp4(), "video/mp4"),
        (samples.mov(), "video/quicktime"),
        (samples.matroska(b"webm"), "video/webm"),
        (samples.matroska(b"matroska"), "video/x-matroska"),
        (samples.avi(), "video/x-msvideo"),
        (samples.PNG, "image/png"),
        (samples.JPEG, "image/jpeg"),
        (samples.GIF, "image/gif"),
        (samples.WEBP, "image/webp"),
        (samples.PDF, "application/pdf"),
        (samples.ZIP, "application/zip"),
        (b"\x00\x00\x00\x10mdat" + bytes(8), "video/quicktime"),  # QuickTime without an ftyp box
    ],
)
def test_signatures_name_the_real_type(data, expected):
    assert sniff(data[:4096]) == expected


@pytest.mark.parametrize(
    "data",
    [
        b"<html><script>alert(1)</script></html>",
        b"",
        b"\x00\x00\x00\x08ftyp",  # an ftyp box too short to carry a brand
        samples.AVIF,  # a still image in an ISO-BMFF wrapper is not a video
        b"\x1a\x45\xdf\xa3\x84\x42\x82\x84html",  # EBML with an unknown DocType
        b"RIFF\x00\x00\x00\x00WAVEfmt ",  # audio, not an accepted kind
        b"GIF90a",
    ],
)
def test_look_alikes_are_not_recognised(data):
    assert sniff(data) is None


def test_text_needs_a_log_suffix_and_utf8_throughout():
    utf8 = "Ошибка: платёж не прошёл\n".encode()
    check = TextCheck()
    check.feed(utf8[:5])  # a multi-byte letter split across chunks is still valid
    check.feed(utf8[5:])
    assert check.finish()
    assert identify(utf8, "server.log", True) == "text/plain"
    assert identify(utf8, "notes.TXT", True) == "text/plain"
    assert identify(utf8, "page.html", True) is None
    assert identify(utf8, "clip.mp4", True) is None

    for bad in (b"\xff\xfe\x00a", b"ok\x00binary", b"half a letter \xd0"):
        check = TextCheck()
        check.feed(bad)
        assert not check.finish()


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\me\\Desktop\\server.log", "server.log"),
        ("bad\r\nX-Injected: 1\r\n.txt", "badX-Injected: 1.txt"),  # no header injection via the name
        ("..", "file"),
        ("", "file"),
        (None, "file"),
        ("Скриншот ошибки.png", "Скриншот ошибки.png"),
        ("x" * 300 + ".webm", "x" * 195 + ".webm"),
    ],
)
def test_display_names_are_safe_to_show_and_never_paths(raw, shown):
    assert display_name(raw) == shown
