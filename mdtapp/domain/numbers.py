"""Exact arithmetic for clinical numbers, and display that never hides a decisive digit.

Rules compare exact values (fractions of the typed decimals), never binary floats, so that
2 g/kg x 65.0 kg is exactly 130 g. A value is shown to one decimal unless that rounding would
make it look equal to the threshold it was compared with; then more decimals are shown.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction


def exact(value: float | int | str | Decimal | Fraction) -> Fraction:
    """The decimal a person typed, exactly: 0.29 -> 29/100 (not the float's binary value)."""
    if isinstance(value, Fraction):
        return value
    if type(value) is int:
        return Fraction(value)
    if isinstance(value, float):
        return Fraction(Decimal(repr(value)))
    return Fraction(Decimal(str(value)))


_QUANTUM = tuple(Decimal(1).scaleb(-places) for places in range(9))  # 1, 0.1, 0.01, ...


def rounded(value: Fraction, places: int = 1) -> Decimal:
    """Half-up rounding, as people do by hand (62.15 -> 62.2)."""
    quantum = _QUANTUM[places] if 0 <= places < len(_QUANTUM) else Decimal(1).scaleb(-places)
    numerator, denominator = value.numerator, value.denominator
    whole = Decimal(numerator) if denominator == 1 else Decimal(numerator) / Decimal(denominator)
    return whole.quantize(quantum, rounding=ROUND_HALF_UP)


def show(value: Fraction, places: int = 1, *, near: Fraction | None = None) -> str:
    """`value` to `places` decimals, or more when that would read as equal to `near`."""
    text = str(rounded(value, places))
    if near is None or value == near:
        return text
    while places < 4 and rounded(value, places) == rounded(near, places):
        places += 1
        text = str(rounded(value, places))
    return text


def plain(value: Fraction | Decimal | float | int) -> str:
    """A number without trailing zeros: 25 not 25.0, 22.5 stays 22.5."""
    if type(value) is int:
        return str(value)
    if isinstance(value, Fraction) and value.denominator == 1:
        return str(value.numerator)
    d = rounded(exact(value), 4) if not isinstance(value, Decimal) else value
    text = format(d.normalize(), "f")
    return text


def as_json_number(value: Fraction | Decimal, places: int = 2) -> int | float:
    """A JSON number: whole values as int, others rounded half-up to `places`."""
    d = rounded(exact(value), places)
    return int(d) if d == d.to_integral_value() else float(d)
