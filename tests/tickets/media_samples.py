"""Small but structurally real media files built byte by byte (no ffmpeg needed), for upload tests."""

from __future__ import annotations


def _box(kind: bytes, payload: bytes) -> bytes:
    return (8 + len(payload)).to_bytes(4, "big") + kind + payload


def mp4(payload_size: int = 4096, brand: bytes = b"isom") -> bytes:
    """An ISO-BMFF file: an ftyp box (major brand, minor version, compatible brands) and an mdat box."""
    ftyp = _box(b"ftyp", brand + (0x200).to_bytes(4, "big") + b"isomiso2avc1mp41")
    payload = bytes(i % 251 for i in range(payload_size))  # varied bytes, so a wrong range slice shows
    return ftyp + _box(b"free", b"") + _box(b"mdat", payload)


def mov(payload_size: int = 1024) -> bytes:
    return mp4(payload_size, brand=b"qt  ")


def _ebml_element(element_id: bytes, payload: bytes) -> bytes:
    assert len(payload) < 127
    return element_id + bytes([0x80 | len(payload)]) + payload


def matroska(doctype: bytes = b"webm", payload_size: int = 1024) -> bytes:
    """An EBML header (version, read version, max id/size lengths, DocType) followed by a Segment."""
    header = b"".join([
        _ebml_element(b"\x42\x86", b"\x01"),
        _ebml_element(b"\x42\xf7", b"\x01"),
        _ebml_element(b"\x42\xf2", b"\x04"),
        _ebml_element(b"\x42\xf3", b"\x08"),
        _ebml_element(b"\x42\x82", doctype),
        _ebml_element(b"\x42\x87", b"\x04"),
        _ebml_element(b"\x42\x85", b"\x02"),
    ])
    segment = b"\x18\x53\x80\x67" + b"\x01\xff\xff\xff\xff\xff\xff\xff" + bytes(payload_size)  # unknown size
    return _ebml_element(b"\x1a\x45\xdf\xa3", header) + segment


def avi(payload_size: int = 1024) -> bytes:
    body = b"AVI " + b"LIST" + (4 + payload_size).to_bytes(4, "little") + b"hdrl" + bytes(payload_size)
    return b"RIFF" + len(body).to_bytes(4, "little") + body


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\x0dIHDR" + b"\x00\x00\x00\x01" * 2 + b"\x08\x06\x00\x00\x00" + b"\x1f" * 4
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\xff\xd9"
GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00;"
WEBP = b"RIFF" + (20).to_bytes(4, "little") + b"WEBPVP8L" + (8).to_bytes(4, "little") + bytes(8)
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
ZIP = b"PK\x05\x06" + bytes(18)  # an empty archive: just the end-of-central-directory record
AVIF = _box(b"ftyp", b"avif" + bytes(4) + b"avifmif1miaf") + _box(b"mdat", bytes(64))
