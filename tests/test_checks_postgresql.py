"""The checks of 03-postgresql-1-types and -2-engine accept the right answers and reject wrong ones."""

import pytest
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection

from workbook.checks import CheckFailed
from workbook.checks import postgresql as check

pytestmark = pytest.mark.django_db


def _files():
    from posts.models import File

    return File


# q1: live iPhone 15 files, through the GIN index


def test_q1_accepts_containment(seeded, capsys):
    check.q1(_files().objects.filter(metadata__contains={"camera": "iPhone 15"}))
    assert capsys.readouterr().out.startswith("✓ q1")


def test_q1_rejects_deleted_files(seeded):
    with pytest.raises(CheckFailed, match="deleted file"):
        check.q1(_files().all_objects.filter(metadata__contains={"camera": "iPhone 15"}))


def test_q1_rejects_a_key_lookup_the_index_cannot_answer(seeded):
    with pytest.raises(CheckFailed, match="GIN index"):
        check.q1(_files().objects.filter(metadata__camera="iPhone 15"))


def test_q1_rejects_a_text_search_on_the_document(seeded):
    with pytest.raises(CheckFailed, match="GIN index"):
        check.q1(_files().objects.filter(metadata__icontains="iphone 15"))


def test_q1_rejects_a_list_and_the_wrong_camera(seeded):
    with pytest.raises(CheckFailed, match="QuerySet of File"):
        check.q1(list(_files().objects.filter(metadata__contains={"camera": "iPhone 15"})))
    with pytest.raises(CheckFailed, match="not the live iPhone 15 files"):
        check.q1(_files().objects.filter(metadata__contains={"camera": "Galaxy S24"}))


def test_q1_without_an_answer():
    with pytest.raises(CheckFailed, match="no answer"):
        check.q1(None)


# q2: the rating domain


def test_q2_accepts_a_domain_from_1_to_5_not_null(capsys):
    check.q2("CREATE DOMAIN rating AS integer NOT NULL CHECK (VALUE >= 1 AND VALUE <= 5)")
    assert capsys.readouterr().out.startswith("✓ q2")


@pytest.mark.parametrize(
    "answer, message",
    [
        ("CREATE DOMAIN rating AS integer NOT NULL CHECK (VALUE BETWEEN 0 AND 5)", "0 accepted"),
        ("CREATE DOMAIN rating AS integer CHECK (VALUE BETWEEN 1 AND 5)", "NULL passes every CHECK"),
        ("CREATE DOMAIN rating AS integer NOT NULL CHECK (VALUE > 0)", "6 accepted"),
        ("CREATE DOMAIN rating AS text NOT NULL CHECK (VALUE IN ('1', '2', '3', '4', '5'))", "whole number"),
        ("CREATE DOMAIN score AS integer NOT NULL CHECK (VALUE BETWEEN 1 AND 5)", "no domain named rating"),
        ("CREATE DOMAIN rating AS integer CHEK (VALUE BETWEEN 1 AND 5)", "refused the statement"),
        ("CREATE TABLE rating (value integer)", "CREATE DOMAIN"),
    ],
)
def test_q2_rejects(answer, message):
    with pytest.raises(CheckFailed, match=message):
        check.q2(answer)


def test_q2_leaves_nothing_behind():
    check.q2("CREATE DOMAIN rating AS integer NOT NULL CHECK (VALUE BETWEEN 1 AND 5)")
    with check.scratch_transaction() as conn:
        assert (
            conn.execute("SELECT count(*) FROM pg_namespace WHERE nspname = 'workbook_check'").fetchone()[0]
            == 0
        )


# q3: an index the one-day query uses


def test_q3_accepts_an_index_on_taken_at(capsys):
    check.q3("CREATE INDEX readings_taken_at_idx ON readings (taken_at)")
    assert "readings_taken_at_idx" in capsys.readouterr().out


@pytest.mark.parametrize(
    "answer",
    [
        "CREATE INDEX CONCURRENTLY readings_taken_at_idx ON readings (taken_at)",
        "create index concurrently if not exists readings_day ON readings USING btree (taken_at, device_id)",
    ],
)
def test_q3_accepts_an_index_built_concurrently(answer, capsys):
    """Valid PostgreSQL the learner's own cell runs (outside a transaction) passes the check too."""
    check.q3(answer)
    assert capsys.readouterr().out.startswith("✓ q3")


@pytest.mark.parametrize(
    "answer, message",
    [
        ("CREATE INDEX readings_device_idx ON readings (device_id)", "does not use it"),
        ("CREATE INDEX readings_value_idx ON readings (value)", "does not use it"),
        ("ANALYZE readings; -- an index would do it", "no new index"),
        ("CREATE INDEX ON scratch.readings (taken_at)", "without a schema name"),
        ("SELECT 1", "CREATE INDEX statement"),
    ],
)
def test_q3_rejects(answer, message):
    with pytest.raises(CheckFailed, match=message):
        check.q3(answer)


def test_readings_are_the_same_every_time():
    with check.scratch_transaction() as conn:
        check.create_readings(conn, 2_000)
        rows = conn.execute("SELECT count(*), count(DISTINCT device_id), sum(value) FROM readings").fetchone()
    assert rows[0] == 2_000 and rows[1] == 1_000
    with check.scratch_transaction() as conn:
        check.create_readings(conn, 2_000)
        assert conn.execute("SELECT sum(value) FROM readings").fetchone()[0] == rows[2]


