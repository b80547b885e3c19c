"""Rounding for display: half-up as people do by hand, exact for any fraction."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from mdtapp.domain.numbers import plain, rounded, show


def test_worked_examples():
    assert str(rounded(Fraction("62.15"))) == "62.2"  # a half goes up
    assert str(rounded(Fraction("62.149999"))) == "62.1"
    assert str(rounded(Fraction("99.95"))) == "100.0"  # carries into a new digit
    assert str(rounded(Fraction(1, 3), 2)) == "0.33"
    assert str(rounded(Fraction("-62.15"))) == "-62.2"  # away from zero, as by hand
    assert str(rounded(Fraction(5), 2)) == "5.00"
    assert plain(25.0) == "25" and plain(22.5) == "22.5"
    assert show(Fraction("74.992"), near=Fraction(75)) == "74.99"


@given(
    st.decimals(min_value=-(10**6), max_value=10**6, places=6, allow_nan=False),
    st.integers(min_value=0, max_value=4),
)
def test_rounding_agrees_with_decimal_half_up_on_typed_decimals(value, places):
    expected = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    assert rounded(Fraction(value), places) == expected
    assert str(rounded(Fraction(value), places)) == str(expected)


@given(st.fractions(min_value=-(10**4), max_value=10**4, max_denominator=10**6))
def test_rounding_is_within_half_a_unit(value):
    assert abs(Fraction(rounded(value, 2)) - value) <= Fraction(1, 200)
