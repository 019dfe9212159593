"""The 03-postgresql-2-engine checks: what another connection sees, and a transfer all or nothing."""

import re

import pytest
from django.db import connection, transaction
from grading_helpers import kernel_hands_out

from workbook.checks import CheckFailed
from workbook.checks import postgresql as check
from workbook.pglab import sql

# The checks make and drop schemas of their own, outside any transaction, as in a notebook.
pytestmark = pytest.mark.django_db(transaction=True)

RIGHT = dict(zip(check.VISIBILITY_STEPS, (100, 70, 70, 40), strict=True))


# ---------------------------------------------------------------- predict_visibility


def test_visibility_truth_is_what_postgresql_does():
    assert check.visibility_truth() == RIGHT


def test_predict_visibility_accepts_the_right_numbers(capsys):
    check.predict_visibility(dict(RIGHT))
    assert capsys.readouterr().out.startswith("✓ predict_visibility: b reads 100, 70, 70, 40")


def test_predict_visibility_accepts_the_keys_in_another_order():
    check.predict_visibility(dict(reversed(list(RIGHT.items()))))


def test_predict_visibility_accepts_whole_number_floats():
    check.predict_visibility({step: float(value) for step, value in RIGHT.items()})


@pytest.mark.parametrize(
    "step, wrong, teaches",
    [
        (0, 70, "no dirty reads"),
        (1, 100, "READ COMMITTED"),
        (2, 40, "snapshot of its first query"),
        (3, 70, "once b's transaction ends"),
    ],
)
def test_predict_visibility_rejects_a_wrong_number_with_the_rule_behind_it(step, wrong, teaches):
    answer = dict(RIGHT)
    answer[check.VISIBILITY_STEPS[step]] = wrong
    with pytest.raises(CheckFailed, match=teaches):
        check.predict_visibility(answer)


def test_predict_visibility_rejects_a_missing_moment_and_a_list():
    answer = dict(RIGHT)
    del answer[check.VISIBILITY_STEPS[1]]
    with pytest.raises(CheckFailed, match="a moment is missing"):
        check.predict_visibility(answer)
    with pytest.raises(CheckFailed, match="should be a dict"):
        check.predict_visibility([100, 70, 70, 40])


def test_predict_visibility_leaves_no_schema_behind():
    check.visibility_truth()
    assert sql("SELECT count(*) FROM pg_namespace WHERE nspname = 'check_visibility'") == [(0,)]


# ---------------------------------------------------------------- transfer


def atomic_transfer(source, target, amount):
    with transaction.atomic():
        sql("UPDATE accounts SET balance = balance - %s WHERE owner = %s", [amount, source])
        sql("UPDATE accounts SET balance = balance + %s WHERE owner = %s", [amount, target])


@transaction.atomic
def decorated_credit_first(source, target, amount):
    sql("UPDATE accounts SET balance = balance + %s WHERE owner = %s", [amount, target])
    sql("UPDATE accounts SET balance = balance - %s WHERE owner = %s", [amount, source])


def one_statement(source, target, amount):
    sql(
        "UPDATE accounts SET balance = balance + CASE owner WHEN %s THEN -%s ELSE %s END "
        "WHERE owner IN (%s, %s)",
        [source, amount, amount, source, target],
    )


def debit_first_without_a_transaction(source, target, amount):
    sql("UPDATE accounts SET balance = balance - %s WHERE owner = %s", [amount, source])
    sql("UPDATE accounts SET balance = balance + %s WHERE owner = %s", [amount, target])


def credit_first_without_a_transaction(source, target, amount):
    sql("UPDATE accounts SET balance = balance + %s WHERE owner = %s", [amount, target])
    sql("UPDATE accounts SET balance = balance - %s WHERE owner = %s", [amount, source])


def swallows_the_error(source, target, amount):
    from django.db import IntegrityError

    try:
        atomic_transfer(source, target, amount)
    except IntegrityError:
        return False
    return True


def the_wrong_way_round(source, target, amount):
    atomic_transfer(target, source, amount)


def twice_the_amount(source, target, amount):
    atomic_transfer(source, target, 2 * amount)


def judged_outside(answer) -> tuple[dict, list]:
    """The answer as the grader takes it (workbook/authoring/judge.py): the check run once in the
    "kernel" (here) with the function's observations recorded, the record handed out as data, and
    the judge's verdict on that record alone, with no database work and no code of the answer's."""
    from workbook.authoring import judge

    packed, _statements = kernel_hands_out({"transfer": answer}, "transfer", "postgresql", "transfer")
    return judge.judge("postgresql", "transfer", packed, []), packed


@pytest.mark.parametrize("answer", [atomic_transfer, decorated_credit_first, one_statement])
def test_transfer_accepts_every_way_that_is_all_or_nothing(answer, capsys):
    check.transfer(answer)
    assert capsys.readouterr().out.startswith("✓ transfer: 30 moved")
    reply, packed = judged_outside(answer)
    assert reply == {"status": "passed", "message": ""}, reply
    assert packed[0][0] == "calls" and len(packed[0][1]) == 3  # three transfers observed


