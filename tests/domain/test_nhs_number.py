from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mdtapp.domain.nhs_number import (
    check_digit,
    format_nhs_number,
    is_valid_nhs_number,
    nhs_number_problem,
)


def test_the_nhs_example_number_is_valid_and_shown_3_3_4():
    # 9x10 + 4x9 + 3x8 + 4x7 + 7x6 + 6x5 + 5x4 + 9x3 + 1x2 = 299; 299 mod 11 = 2; 11 - 2 = 9
    assert check_digit("943476591") == 9
    assert is_valid_nhs_number("9434765919")
    assert is_valid_nhs_number("943 476 5919")
    assert format_nhs_number("9434765919") == "943 476 5919"


def test_a_wrong_check_digit_is_refused_with_the_reason():
    assert nhs_number_problem("9434765918") == (
        "943 476 5918 fails the Modulus 11 check; check each digit"
    )


def test_a_remainder_giving_10_can_never_be_valid():
    # 1x10 + 2x9 + 0 ... : first nine digits whose check would be 10
    first_nine = next(
        f"{n:09d}" for n in range(100000000, 100001000) if check_digit(f"{n:09d}") is None
    )
    for last in "0123456789":
        assert not is_valid_nhs_number(first_nine + last)


def test_check_11_becomes_0():
    def weighted(digits: str) -> int:
        return sum(int(d) * w for d, w in zip(digits, range(10, 1, -1), strict=True))

    first_nine = next(
        f"{n:09d}" for n in range(400000000, 400001000) if weighted(f"{n:09d}") % 11 == 0
    )
    assert check_digit(first_nine) == 0
    assert is_valid_nhs_number(first_nine + "0")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "is required (10 digits)"),
        ("943476591", "must be 10 digits; got 9"),
        ("94347659190", "must be 10 digits; got 11"),
        ("94347659l9", "must be 10 digits; got '94347659l9'"),
        ("９４３４７６５９１９", "must be 10 digits"),  # full-width digits are not NHS digits
    ],
)
def test_bad_shapes_are_named(text, message):
    assert message in (nhs_number_problem(text) or "")


@given(st.text(alphabet="0123456789", min_size=10, max_size=10))
def test_exactly_one_last_digit_or_none_makes_nine_digits_valid(digits):
    valid = [d for d in "0123456789" if is_valid_nhs_number(digits[:9] + d)]
    assert len(valid) <= 1
    assert is_valid_nhs_number(digits) == (valid == [digits[9]])
