"""Track logins, and end all sessions of a user the moment they are deactivated (through save(): the admin,
`deactivate_user`, services — a bare queryset.update() bypasses signals and must not be used for this)."""

from __future__ import annotations

import time
from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver
from django.http import HttpRequest

from kedang.accounts.models import ApiToken, User

from .client_ip import client_ip
from .sessions import SEEN_KEY, START_KEY, session_forget, session_track, user_sessions_end


@receiver(user_logged_in)
def logged_in(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        now = time.time()
        request.session[SEEN_KEY] = request.session[START_KEY] = now  # the idle and life clocks start
        session_track(user, request.session.session_key, client_ip(request))


@receiver(user_logged_out)
def logged_out(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        session_forget(request.session.session_key)


@receiver(pre_save, sender=User)
def user_deactivated(sender: Any, instance: User, **kwargs: Any) -> None:
    if instance.pk is None or instance.is_active or kwargs.get("raw"):
        return
    was_active = User.objects.filter(pk=instance.pk, is_active=True).exists()
    if was_active:  # in the same transaction: rolled back with the deactivation if that fails
        user_sessions_end(instance)


@receiver(post_save, sender=User)
def password_changed(sender: Any, instance: User, created: bool, **kwargs: Any) -> None:
    """A new password revokes every API token of the user, whichever way it was set (the admin's reset,
    `add_user`, `changepassword`, the user's own change): set_password() marks it until save(). (A hash
    upgrade at login is not a change: Django clears the mark before saving it.)"""
    if created or kwargs.get("raw") or getattr(instance, "_password", None) is None:
        return
    ApiToken.objects.filter(user=instance).delete()
