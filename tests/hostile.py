"""Hostile inputs made on the spot (never stored): PDFs with bombs, alias bombs, deep nesting."""

from __future__ import annotations

import zlib


def make_pdf(content: bytes, pages: int = 1, compress: bool = True) -> bytes:
    """A minimal PDF whose every page draws the same content stream (FlateDecode when ``compress``)."""
    stream = zlib.compress(content, 9) if compress else content
    filters = b"/Filter /FlateDecode " if compress else b""
    kids = b" ".join(b"%d 0 R" % (5 + i) for i in range(pages))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % pages,
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< " + filters + b"/Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    objects += [b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
                b"/Resources << /Font << /F1 3 0 R >> >> >>"] * pages
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def text_page(text: str) -> bytes:
    """A content stream that writes ``text`` line by line."""
    lines = [b"BT /F1 10 Tf 72 720 Td 12 TL"]
    lines += [b"(" + line.encode("latin-1", "replace").replace(b"(", b"[").replace(b")", b"]") + b") '"
              for line in text.splitlines()]
    return b"\n".join(lines + [b"ET"])


def expanding_pdf(megabytes: int = 64) -> bytes:
    """A PDF of about 100 KB whose content stream expands to ``megabytes`` MB of drawing operators."""
    return make_pdf(b"0 0 m 1 1 l S\n" * (megabytes * 2**20 // 14))


def billion_laughs(levels: int = 9) -> str:
    text = 'a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    for level in range(1, levels):
        text += f"a{level}: &a{level} [" + ",".join([f"*a{level - 1}"] * 9) + "]\n"
    return text
