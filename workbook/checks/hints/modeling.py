"""Hints and "why it works" lines for 04-data-modeling."""

HINTS = {
    "q1": [
        "Read Like in project/posts/models.py: two ForeignKeys, SoftDeleteModel, a partial UniqueConstraint.",
        'class Meta: app_label = "lab"; constraints = [models.UniqueConstraint(fields=["user", "post"], '
        'condition=Q(is_deleted=False), name="one_live_bookmark_per_user_and_post")]',
        "migration = own_model.makemigrations(Bookmark); print(own_model.sqlmigrate(migration)); "
        "own_model.migrate(migration); then Bookmark.objects.create(...) twice.",
    ],
    "q2": [
        "pg_indexes has one row per index, with its CREATE statement in indexdef.",
        "Filter on tablename = 'posts_like', a definition starting with CREATE UNIQUE and containing WHERE.",
    ],
    "q3": [
        "all_objects sees deleted rows too; count each kind pointing at post 4.",
        "File.all_objects.filter(post_id=4).count(), and the same for Like and Comment, in a dict.",
    ],
    "q4": [
        "Get bob's live like on post 1 with Like.objects and call delete() on it.",
        "Then Like.objects.create(user=bob, post_id=1), and count with Like.all_objects.",
    ],
}

WHY = {
    "q1": "the UniqueConstraint with a condition became a partial unique index: PostgreSQL itself "
    "refuses a second live row, whatever program writes it.",
    "q2": "a UNIQUE constraint cannot have a WHERE, so the rule is an index and lives in pg_indexes.",
    "q3": "a hard delete would have to remove every one of those rows first, or PROTECT refuses it.",
    "q4": "the partial index covers live rows only: the cancelled like stays as history beside the new one.",
}