def test_transfers_record_is_the_answer_judged_as_one():
    """What the judge is handed is the answer: the right record passes, a record with one transfer's
    balances changed, or one transfer missing, fails; the judge never runs the function."""
    from workbook.authoring import judge

    reply, packed = judged_outside(atomic_transfer)
    calls = packed[0][1]
    key, (kind, seen) = calls[1]  # 200 from alice to carol, refused
    assert key[:2] == (judge.OBSERVED, "_attempt_transfer") and kind == "observed"
    half = {**seen, "balances": {**seen["balances"], "alice": -100}}
    for forged, says in (
        ([calls[0], (key, ("observed", half)), calls[2]], "left half of it behind"),
        ([calls[0], calls[2]], "never given"),
        ([calls[0], (key, ("observed", {**seen, "ended": "returned", "kind": ""})), calls[2]], "as if it"),
    ):
        reply = judge.judge("postgresql", "transfer", [("calls", forged)], [])
        assert reply["status"] == "failed" and says in reply["message"], reply


@pytest.mark.parametrize(
    "answer, says",
    [
        (debit_first_without_a_transaction, "left half of it behind.*transaction.atomic"),
        (credit_first_without_a_transaction, "left half of it behind.*transaction.atomic"),
        (swallows_the_error, "returned as if it had worked"),
        (twice_the_amount, "left other balances"),
        (the_wrong_way_round, "30 from alice to carol, which breaks no rule, failed"),
    ],
)
def test_transfer_rejects_what_is_not_all_or_nothing(answer, says):
    with pytest.raises(CheckFailed, match=f"(?s){says}"):
        check.transfer(answer)
    reply, _packed = judged_outside(answer)  # the judge, from the kernel's record: the same ✗
    assert reply["status"] == "failed" and re.search(f"(?s){says}", reply["message"]), reply


def test_transfer_says_when_there_is_no_answer_yet():
    def stub(source, target, amount):
        raise NotImplementedError("Exercise transfer is yours")

    with pytest.raises(check.CheckFailed, match="no answer yet"):
        check.transfer(stub)
    assert judged_outside(stub)[0]["status"] == "not answered"


def test_transfer_turns_a_python_error_into_a_hint_and_leaves_the_search_path():
    before = sql("SHOW search_path")

    def typo(source, target, amount):
        return sqll("UPDATE accounts SET balance = 0")  # noqa: F821 - the learner's typo

    with pytest.raises(CheckFailed, match="raised NameError"):
        check.transfer(typo)
    reply, _packed = judged_outside(typo)
    assert reply["status"] == "failed" and "raised NameError" in reply["message"], reply
    assert sql("SHOW search_path") == before
    assert sql("SELECT count(*) FROM pg_namespace WHERE nspname = 'check_transfer'") == [(0,)]
    assert not connection.in_atomic_block


# ---------------------------------------------------------------- no_overlap

NO_OVERLAP = "ALTER TABLE maintenance ADD CONSTRAINT no_overlap EXCLUDE USING gist (during WITH &&)"


@pytest.mark.parametrize(
    "answer",
    [
        NO_OVERLAP,
        "alter table maintenance add exclude using gist (during with &&);",
        "ALTER TABLE maintenance ADD CONSTRAINT apart "
        "EXCLUDE USING gist (during WITH OPERATOR(pg_catalog.&&))",
        "ALTER TABLE maintenance\n  ADD CONSTRAINT apart\n  EXCLUDE USING spgist (during WITH &&)",
    ],
)
def test_no_overlap_accepts_an_exclusion_constraint_written_any_way(answer, capsys):
    check.no_overlap(answer)
    assert capsys.readouterr().out.startswith(
        "✓ no_overlap: PostgreSQL refused the 3 overlapping windows and accepted the 3"
    )


@pytest.mark.parametrize(
    "answer, says",
    [
        # equal windows only: an overlap gets in
        ("ALTER TABLE maintenance ADD UNIQUE (during)", "accepted although it overlaps"),
        ("ALTER TABLE maintenance ADD EXCLUDE USING gist (during WITH =)", "accepted although it overlaps"),
        # a rule on each row alone cannot compare two rows
        (
            "ALTER TABLE maintenance ADD CHECK (lower(during) < upper(during))",
            "accepted although it overlaps",
        ),
        # closed bounds: windows that only touch are refused
        (
            "ALTER TABLE maintenance ADD EXCLUDE USING gist "
            "(tstzrange(lower(during), upper(during), '[]') WITH &&)",
            "refused although it starts exactly when",
        ),
        # a rule that refuses every window
        ("ALTER TABLE maintenance ADD CHECK (false)", "the first window, into an empty table, was refused"),
        # PostgreSQL refuses these statements
        ("ALTER TABLE maintenance ADD EXCLUDE USING btree (during WITH &&)", "PostgreSQL refused"),
        ("ALTER TABLE scratch.maintenance ADD EXCLUDE USING gist (during WITH &&)", "PostgreSQL refused"),
        # not SQL of the kind asked for
        ("EXCLUDE USING gist (during WITH &&)", "ALTER TABLE statement"),
        (42, "ALTER TABLE statement"),
    ],
)
def test_no_overlap_rejects_what_lets_an_overlap_in_or_refuses_a_touching_window(answer, says):
    with pytest.raises(CheckFailed, match=says):
        check.no_overlap(answer)


def test_no_overlap_says_when_there_is_no_answer_yet():
    with pytest.raises(CheckFailed, match="no answer yet"):
        check.no_overlap(None)


def test_no_overlap_leaves_nothing_behind():
    check.no_overlap(NO_OVERLAP)
    tables = sql("SELECT count(*) FROM pg_class WHERE relname = 'maintenance' AND relpersistence = 'p'")
    assert tables == [(0,)]
