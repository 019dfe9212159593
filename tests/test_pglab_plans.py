"""workbook.pglab's answers that notebooks print: the same on every run, whatever the statistics."""

import pytest
from django.db import connection

from posts.models import File
from workbook.pglab import indexes_in_plan

# What autovacuum does some time after the seed, and what made a notebook's output change: with
# statistics, reading the B-tree index on post_id in full (the ORDER BY's order) looks cheaper.
SKEWED = ["ANALYZE posts_file"]


@pytest.mark.parametrize("skewed", [False, True])
def test_indexes_in_plan_answers_whether_the_gin_index_can_answer(seeded, skewed):
    if skewed:
        with connection.cursor() as cursor:
            for statement in SKEWED:
                cursor.execute(statement)
    by_key = File.objects.filter(metadata__tags__contains=["seoul"])
    by_containment = File.objects.filter(metadata__contains={"tags": ["seoul"]})
    has_key = File.objects.filter(metadata__has_key="duration_s")
    assert "file_metadata_gin" not in indexes_in_plan(by_key)
    assert "file_metadata_gin" in indexes_in_plan(by_containment)
    assert "file_metadata_gin" in indexes_in_plan(has_key)
