"""NHS number: 10 digits with a Modulus 11 check digit, shown 3 3 4 (943 476 5919)."""

from __future__ import annotations


def normalise_nhs_number(text: str) -> str:
    """Digits only: spaces and hyphens as people type them are dropped."""
    return "".join(ch for ch in text if ch not in " -")


def check_digit(first_nine: str) -> int | None:
    """The Modulus 11 check digit for nine digits, or None when the number cannot be valid."""
    total = sum(int(d) * w for d, w in zip(first_nine, range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        return 0
    if check == 10:
        return None  # no valid NHS number has these first nine digits
    return check


def nhs_number_problem(text: str) -> str | None:
    """Why `text` is not a valid NHS number, or None when it is."""
    digits = normalise_nhs_number(text)
    if not digits:
        return "is required (10 digits)"
    if not digits.isascii() or not digits.isdigit():
        return f"must be 10 digits; got {text!r}"
    if len(digits) != 10:
        return f"must be 10 digits; got {len(digits)}"
    expected = check_digit(digits[:9])
    if expected is None or expected != int(digits[9]):
        return f"{format_nhs_number(digits)} fails the Modulus 11 check; check each digit"
    return None


def is_valid_nhs_number(text: str) -> bool:
    return nhs_number_problem(text) is None


def format_nhs_number(text: str) -> str:
    digits = normalise_nhs_number(text)
    if len(digits) != 10:
        return text
    return f"{digits[:3]} {digits[3:6]} {digits[6:]}"
