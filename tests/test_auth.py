import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse

from transfers.management.commands.demo import DEMO_PASSWORD

pytestmark = pytest.mark.django_db


def test_logging_in_with_the_demo_password_reaches_the_home_page(client):
    response = client.post(reverse("login"), {"username": "wxy", "password": DEMO_PASSWORD})
    assert response.status_code == 302
    assert response.url == reverse("home")


def test_a_wrong_password_is_explained_in_chinese(client):
    response = client.post(reverse("login"), {"username": "wxy", "password": "wrong-password"})
    assert response.status_code == 200
    assert "请输入" in response.content.decode()


def test_five_failures_lock_the_username_even_with_the_right_password(client):
    for _ in range(5):
        client.post(reverse("login"), {"username": "ltx", "password": "wrong-password"})
    response = client.post(reverse("login"), {"username": "ltx", "password": DEMO_PASSWORD})
    assert response.status_code == 429
    assert "已被锁定" in response.content.decode()
    # Another username from the same address still gets in.
    response = client.post(reverse("login"), {"username": "wxy", "password": DEMO_PASSWORD})
    assert response.status_code == 302


def test_sessions_expire_after_30_idle_minutes():
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True


@pytest.mark.parametrize("password", ["short1!", "12345678901", "password1234"])
def test_weak_passwords_are_refused(password):
    with pytest.raises(ValidationError):
        validate_password(password)


def test_logout_ends_the_session(client_as):
    client = client_as("wxy")
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 302
