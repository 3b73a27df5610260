"""Sessions in the cache (Redis), saved in one round trip when nothing in them changed.

Every request saves its session (SESSION_SAVE_EVERY_REQUEST): that is what moves the 30-minute
idle limit. Django's cache store saves by reading the session back to see it still exists, then
writing it whole: two round trips and a pickling on every request, though most change nothing.
An unchanged session only has its expiry moved (``touch``: Redis EXPIRE, which also says whether
it still exists); a changed one is written only if it still exists (``SET … XX``, one round trip
instead of Django's read and write; a page's message changes it twice, when it is added and
when it is shown). A new session, one that is gone, or a cache without ``set_existing`` go
Django's way.
"""

from __future__ import annotations

from django.contrib.sessions.backends.base import UpdateError
from django.contrib.sessions.backends.cache import SessionStore as CacheSessionStore


class SessionStore(CacheSessionStore):
    def save(self, must_create=False):
        unchanged = (
            hasattr(self, "_session_cache")  # read by this request, as the middleware saves
            and not (must_create or self.modified)
            and self.session_key is not None
        )
        if unchanged and self._cache.touch(self.cache_key, self.get_expiry_age()):
            return
        changed = not must_create and self.session_key is not None
        if changed and hasattr(self._cache, "set_existing"):
            data = self._get_session()
            if self._cache.set_existing(self.cache_key, data, self.get_expiry_age()):
                return
            raise UpdateError  # ended elsewhere (logout, expiry): not brought back
        super().save(must_create=must_create)
