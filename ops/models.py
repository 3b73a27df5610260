from django.db import models


class CacheEntry(models.Model):
    """The table of Django's database cache (``CACHES`` without ``REDIS_URL``), made by a
    migration so that ``migrate`` alone prepares a deployment; the cache reads it with its own
    SQL, never through this model."""

    cache_key = models.CharField(max_length=255, primary_key=True)
    value = models.TextField()
    expires = models.DateTimeField(db_index=True)

    class Meta:
        db_table = "ops_cache"
        verbose_name = "缓存条目"
        verbose_name_plural = "缓存条目"

    def __str__(self) -> str:
        return self.cache_key
