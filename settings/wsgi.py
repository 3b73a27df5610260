"""WSGI entry point for gunicorn or any WSGI server."""

import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings.prod")
application = get_wsgi_application()

if settings.LETTER_WARM_UP:
    # Each worker imports this module when it starts (or the master, with preload_app; the
    # loaded fonts then survive the fork): its first 介绍信 is as fast as the next ones.
    from transfers.letters import warm_up

    warm_up()
