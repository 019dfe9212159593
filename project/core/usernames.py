"""One canonical form of a user name, for logging in and for the login throttle's counts.

A login form strips the name and applies NFKC (Django's UsernameField), the token login strips it,
and people type `Alice`, ` alice` or fullwidth `ａｌｉｃｅ` for the same account. Authentication
takes all of them for one user, and the throttle counts all of them as one name, so no spelling
of a name is a way around its lock.
"""

from __future__ import annotations

import unicodedata

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


def typed(username: str) -> str:
    """What the login forms make of a typed name: spaces around it dropped, NFKC applied."""
    return unicodedata.normalize("NFKC", username).strip()


def canonical(username: str) -> str:
    """The form every spelling of a name shares: stripped, NFKC, case-folded (NFKC again after
    folding, as Unicode's NFKC_Casefold does)."""
    return unicodedata.normalize("NFKC", typed(username).casefold()).strip()


def find_user(username: str):
    """The user a typed name means: the exact name (after NFKC and stripping) first, else the one
    user whose name differs only in case; None when there is none, or more than one."""
    User = get_user_model()
    name = typed(username)
    try:
        return User._default_manager.get_by_natural_key(name)
    except User.DoesNotExist:
        pass
    matches = list(User._default_manager.filter(**{f"{User.USERNAME_FIELD}__iexact": name})[:2])
    same = [u for u in matches if canonical(u.get_username()) == canonical(name)]
    return same[0] if len(same) == 1 and len(matches) == 1 else None


class CanonicalUsernameBackend(ModelBackend):
    """Django's model backend, finding the user by the canonical form of the name."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        User = get_user_model()
        if username is None:
            username = kwargs.get(User.USERNAME_FIELD)
        if not isinstance(username, str) or password is None:
            return None
        user = find_user(username)
        if user is None:
            # Hash the password anyway, so an unknown name takes as long as a known one.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
