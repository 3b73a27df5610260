"""Citizen identity numbers (公民身份号码) per GB 11643-1999.

18 characters: a 6-digit address code, an 8-digit birth date (YYYYMMDD), a 3-digit sequence code
and a check character computed with ISO 7064 MOD 11-2 (0-9 or X). Because 11 is prime and no weight
is a multiple of 11, every single-character substitution changes the check result.
"""

from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.utils import timezone

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
# 省级行政区划代码 (the first two digits of the address code).
PROVINCE_CODES = frozenset(
    {"11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37"}
    | {"41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64"}
    | {"65", "71", "81", "82", "83"}
)
EARLIEST_BIRTH = dt.date(1850, 1, 1)


def check_character(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARS[total % 11]


def birth_date_of(id_number: str) -> dt.date:
    return dt.date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))


def normalize_id_number(value: str) -> str:
    """Validate a 身份证号 and return it in canonical form (upper-case X), or raise."""
    number = (value or "").strip().upper()
    if len(number) != 18:
        raise ValidationError("身份证号应为18位。", code="length")
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise ValidationError("身份证号前17位应为数字，最后一位为数字或X。", code="characters")
    if number[:2] not in PROVINCE_CODES:
        raise ValidationError("身份证号的地址码不正确。", code="address")
    try:
        born = birth_date_of(number)
    except ValueError:
        raise ValidationError("身份证号中的出生日期不存在。", code="birth_date") from None
    if born < EARLIEST_BIRTH or born > timezone.localdate():
        raise ValidationError("身份证号中的出生日期不合理。", code="birth_date")
    if check_character(number[:17]) != number[17]:
        raise ValidationError("身份证号校验位不正确，请核对。", code="checksum")
    return number


def validate_id_number(value: str) -> None:
    """A model/form field validator (the field stores the normalized value)."""
    normalize_id_number(value)


def mask_id_number(number: str) -> str:
    """4501**********123X: enough to tell members apart in a list, not enough to misuse."""
    if len(number) < 8:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


# A mobile number (11 digits) or a landline with its area code, optionally an extension.
PHONE_RE = re.compile(r"^(?:1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(?:-\d{1,6})?)$")


def mask_phone(phone: str) -> str:
    if len(phone) < 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def age_on(id_number: str, day: dt.date) -> int:
    born = birth_date_of(id_number)
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))
