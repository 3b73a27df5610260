import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from members.idcard import (
    CHECK_CHARS,
    check_character,
    mask_id_number,
    normalize_id_number,
)

VALID = ["11010519491231002X", "440524188001010014"]


@pytest.mark.parametrize("number", VALID)
def test_it_accepts_valid_id_numbers(number):
    assert normalize_id_number(number) == number


def test_it_accepts_a_lower_case_x_and_stores_it_upper_case():
    assert normalize_id_number("11010519491231002x") == "11010519491231002X"


def test_it_strips_surrounding_spaces():
    assert normalize_id_number(" 440524188001010014 ") == "440524188001010014"


@pytest.mark.parametrize("number", VALID)
def test_it_rejects_every_single_character_substitution(number):
    for position in range(18):
        for replacement in "0123456789X":
            if replacement == number[position]:
                continue
            mutated = number[:position] + replacement + number[position + 1 :]
            with pytest.raises(ValidationError):
                normalize_id_number(mutated)


def _with_check(first17: str) -> str:
    return first17 + check_character(first17)


@pytest.mark.parametrize(
    "birth", ["19990230", "20230229", "19991301", "19990001", "19990132", "18000101"]
)
def test_it_rejects_impossible_birth_dates_even_with_a_correct_check_character(birth):
    number = _with_check(f"450103{birth}123")
    with pytest.raises(ValidationError, match="出生日期"):
        normalize_id_number(number)


def test_it_rejects_a_birth_date_in_the_future():
    tomorrow = timezone.localdate() + dt.timedelta(days=2)
    number = _with_check(f"450103{tomorrow:%Y%m%d}123")
    with pytest.raises(ValidationError, match="出生日期"):
        normalize_id_number(number)


def test_it_accepts_a_leap_day():
    assert normalize_id_number(_with_check("45010320000229123"))


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("", "18位"),
        ("4501032000022912", "18位"),
        ("4501032000022912345", "18位"),
        ("45010320000229A23X", "前17位"),
        ("45010320000229123Y", "前17位"),
        (_with_check("99010320000229123"), "地址码"),
    ],
)
def test_it_explains_what_is_wrong_in_chinese(number, message):
    with pytest.raises(ValidationError, match=message):
        normalize_id_number(number)


def test_the_check_character_table_is_iso_7064_mod_11_2():
    assert check_character("11010519491231002") == "X"
    assert check_character("44052418800101001") == "4"
    assert set(CHECK_CHARS) == set("0123456789X")


def test_masking_keeps_only_the_ends():
    assert mask_id_number("45010319800101123X") == "4501**********123X"
