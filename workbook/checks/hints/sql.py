"""Hints and "why it works" lines for 07-sql (the ORM beside each answer is in checks/sql.py)."""

from ...i18n import N_

HINTS = {
    "q1": [
        N_(
            "WHERE takes two conditions joined by AND: the post is live, and its content matches "
            "'seoul' in any case; then ORDER BY the time it was created, newest first."
        ),
        N_("ILIKE matches without regard to case; % stands for any text; NOT is_deleted keeps live posts."),
        "SELECT id, content FROM posts_post WHERE NOT is_deleted AND content ILIKE '%seoul%' ORDER BY ...",
    ],
    "q2": [
        N_("The username lives in auth_user; posts_post.author_id points at auth_user.id."),
        "FROM posts_post p JOIN auth_user u ON u.id = p.author_id WHERE NOT p.is_deleted",
        N_("ORDER BY u.username, p.created_at: the second column breaks the ties of the first."),
    ],
    "q3": [
        N_("Every user, even one without a profile: start FROM auth_user and LEFT JOIN accounts_profile."),
        N_("A condition in WHERE runs after the join and throws away the NULL rows the LEFT JOIN kept."),
        "LEFT JOIN accounts_profile pr ON pr.user_id = u.id AND NOT pr.is_deleted",
    ],
    "q4": [
        N_("Join posts_like to posts_post (the liked post) and on to auth_user (its author)."),
        N_("WHERE filters rows before GROUP BY; HAVING filters the groups after it."),
        "... WHERE NOT l.is_deleted GROUP BY u.username HAVING COUNT(*) >= 2 ORDER BY 2 DESC, 1",
    ],
    "q5": [
        N_("A window function numbers rows without folding them into groups: row_number() OVER (...)."),
        N_(
            "PARTITION BY starts the numbering again for each author; "
            "ORDER BY inside OVER says in which order."
        ),
        "row_number() OVER (PARTITION BY p.author_id ORDER BY p.created_at DESC) AS n",
    ],
    "q6": [
        N_("The day in Seoul: (created_at AT TIME ZONE 'Asia/Seoul')::date; GROUP BY it and COUNT(*)."),
        N_("A window runs after GROUP BY, so it can sum the counts: SUM(COUNT(*)) OVER (...)."),
        "SUM(COUNT(*)) OVER (ORDER BY (created_at AT TIME ZONE 'Asia/Seoul')::date)",
    ],
    "q7": [
        N_(
            "Two steps: count each live post's live likes (a LEFT JOIN keeps posts with none), "
            "then pick one per author."
        ),
        "WITH counted AS (...), ranked AS (SELECT ..., row_number() OVER (...) AS n FROM counted) SELECT ...",
        "row_number() OVER (PARTITION BY author_id ORDER BY likes DESC, created_at DESC) ... WHERE n = 1",
    ],
}

WHY = {
    "q1": N_(
        "WHERE keeps the rows for which every condition is true; ORDER BY created_at DESC puts the "
        "newest first."
    ),
    "q2": N_(
        "an INNER JOIN pairs each post with its one author; a post without one would be dropped, and "
        "author_id is NOT NULL, so none is."
    ),
    "q3": N_(
        "a LEFT JOIN keeps every user and fills NULL where no profile matches the ON clause, whose "
        "condition decides which profile may match."
    ),
    "q4": N_(
        "WHERE drops cancelled likes before the grouping, GROUP BY makes one row per author, HAVING "
        "keeps the groups with two or more."
    ),
    "q5": N_(
        "a window function sees the rows around each row (its partition) and keeps every row, where "
        "GROUP BY would fold them into one."
    ),
    "q6": N_(
        "the window runs after GROUP BY, over the days in order: each row sums the counts up to its own."
    ),
    "q7": N_(
        "each CTE is a named step the next one reads; the LEFT JOIN keeps posts with no like, and "
        "row_number() = 1 keeps one post per author."
    ),
}
