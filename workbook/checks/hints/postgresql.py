"""Hints and "why it works" lines for 03-postgresql-1-types and 03-postgresql-2-engine."""

from ...i18n import N_

HINTS = {
    # 03 part 1
    "q1": [
        N_('A GIN index on a jsonb column answers containment, `@>`: "does this document contain that one?"'),
        N_("In the ORM that is the `contains` lookup on the JSONField, with a dict."),
        'File.objects.filter(metadata__contains={"camera": "iPhone 15"})',
    ],
    "q2": [
        N_(
            "A domain is a type with a name and rules: CREATE DOMAIN name AS base_type, then its constraints."
        ),
        N_("A small whole number is smallint; NOT NULL and CHECK (VALUE BETWEEN 1 AND 5) are the rules."),
    ],
    "q4": [
        N_('A SearchVector over content and a SearchQuery, both with config="english" so words are stemmed.'),
        N_('search_type="websearch" reads "beach or sunsets or snow" as three words joined by OR.'),
        N_('annotate(rank=SearchRank(vector, query)), keep rank__gt=0, then order_by("-rank").'),
    ],
    # 03 part 2
    "predict_visibility": [
        N_(
            "Outside a transaction each statement sees what was committed when it started; "
            "nothing uncommitted."
        ),
        N_(
            "REPEATABLE READ takes its snapshot at its first query and keeps it until it ends, whatever "
            "others commit meanwhile."
        ),
    ],
    "q3": [
        N_("The query filters on taken_at only: an index must start with that column."),
        N_("A B-tree keeps the values sorted, so a range (>= and <) is a short walk in it."),
        "CREATE INDEX readings_taken_at_idx ON readings (taken_at)",
    ],
    "transfer": [
        N_("Two UPDATE statements, one per account: the source's balance goes down, the target's up."),
        N_("Both go inside one `with transaction.atomic():` block; do not catch the error inside it."),
    ],
    "no_overlap": [
        N_(
            "A UNIQUE constraint refuses only equal values; an exclusion constraint refuses any two rows "
            "for which an operator is true: "
            "ALTER TABLE maintenance ADD EXCLUDE USING method (column WITH operator)."
        ),
        N_("The operator is &&, overlap; the index method that supports it for ranges is gist."),
        "ALTER TABLE maintenance ADD CONSTRAINT no_overlap EXCLUDE USING gist (during WITH &&)",
    ],
}

WHY = {
    "q1": N_(
        "metadata__contains became jsonb's @> operator, which the GIN index on metadata supports; a "
        "lookup by key (->) is not one of its operators."
    ),
    "q2": N_("a domain carries its rules with it: every column of type rating checks them on every write."),
    "q4": N_(
        "the english configuration stems each word (sunsets → sunset), websearch's or builds an OR "
        "query, and ts_rank orders by how well each post matches."
    ),
    "predict_visibility": N_(
        "autocommit reads what is committed when each statement starts; REPEATABLE READ "
        "keeps one snapshot until its transaction ends."
    ),
    "q3": N_(
        "a B-tree on taken_at holds the timestamps in order: PostgreSQL reads one day's range in it "
        "instead of every row."
    ),
    "transfer": N_(
        "atomic() made both UPDATEs one transaction: the CHECK's error rolled back the first too, "
        "and went on to the caller."
    ),
    "no_overlap": N_(
        "EXCLUDE USING gist (during WITH &&) looks up each new window in a GiST index on during and "
        "refuses it when && finds one it overlaps; [start, end) ranges that only touch do not overlap."
    ),
}
