"""The rows checks add for a moment take ids from their module's block only, so two modules' rows
never meet on one id (07-sql adds its rows beside the ORM checks' in one transaction)."""

import pytest
from django.apps import apps

from workbook.checks import _orm_probe, modeling, postgresql, sql
from workbook.checks._probe import PROBE_IDS, rolled_back

LOWEST = min(block.start for block in PROBE_IDS.values())


def probe_ids() -> dict[str, set[int]]:
    """Every row's id at or above the lowest block, by table."""
    found = {}
    for model in apps.get_models():
        manager = getattr(model, "all_objects", model._default_manager)
        ids = set(manager.filter(pk__gte=LOWEST).values_list("pk", flat=True))
        if ids:
            found[model._meta.db_table] = ids
    return found


def test_the_blocks_do_not_overlap():
    blocks = sorted(PROBE_IDS.values(), key=lambda block: block.start)
    for lower, upper in zip(blocks, blocks[1:], strict=False):
        assert lower.stop <= upper.start, (lower, upper)


# Each module's rows, and the blocks they may use: 07-sql's include the ORM checks' rows.
ADDERS = {
    "orm": (_orm_probe.add_rows, ["orm"]),
    "sql": (sql.add_rows, ["orm", "sql"]),
    "modeling": (modeling._add_probe_rows, ["modeling"]),
    "postgresql": (postgresql._add_search_posts, ["postgresql"]),
}


@pytest.mark.parametrize("name", sorted(ADDERS))
def test_each_module_adds_rows_inside_its_block_only(seeded, name):
    add, blocks = ADDERS[name]
    assert probe_ids() == {}, "the seed has rows in the probe blocks"
    with rolled_back():
        add()
        added = probe_ids()
    assert added, f"{name} added no row"
    outside = {
        table: sorted(i for i in ids if not any(i in PROBE_IDS[block] for block in blocks))
        for table, ids in added.items()
    }
    assert not any(outside.values()), outside
    if name == "sql":  # its own rows, not only the ORM checks'
        assert any(i in PROBE_IDS["sql"] for ids in added.values() for i in ids), added


def test_the_sql_rows_and_the_orm_rows_share_no_id(seeded):
    """07-sql's rows beside the ORM checks' ones: a collision would be an IntegrityError here."""
    with rolled_back():
        _orm_probe.add_rows()
        orm = probe_ids()
    with rolled_back():
        sql.add_rows()
        both = probe_ids()
    for table, ids in orm.items():
        assert ids <= both[table], table
    assert sum(map(len, both.values())) > sum(map(len, orm.values()))
