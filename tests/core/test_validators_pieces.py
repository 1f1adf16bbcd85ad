"""The formats and sizes of a piece justificative (`cesp_core.validators.pieces`): one
definition for the client and the platform, French messages."""

from __future__ import annotations

from cesp_core.validators.pieces import (
    extension_format,
    formats_phrase,
    human_size,
    sniff,
    validate_piece_file,
)

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"
EXE = b"MZ\x90\x00\x03\x00\x00\x00"
ALL = ("pdf", "jpeg", "png")


def test_formats_are_told_by_extension_and_by_first_bytes() -> None:
    assert (sniff(PDF), sniff(JPEG), sniff(EXE)) == ("pdf", "jpeg", None)
    assert [extension_format(n) for n in ("a.PDF", "b.jpeg", "c.jpg", "d.png", "e.exe")] == [
        "pdf",
        "jpeg",
        "jpeg",
        "png",
        None,
    ]
    assert formats_phrase(ALL) == "PDF, JPEG ou PNG"
    assert formats_phrase(("pdf",)) == "PDF"
    assert (human_size(812), human_size(12_800), human_size(3_355_443)) == (
        "812 o",
        "12,5 Ko",
        "3,2 Mo",
    )


def test_a_piece_file_is_refused_with_the_reason() -> None:
    assert validate_piece_file("cni.pdf", PDF, 2048, ALL, 10_000) is None
    assert validate_piece_file("photo.jpg", JPEG, 2048, ALL, 10_000) is None
    renamed = validate_piece_file("scan.pdf", EXE, 2048, ALL, 10_000)
    assert renamed is not None and "n'est pas un vrai fichier PDF" in renamed
    assert "Format refusé" in (validate_piece_file("setup.exe", EXE, 2048, ALL, 10_000) or "")
    assert "Format refusé" in (validate_piece_file("photo.jpg", JPEG, 2048, ("pdf",), 10) or "")
    assert "est vide" in (validate_piece_file("cni.pdf", b"", 0, ALL, 10_000) or "")
    assert "trop volumineux" in (validate_piece_file("cni.pdf", PDF, 20_000, ALL, 10_000) or "")
    room = validate_piece_file("cni.pdf", PDF, 2048, ALL, 10_000, room_left=1024)
    assert room is not None and "il reste 1 Ko" in room
