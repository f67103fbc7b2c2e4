"""What an uploaded file really is, judged by its first bytes (magic numbers), never by its name or the browser."""

from __future__ import annotations

import codecs

# Enough for every signature below, including an EBML header's DocType.
HEAD_SIZE = 4096

VIDEO_TYPES = frozenset({"video/mp4", "video/quicktime", "video/webm", "video/x-matroska", "video/x-msvideo"})
FILE_TYPES = frozenset({
    "image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf", "text/plain", "application/zip",
})
TEXT_SUFFIXES = (".txt", ".log")

# ISO-BMFF brands that are stills or audio, not video: an AVIF or HEIC photo must not pass as a video.
_NON_VIDEO_BRANDS = {b"avif", b"avis", b"heic", b"heix", b"heim", b"heis", b"mif1", b"msf1", b"M4A ", b"M4B ", b"M4P "}
# A QuickTime movie from before the ftyp box existed starts straight with one of these atoms.
_LEGACY_QT_ATOMS = {b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"}


def sniff(head: bytes) -> str | None:
    """The content type the bytes announce, or None when no known binary signature matches."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return "video/x-msvideo"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return "application/zip"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return _matroska_kind(head)
    return _iso_bmff_kind(head)


def _matroska_kind(head: bytes) -> str | None:
    # The EBML header carries DocType (element id 0x4282) as a short string: "webm" or "matroska".
    at = head.find(b"\x42\x82", 4, 128)
    if at < 0 or at + 3 > len(head):
        return None
    size_byte = head[at + 2]
    if not size_byte & 0x80:  # only the one-byte size form is used for a DocType in practice
        return None
    doctype = head[at + 3 : at + 3 + (size_byte & 0x7F)]
    return {b"webm": "video/webm", b"matroska": "video/x-matroska"}.get(doctype)


def _iso_bmff_kind(head: bytes) -> str | None:
    if len(head) < 12:
        return None
    box_size = int.from_bytes(head[:4], "big")
    box_type = head[4:8]
    if box_type == b"ftyp":
        if box_size < 16:
            return None
        brand = head[8:12]
        if brand == b"qt  ":
            return "video/quicktime"
        if brand in _NON_VIDEO_BRANDS or not brand.strip(b" ").isalnum():
            return None
        return "video/mp4"
    # Size 0 means "to end of file", 1 means a 64-bit size follows; both are legal for mdat.
    if box_type in _LEGACY_QT_ATOMS and (box_size >= 8 or box_size in (0, 1)):
        return "video/quicktime"
    return None


class TextCheck:
    """Fed a file chunk by chunk, tells whether the whole of it is UTF-8 text (a log), with no NUL bytes."""

    def __init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")()
        self.ok = True

    def feed(self, chunk: bytes) -> None:
        if not self.ok:
            return
        if b"\x00" in chunk:
            self.ok = False
            return
        try:
            self._decoder.decode(chunk)
        except UnicodeDecodeError:
            self.ok = False

    def finish(self) -> bool:
        if self.ok:
            try:
                self._decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                self.ok = False
        return self.ok


def identify(head: bytes, display_name: str, is_text: bool) -> str | None:
    """The file's type: its binary signature, else text/plain for a .txt/.log that is valid UTF-8 throughout."""
    kind = sniff(head)
    if kind:
        return kind
    if is_text and display_name.lower().endswith(TEXT_SUFFIXES):
        return "text/plain"
    return None
