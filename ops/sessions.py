"""Sessions in the cache (Redis), saved in one round trip when nothing in them changed.

Every request saves its session (SESSION_SAVE_EVERY_REQUEST): that is what moves the 30-minute
idle limit. Django's cache store saves by reading the session back to see it still exists, then
writing it whole: two round trips and a pickling on every request, though most change nothing.
An unchanged session only has its expiry moved (``touch``: Redis EXPIRE, which also says whether
it still exists); a changed one, or one that is gone, is saved as Django saves it.
"""

from __future__ import annotations

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
        super().save(must_create=must_create)
