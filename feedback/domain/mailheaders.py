"""E-mail header text: a subject as RFC 2047 encoded words that never split a word. Pure.

Mail readers drop the white space between two encoded words, so a space of the subject must sit
inside an encoded word, and a word cut between two encoded words comes out glued to its neighbour
or cut in two ("phảnánh", "thẩm q uyền") by readers that do not join them. Here each encoded word
carries whole words with their trailing space, and each folded line stays under 78 characters.
"""

from __future__ import annotations

import base64

# UTF-8 bytes per encoded word: "=?utf-8?b?" + base64 (4 chars per 3 bytes) + "?=" stays under 66
# characters, so "Subject: " plus the first word fits in 78.
MAX_WORD_BYTES = 39


def _encoded(text: str) -> str:
    return "=?utf-8?b?" + base64.b64encode(text.encode("utf-8")).decode("ascii") + "?="


def _pieces(word: str) -> list[str]:
    """A word longer than one encoded word can hold, cut between characters (a rare last resort)."""
    pieces, current = [], ""
    for char in word:
        if len((current + char).encode("utf-8")) > MAX_WORD_BYTES:
            pieces.append(current)
            current = ""
        current += char
    return [*pieces, current]


def encode_subject(subject: str) -> str:
    """The header value of `subject`: itself if it is plain ASCII, else encoded words folded between
    whole words (each line but the first starts with a space: folding white space)."""
    subject = " ".join(subject.split())  # no CR/LF or runs of spaces reach the header
    if subject.isascii():
        return subject
    words = subject.split(" ")
    chunks, current = [], ""
    for index, word in enumerate(words):
        token = word + (" " if index < len(words) - 1 else "")
        if len(token.encode("utf-8")) > MAX_WORD_BYTES:
            if current:
                chunks.append(current)
                current = ""
            *head, tail = _pieces(token)
            chunks.extend(head)
            current = tail
        elif len((current + token).encode("utf-8")) > MAX_WORD_BYTES:
            chunks.append(current)
            current = token
        else:
            current += token
    if current:
        chunks.append(current)
    return "\r\n ".join(_encoded(chunk) for chunk in chunks)
