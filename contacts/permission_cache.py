"""Django's ModelBackend, with each user's permission set remembered for a short while.

Loading permissions takes two joined queries on every request (the layout and every view ask),
which was the largest cost of a page besides the API call. A role change reaches a signed-in
user within PERMISSION_CACHE_SECONDS.
"""

from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache

from .fast_lookups import user_by_id

PERMISSION_CACHE_SECONDS = 30


class CachedPermissionsBackend(ModelBackend):
    def get_all_permissions(self, user_obj, obj=None):
        if obj is not None or not user_obj.is_active or user_obj.is_anonymous:
            return super().get_all_permissions(user_obj, obj)
        if not hasattr(user_obj, "_perm_cache"):
            key = f"contacts:perms:{user_obj.pk}"
            perms = cache.get(key)
            if perms is None:
                perms = super().get_all_permissions(user_obj)
                cache.set(key, perms, PERMISSION_CACHE_SECONDS)
            user_obj._perm_cache = perms
        return user_obj._perm_cache

    def get_user(self, user_id):
        # ModelBackend.get_user, with the user read by fast_lookups (it runs on every request).
        user = user_by_id(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None