# q4: full-text search, best match first


def _search(*, ordered=True, words="beach or sunsets or snow"):
    from posts.models import Post

    query = SearchQuery(words, search_type="websearch", config="english")
    queryset = Post.objects.annotate(
        rank=SearchRank(SearchVector("content", config="english"), query)
    ).filter(rank__gt=0)
    return queryset.order_by("-rank") if ordered else queryset


def test_q4_accepts_ranked_search(seeded, capsys):
    check.q4(_search())
    assert capsys.readouterr().out.startswith("✓ q4")


def test_q4_truth_is_computed_from_the_database(seeded):
    from posts.models import Post

    def contents():
        return [Post.objects.get(pk=pk).content for pk in check.search_truth()]

    assert contents() == ["Sunset at Haeundae beach", "First snow in Seoul"]
    kimchi = Post.objects.get(content="Homemade kimchi jjigae")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE posts_post SET content = 'Snow and sunsets at the beach' WHERE id = %s", [kimchi.pk]
        )
    assert contents()[0] == "Snow and sunsets at the beach"


def test_q4_rejects_the_default_order(seeded):
    with pytest.raises(CheckFailed, match="wrong order"):
        check.q4(_search(ordered=False))


def test_q4_rejects_icontains(seeded):
    from posts.models import Post

    with pytest.raises(CheckFailed, match="stems words"):
        check.q4(Post.objects.filter(content__icontains="sunsets"))


def test_q4_rejects_all_words_required(seeded):
    with pytest.raises(CheckFailed, match="not the posts"):
        check.q4(_search(words="beach sunsets"))


def test_q4_rejects_a_list(seeded):
    with pytest.raises(CheckFailed, match="QuerySet of Post"):
        check.q4(list(_search()))


# q1 does not depend on the planner's statistics: the same verdicts after ANALYZE (what autovacuum
# does about a minute after a reset) as before it


Q1_RIGHT = [
    lambda File: File.objects.filter(metadata__contains={"camera": "iPhone 15"}),
    lambda File: File.all_objects.filter(metadata__contains={"camera": "iPhone 15"}, is_deleted=False),
    lambda File: File.objects.filter(metadata__contains={"camera": "iPhone 15"}).order_by("id"),
]
Q1_WRONG = [
    (lambda File: File.objects.filter(metadata__camera="iPhone 15"), "GIN index"),
    (lambda File: File.objects.filter(pk__in=[4, 8, 9, 10]), "GIN index"),
    (lambda File: File.all_objects.filter(metadata__contains={"camera": "iPhone 15"}), "deleted file"),
    (lambda File: File.objects.filter(metadata__icontains="iphone 15"), "GIN index"),
    (lambda File: File.objects.filter(metadata__contains={"camera": "iPhone 15"}).values(), "dicts"),
]


@pytest.mark.parametrize("analyzed", [False, True], ids=["before ANALYZE", "after ANALYZE"])
def test_q1_verdicts_do_not_depend_on_statistics(seeded, capsys, analyzed):
    if analyzed:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE posts_file")
    File = _files()
    for make in Q1_RIGHT:
        check.q1(make(File))
        assert capsys.readouterr().out.startswith("✓ q1")
    for make, message in Q1_WRONG:
        with pytest.raises(CheckFailed, match=message):
            check.q1(make(File))


def test_q2_names_the_equivalent_whole_number_types():
    with pytest.raises(CheckFailed, match="smallint, integer or bigint") as failure:
        check.q2("CREATE DOMAIN rating AS numeric NOT NULL CHECK (VALUE BETWEEN 1 AND 5)")
    assert "numeric" in str(failure.value)
    for kind in ("smallint", "integer", "bigint", "int4"):
        check.q2(f"CREATE DOMAIN rating AS {kind} NOT NULL CHECK (VALUE BETWEEN 1 AND 5)")


def test_q3_never_leaves_an_index_on_another_table(seeded):
    """Only the TEMP table's CONCURRENTLY statement runs outside a transaction: an index on a real
    table is refused and rolled back, never kept."""
    from django.db import connection

    with pytest.raises(CheckFailed):
        check.q3("CREATE INDEX CONCURRENTLY probe_q3_idx ON posts_post (created_at)")
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_indexes WHERE indexname = 'probe_q3_idx'")
        assert cursor.fetchone()[0] == 0


def test_q4_rejects_id_order_and_ids_written_out(seeded):
    """The seed's best match has the smaller id: id order, or its ids typed in, pass there only."""
    from posts.models import Post

    with pytest.raises(CheckFailed, match="right on the notebook's rows only"):
        check.q4(_search(ordered=False).order_by("id"))
    ids = check.search_truth()
    with pytest.raises(CheckFailed, match="right on the notebook's rows only"):
        check.q4(_search().filter(pk__in=ids))
    with pytest.raises(CheckFailed, match="right on the notebook's rows only"):
        check.q4(
            Post.all_objects.annotate(rank=_search().query.annotations["rank"])
            .filter(rank__gt=0)
            .order_by("-rank")
        )
