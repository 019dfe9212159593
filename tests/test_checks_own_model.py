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


# --- judged outside the kernel: the class's report as data, the table as PostgreSQL holds it -------


def _follow(name="Follow"):
    """The other example the exercise names: a user follows a user (two keys to one table), the
    rule written with the fields the other way round and the condition as ~Q(is_deleted=True)."""
    meta = type(
        "Meta",
        (),
        {
            "app_label": "lab",
            "constraints": [
                models.UniqueConstraint(
                    fields=["followed", "follower"], condition=~Q(is_deleted=True), name=f"one_{name.lower()}"
                )
            ],
        },
    )
    body = {
        "__module__": __name__,
        "Meta": meta,
        "follower": models.ForeignKey(User, on_delete=models.CASCADE, related_name=f"{name.lower()}_out"),
        "followed": models.ForeignKey(User, on_delete=models.CASCADE, related_name=f"{name.lower()}_in"),
        "__str__": lambda self: f"{self.follower_id} follows {self.followed_id}",
    }
    return type(name, (SoftDeleteModel,), body)


def _keyed_on_time(name="Timed"):
    """A unique index with a WHERE whose key also holds created_at: every row is unique, no rule."""
    model = _pair(name, constraint=False)
    model._meta.constraints = [
        models.UniqueConstraint(
            fields=["user", "post", "created_at"], condition=Q(is_deleted=False), name=f"one_{name.lower()}"
        )
    ]
    return model


def _everywhere(name="Always"):
    """A unique index on the pair with no WHERE: a deleted row still blocks a new live one."""
    model = _pair(name, constraint=False)
    model._meta.constraints = [models.UniqueConstraint(fields=["user", "post"], name=f"one_{name.lower()}")]
    return model


def _rows(model, users, how=2):
    if model.__name__.startswith("Follow"):
        return [
            model.objects.create(follower=users["alice"], followed=users["bob"]),
            model.objects.create(follower=users["bob"], followed=users["alice"]),
        ][:how]
    return [
        model.objects.create(user=users["alice"], post_id=4),
        model.objects.create(user=users["bob"], post_id=4),
    ][:how]


def _both_ways(model, saved) -> tuple[str, dict, list]:
    """The kernel's check (its first line) and the judge's verdict on what the kernel hands out."""
    from django.db import transaction
    from grading_helpers import kernel_hands_out

    from workbook.authoring import judge

    try:
        check.q1(model, saved)
        kernel = "passed"
    except CheckFailed as exc:
        kernel = str(exc).splitlines()[0]
    packed, statements = kernel_hands_out(
        {"Bookmark": model, "saved": saved}, "Bookmark, saved", "modeling", "q1"
    )
    with transaction.atomic():  # the judge marks its transaction for rollback: a savepoint here
        reply = judge.judge("modeling", "q1", packed, statements)
    return kernel, reply, packed


@pytest.mark.parametrize(
    "make, says",
    [
        (lambda: _pair("Solved"), ""),
        (_follow, ""),
        (lambda: _pair("Bare", base=models.Model), "does not get soft delete"),
        (lambda: _pair("Unruled", constraint=False), "no rule of one live row per pair"),
        (_keyed_on_time, "no rule of one live row per pair"),
        (_everywhere, "no rule of one live row per pair"),
        (lambda: _pair("Unnamed", text=False), "not told apart"),
    ],
)
def test_q1_the_judge_agrees_with_the_kernel_on_the_report_alone(make, says, users, capsys):
    """Right models written two ways pass, wrong ones fail with the same first line, both in the
    kernel and in the judge, which gets the class only as the observer's report (plain data)."""
    model = make()
    _applied(model)
    saved = _rows(model, users)
    kernel, reply, packed = _both_ways(model, saved)
    assert packed[0][0] == "calls" and packed[1] == (
        "value",
        [("row", model._meta.label, str(r.pk)) for r in saved],
    )
    if not says:
        assert kernel == "passed" and reply == {"status": "passed", "message": ""}, (kernel, reply)
    else:
        assert says in kernel, kernel
        assert reply["status"] == "failed" and reply["message"].splitlines()[0] == kernel, reply


def test_q1_the_judge_says_what_is_missing_as_the_kernel_does(users):
    unapplied = _pair("Unmigrated")
    kernel, reply, _packed = _both_ways(unapplied, [])
    assert "there is no table lab_unmigrated" in kernel and reply["message"].splitlines()[0] == kernel
    model = _pair("Once")
    _applied(model)
    kernel, reply, _packed = _both_ways(model, _rows(model, users, how=1))
    assert "not a list of two saved" in kernel and reply["message"].splitlines()[0] == kernel
    kernel, reply, _packed = _both_ways(model, None)
    assert reply["status"] == "not answered", reply


def test_q1_a_forged_report_is_held_to_what_postgresql_has(users):
    """The report is the kernel's word on the class; each part of it that PostgreSQL can tell is
    checked there: a report naming a table of the project's (posts_like has two foreign keys, the
    soft-delete columns and a partial unique index), a plain model said to have soft delete, rows
    that are not in the table, a default __str__ said to be a name, all fail."""
    from django.db import transaction

    from workbook.authoring import judge

    model = _pair("Forged")
    _applied(model)
    saved = _rows(model, users)
    _kernel, reply, packed = _both_ways(model, saved)
    assert reply["status"] == "passed", reply
    [(key, (kind, facts))] = packed[0][1]
    assert key[:2] == (judge.OBSERVED, "_model_facts") and kind == "observed"
    plain = _pair("Flat", base=models.Model)
    _applied(plain)
    flat = _rows(plain, users)
    forgeries = [
        ({**facts, "table": "posts_like"}, "is a table of the project's"),
        ({**facts, "table": "lab_flat", "saved": [str(r.pk) for r in flat]}, "lacks the columns"),
        ({**facts, "saved": ["9999", "9998"]}, "not every saved row is live"),
        ({**facts, "saved": facts["saved"][:1] * 2}, "not every saved row is live"),
        ({**facts, "names": [("str", f"Forged object ({r.pk})") for r in saved]}, "not told apart"),
    ]
    for forged, says in forgeries:
        with transaction.atomic():
            reply = judge.judge("modeling", "q1", [("calls", [(key, ("observed", forged))]), packed[1]], [])
        assert reply["status"] == "failed" and says in reply["message"], (says, reply)


def test_q1_a_second_row_refused_for_another_reason_is_not_the_rule(users):
    """A CHECK that refuses every new row after the first two also raises IntegrityError: the check
    wants the refusal to come from the unique index on the pair."""
    from django.db import connection

    model = _pair("Stubborn")
    _applied(model)
    saved = _rows(model, users)
    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX one_live_stubborn")
        cursor.execute(
            "CREATE UNIQUE INDEX one_live_stubborn ON lab_stubborn (user_id, post_id) "
            "WHERE NOT is_deleted AND id < 0"
        )
        cursor.execute(
            f"ALTER TABLE lab_stubborn ADD CONSTRAINT only_two CHECK (id <= {max(r.pk for r in saved)})"
        )
    with pytest.raises(CheckFailed, match="accepted a second live row"):
        check.q1(model, saved)
