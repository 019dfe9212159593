"""04 q1: a model of the learner's own, from class to table, and what workbook.own_model does for it."""

import pytest
from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import Q

from core.models import SoftDeleteModel
from posts.models import Post
from workbook import own_model
from workbook.checks import CheckFailed
from workbook.checks import modeling as check

User = get_user_model()


def _pair(name, *, base=SoftDeleteModel, constraint=True, text=True):
    """A Bookmark-like model class of the lab app, built as a learner would write it."""
    meta = {"app_label": "lab"}
    if constraint:
        meta["constraints"] = [
            models.UniqueConstraint(
                fields=["user", "post"], condition=Q(is_deleted=False), name=f"one_live_{name.lower()}"
            )
        ]
    body = {
        "__module__": __name__,
        "Meta": type("Meta", (), meta),
        "user": models.ForeignKey(User, on_delete=models.PROTECT, related_name=f"{name.lower()}s"),
        "post": models.ForeignKey(Post, on_delete=models.PROTECT, related_name=f"{name.lower()}s"),
    }
    if base is not SoftDeleteModel:
        body["is_deleted"] = models.BooleanField(default=False)
    if text:
        body["__str__"] = lambda self: f"{self.user.username} saved Post #{self.post_id}"
    return type(name, (base,), body)


def _applied(model, capsys=None):
    migration = own_model.makemigrations(model)
    sql = own_model.sqlmigrate(migration)
    own_model.migrate(migration)
    return sql


@pytest.fixture
def users(seeded):
    return {u.username: u for u in User.objects.all()}


def test_own_model_shows_the_migration_and_sql_and_makes_the_table(users, capsys):
    model = _pair("Keep")
    sql = _applied(model)
    out = capsys.readouterr().out
    assert "# lab/migrations/0001_initial.py" in out and "migrations.CreateModel(" in out
    assert 'CREATE TABLE "lab_keep"' in sql and 'CREATE UNIQUE INDEX "one_live_keep"' in sql
    assert "Applied lab.0001_initial: table lab_keep" in out
    saved = [
        model.objects.create(user=users["alice"], post_id=4),
        model.objects.create(user=users["bob"], post_id=4),
    ]
    check.q1(model, saved)
    assert "✓ q1: lab_keep: 2 foreign keys" in capsys.readouterr().out
    _applied(model)  # again, after an edit: the table is made afresh
    assert model.objects.count() == 0


def test_own_model_wants_the_lab_app_label():
    class Elsewhere(SoftDeleteModel):
        class Meta:
            app_label = "posts"
            abstract = True

    from django.apps import apps

    try:
        with pytest.raises(ValueError, match='app_label = "lab"'):
            own_model.makemigrations(type("Odd", (Elsewhere,), {"__module__": __name__}))
    finally:  # the class registered itself in posts: a later reset() would TRUNCATE posts_odd
        apps.all_models["posts"].pop("odd", None)
        apps.clear_cache()
    assert "Odd" not in [m.__name__ for m in apps.get_app_config("posts").get_models()]


def test_q1_rejects_no_soft_delete_no_table_no_rule_and_default_names(users):
    plain = _pair("Plain", base=models.Model)
    _applied(plain)
    rejects = [(plain, "does not get soft delete")]
    unapplied = _pair("Unapplied")
    rejects.append((unapplied, "there is no table lab_unapplied"))
    loose = _pair("Loose", constraint=False)
    _applied(loose)
    rejects.append((loose, "no rule of one live row per pair"))
    for model, says in rejects:
        with pytest.raises(CheckFailed, match=says):
            check.q1(model, [])
    nameless = _pair("Nameless", text=False)
    _applied(nameless)
    rows = [
        nameless.objects.create(user=users["alice"], post_id=1),
        nameless.objects.create(user=users["bob"], post_id=1),
    ]
    with pytest.raises(CheckFailed, match="not told apart"):
        check.q1(nameless, rows)
    with pytest.raises(CheckFailed, match="not a list of two saved"):
        check.q1(nameless, rows[:1])
