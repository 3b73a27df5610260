"""Password policy (等保 身份鉴别: 口令复杂度): at least 8 characters from three of the four
classes (upper case, lower case, digits, other), up to 64 and beyond (long passphrases are
welcome; the limit only keeps hashing cheap), plus Django's common-password list."""

from __future__ import annotations

from django.core.exceptions import ValidationError

MAX_LENGTH = 128


class CharacterClassesValidator:
    def __init__(self, classes: int = 3):
        self.classes = classes

    def validate(self, password: str, user=None) -> None:
        found = sum(
            [
                any(c.isupper() for c in password),
                any(c.islower() for c in password),
                any(c.isdigit() for c in password),
                any(not c.isalnum() for c in password),
            ]
        )
        if found < self.classes:
            raise ValidationError(
                "密码须包含大写字母、小写字母、数字、符号中的至少三类。", code="password_classes"
            )

    def get_help_text(self) -> str:
        return "密码须包含大写字母、小写字母、数字、符号中的至少三类。"


class MaximumLengthValidator:
    def validate(self, password: str, user=None) -> None:
        if len(password) > MAX_LENGTH:
            raise ValidationError(f"密码不能超过{MAX_LENGTH}个字符。", code="password_too_long")

    def get_help_text(self) -> str:
        return f"密码最长{MAX_LENGTH}个字符。"
