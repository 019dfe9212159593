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
        N_(
            "Start from the like table's index in the DDL above: CREATE UNIQUE INDEX ... ON posts_like "
            "(user_id, post_id) WHERE NOT is_deleted. Which columns make a file's place in a post?"
        ),
        N_(
            "CREATE UNIQUE INDEX a_name_of_yours ON posts_file (post_id, position) WHERE ..., with the "
            "same WHERE as the like table's index."
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
    "q2": N_(
        "the WHERE makes the index partial: a deleted file leaves the index, so its position is free "
        "again, and PostgreSQL refuses a second live one whatever program writes it."
    ),
    "q3": N_("a hard delete would have to remove every one of those rows first, or PROTECT refuses it."),
    "q4": N_(
        "the partial index covers live rows only: the cancelled like stays as history beside the new one."
    ),
}
