"""The instructor's class list (CSV) as the hub's users: first-login passwords, then NativeAuthenticator.

class.csv has a header and one row per person: `username,password,role` (role `instructor` or
`student`; empty means student). The password is for the first login only: on it the person's
NativeAuthenticator account is made with that password (bcrypt-hashed in the hub's database), and
from then on NativeAuthenticator alone decides; each student should change it at
/hub/change-password. Nobody can sign up who is not on the list.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from nativeauthenticator import NativeAuthenticator
from nativeauthenticator.orm import UserInfo
from traitlets import Unicode


@dataclass(frozen=True)
class Person:
    username: str
    password: str
    instructor: bool


def read_class_list(path: str | Path) -> list[Person]:
    """Rows of the CSV; one clear message for a file that is not a class list."""
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        fields = [n.strip().lower() for n in reader.fieldnames or []]
        if "username" not in fields or "password" not in fields:
            raise ValueError(f"{path}: the class list needs the columns username,password[,role]")
        people, seen = [], set()
        for number, row in enumerate(reader, start=2):
            row = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}
            if not row.get("username"):
                continue
            name = row["username"].lower()
            if name in seen:
                raise ValueError(f"{path}, line {number}: {name!r} is on the list twice")
            if len(row.get("password", "")) < 8:
                raise ValueError(
                    f"{path}, line {number}: the password of {name!r} is shorter than 8 characters"
                )
            seen.add(name)
            people.append(Person(name, row["password"], row.get("role", "").lower() == "instructor"))
    if not any(p.instructor for p in people):
        raise ValueError(f"{path}: nobody has the role 'instructor' (the hub's admin)")
    return people


class ClassListAuthenticator(NativeAuthenticator):
    """NativeAuthenticator whose accounts come from the class list on each person's first login."""

    class_list_file = Unicode(config=True, help="The instructor's CSV: username,password,role")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        people = read_class_list(self.class_list_file)
        self.first_passwords = {p.username: p.password for p in people}
        self.allowed_users = set(self.first_passwords)
        self.admin_users = {p.username for p in people if p.instructor}
        self.enable_signup = False

    async def authenticate(self, handler, data):
        username = self.normalize_username(data.get("username", ""))
        first = self.first_passwords.get(username)
        if first is not None and self.get_user(username) is None and data.get("password") == first:
            import bcrypt

            hashed = bcrypt.hashpw(first.encode(), bcrypt.gensalt())
            self.db.add(UserInfo(username=username, password=hashed, is_authorized=True))
            self.db.commit()
        return await super().authenticate(handler, data)
