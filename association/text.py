"""The treasurer's free-text notes (a statement line explained, notes delivered to an office)."""

from __future__ import annotations

import unicodedata

from ledger.errors import FormatError

MAX_NOTE = 280


def checked_note(text: str) -> str:
    """The note as stored: NFC, trimmed, 1 to MAX_NOTE characters (else FormatError)."""
    note = unicodedata.normalize("NFC", text).strip()
    if not 1 <= len(note) <= MAX_NOTE:
        raise FormatError(f"a note is 1 to {MAX_NOTE} characters")
    return note
