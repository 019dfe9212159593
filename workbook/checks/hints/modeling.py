"""Hints and "why it works" lines for 04-data-modeling."""

from ...i18n import N_

HINTS = {
    "q1": [
        N_(
            "Read Like in project/posts/models.py: two ForeignKeys, SoftDeleteModel, a partial "
            "UniqueConstraint."
        ),
        N_(
            'class Meta: app_label = "lab"; constraints = [models.UniqueConstraint(fields=["user", "post"], '
            'condition=Q(is_deleted=False), name="one_live_bookmark_per_user_and_post")]'
        ),
        N_(
            "migration = own_model.makemigrations(Bookmark); print(own_model.sqlmigrate(migration)); "
            "own_model.migrate(migration); then Bookmark.objects.create(...) twice."
        ),
    ],
    "q2": [
        N_("pg_indexes has one row per index, with its CREATE statement in indexdef."),
        N_(
            "Filter on tablename = 'posts_like', a definition starting with CREATE UNIQUE and "
            "containing WHERE."
        ),
    ],
    "q3": [
        N_("all_objects sees deleted rows too; count each kind pointing at post 4."),
        N_("File.all_objects.filter(post_id=4).count(), and the same for Like and Comment, in a dict."),
    ],
    "q4": [
        N_("Get bob's live like on post 1 with Like.objects and call delete() on it."),
        N_("Then Like.objects.create(user=bob, post_id=1), and count with Like.all_objects."),
    ],
}

WHY = {
    "q1": N_(
        "the UniqueConstraint with a condition became a partial unique index: PostgreSQL itself "
        "refuses a second live row, whatever program writes it."
    ),
    "q2": N_("a UNIQUE constraint cannot have a WHERE, so the rule is an index and lives in pg_indexes."),
    "q3": N_("a hard delete would have to remove every one of those rows first, or PROTECT refuses it."),
    "q4": N_(
        "the partial index covers live rows only: the cancelled like stays as history beside the new one."
    ),
}
