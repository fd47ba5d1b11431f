"""Authentication: Django's ModelBackend, with permission sets kept in a shared cache on Redis.

Without Redis every request reads its user's permissions from the database (one query), so a
role change holds at once in every process. With REDIS_URL the sets are kept in Redis, where
every process and host sees the same entry, and the signals below drop an entry the moment
anything it was built from changes (docs/architecture.md, "Sessions and permissions").
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.db.models import Q
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

PERMISSIONS_SECONDS = 300
VERSION_KEY = "contacts:perms:version"  # bumped when a group's permissions change


def _user_key(user_id) -> str:
    return f"contacts:perms:user:{user_id}"


class StaffBackend(ModelBackend):
    def get_user(self, user_id):
        # The list's column choice is read on every list page: joined here, it costs no query
        # of its own (docs/architecture.md, "Budgets").
        users = get_user_model()._default_manager.select_related("list_preference")
        try:
            user = users.get(pk=user_id)
        except users.model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None

    def get_all_permissions(self, user_obj, obj=None):
        if obj is not None or not user_obj.is_active or user_obj.is_anonymous:
            return super().get_all_permissions(user_obj, obj)
        if not hasattr(user_obj, "_perm_cache"):
            if not settings.REDIS_URL:
                user_obj._perm_cache = _permissions_of(user_obj)
                return user_obj._perm_cache
            key = _user_key(user_obj.pk)
            found = cache.get_many([VERSION_KEY, key])
            version = found.get(VERSION_KEY, 0)
            entry = found.get(key)
            if entry is not None and entry[0] == version:
                user_obj._perm_cache = entry[1]
            else:
                user_obj._perm_cache = _permissions_of(user_obj)
                cache.set(key, (version, user_obj._perm_cache), PERMISSIONS_SECONDS)
        return user_obj._perm_cache


def _permissions_of(user) -> set[str]:
    """The user's own and their groups' permissions in one query, where ModelBackend makes two:
    every page asks, and without Redis nothing is cached (docs/architecture.md, "Budgets")."""
    perms = Permission.objects.all()
    if not user.is_superuser:
        perms = perms.filter(Q(user=user) | Q(group__user=user))
    pairs = perms.values_list("content_type__app_label", "codename").order_by()
    return {f"{app_label}.{codename}" for app_label, codename in pairs}


def forget_user(user_id) -> None:
    cache.delete(_user_key(user_id))


def forget_everyone() -> None:
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # no version yet
        cache.set(VERSION_KEY, 1, None)


@receiver(post_save, sender=get_user_model())
@receiver(post_delete, sender=get_user_model())
def _user_changed(sender, instance, **kwargs):
    forget_user(instance.pk)


@receiver(m2m_changed, sender=get_user_model().groups.through)
@receiver(m2m_changed, sender=get_user_model().user_permissions.through)
def _user_links_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if not action.startswith("post_"):
        return
    if reverse:  # group.user_set.add(...) or permission.user_set.add(...): those users
        for user_id in pk_set or ():
            forget_user(user_id)
        if action == "post_clear":
            forget_everyone()
    else:
        forget_user(instance.pk)


@receiver(m2m_changed, sender=Group.permissions.through)
@receiver(post_save, sender=Group)
@receiver(post_delete, sender=Group)
@receiver(post_delete, sender=Permission)
def _group_changed(sender, **kwargs):
    if kwargs.get("action", "post_").startswith("post_"):
        forget_everyone()
