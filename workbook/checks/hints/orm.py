"""Hints and "why it works" lines for 05-orm-exercises (and 00's warm-up)."""

from ...i18n import N_

HINTS = {
    "warmup": [
        N_("User.objects gives every user; you want their usernames, sorted."),
        N_('values_list("username", flat=True) gives plain strings; order_by("username") sorts them.'),
        'list(User.objects.order_by("username").values_list("username", flat=True))',
    ],
    "q1": [
        N_("Each post needs a File row pointing at it; post_create() makes the post and its files together."),
        'post_create(author=bob, content="...", files=[{"type": "image", "url": "https://..."}])',
        N_("Read the three choices again: which one says where the rule 'one or more files' is written?"),
    ],
    "q2": [
        N_("__str__ returns a str; self is one post: self.pk, self.author.username, self.content."),
        "return f'Post #{self.pk} by {self.author.username}: \"{self.content[:30]}\"'",
        "answer = ReadablePost.objects.filter(pk__in=[post.pk for post in new_posts])",
    ],
    "q3": [
        N_(
            "Start from Post.objects, which sees live posts only (Post.all_objects sees deleted ones too), "
            "and filter() on the author's username: a double underscore follows the relation."
        ),
        'Post.objects.filter(author__username="carol")',
    ],
    "q4": [N_("exclude() is filter() turned around."), 'Post.objects.exclude(author__username="carol")'],
    "q5": [
        N_("Wrap each condition in Q(...); | is OR, & is AND, ~ is NOT."),
        'Q(author__username="alice") | Q(content__icontains="seoul"), then & ~Q(content__icontains="namsan")',
        N_("Mind the parentheses: (A | B) & ~C."),
    ],
    "q6": [
        N_("Start from Like; follow like → post → author with double underscores."),
        'Like.objects.filter(post__author__username__in=["alice", "carol"])',
    ],
    "q7": [
        N_("Compare days, not datetimes: the __date transform turns created_at into a Seoul date."),
        N_("created_at__date__range=(date(2026, 3, 4), date(2026, 3, 6)) includes both ends."),
    ],
    "q8": [
        N_("order_by() takes several fields: the first sorts, the next breaks ties; '-' for descending."),
        'Post.objects.order_by("author__username", "-created_at")[:4]',
    ],
    "q9": [
        N_("annotate(n_likes=Count(...)) adds a number per post; count only live likes."),
        N_('Count("likes", filter=Q(likes__is_deleted=False)), then order_by("-n_likes", "id")'),
    ],
    "q10": [
        N_("aggregate() returns one dict for the whole QuerySet."),
        'Like.objects.aggregate(likes=Count("id"), likers=Count("user", distinct=True))',
    ],
    "q11": [
        N_("The author is a foreign key (a join); the files are a to-many relation (one more query)."),
        'Post.objects.select_related("author").prefetch_related("files")',
    ],
    "q12": [
        N_("update() on a QuerySet sends one UPDATE; F() names a column so PostgreSQL does the sum."),
        'File.objects.filter(post_id=6).update(position=F("position") + 1)',
    ],
    "q13": [
        N_("Which manager sees live likes only? Call get_or_create on it."),
        N_("Like.objects.get_or_create(user=bob, post_id=4) returns (like, created)."),
    ],
    "q14": [
        N_("delete() on the model instance soft-deletes; the default manager then cannot see it."),
        N_("Post.objects.get(pk=2).delete(), then Post.all_objects.deleted()"),
    ],
    "q15": [
        N_("Post.objects cannot find a deleted post; Post.all_objects can."),
        "restored = Post.all_objects.get(pk=2); restored.restore()",
    ],
    "q16": [
        N_("Both create() calls go inside one `with transaction.atomic():` block."),
        N_("The try/except IntegrityError goes around the with block, not inside it."),
        N_("An empty comment (content='') breaks the CHECK constraint comment_content_not_empty."),
    ],
    "q17": [
        N_("values_list with one field and flat=True gives plain values."),
        'Comment.objects.filter(post_id=4).values_list("user__username", flat=True)',
    ],
    "q18": [
        N_("exists() answers True or False with SELECT 1 ... LIMIT 1."),
        'Comment.objects.filter(user__username="bob", post_id=4).exists()',
    ],
    "q19": [
        N_("Filter users across likes → post → author; add likes__is_deleted=False in the same filter()."),
        N_("A join repeats a user per matching like: .distinct() keeps one; then order_by('username')."),
    ],
    "q20": [
        N_("annotate(n_likes=Count('likes', filter=Q(likes__is_deleted=False))), then order and slice."),
        N_('order_by("-n_likes", "-created_at")[:3]; select_related("author") keeps it one query.'),
    ],
    "q21": [
        N_("values_list('user__username') then annotate(n=Count('id')) groups by username."),
        'dict(Comment.objects.values_list("user__username").annotate(n=Count("id")).order_by("user__username"))',
    ],
}

WHY = {
    "warmup": N_(
        "order_by() and values_list() became one SELECT username ... ORDER BY username: PostgreSQL "
        "sorted, Python only made the list."
    ),
    "q1": N_(
        "post_create() writes the post and its files in one transaction; nothing in PostgreSQL counts "
        "a post's files, so only code that goes through the rule (the serializer, the service) keeps it."
    ),
    "q2": N_(
        "a QuerySet's repr calls __str__ on each row; Django's default knows only the class and the id."
    ),
    "q3": N_("filter() added a WHERE clause, and the default manager its NOT is_deleted."),
    "q4": N_("exclude() wrapped the condition in WHERE NOT (...)."),
    "q5": N_("Q objects build the boolean expression of the WHERE clause as you write it."),
    "q6": N_("each double underscore is a JOIN; __in is SQL's IN (...)."),
    "q7": N_("__date converts each timestamp to a Seoul date in SQL before comparing whole days."),
    "q8": N_("order_by() became ORDER BY with both keys, and the slice LIMIT 4."),
    "q9": N_("Count with filter= became COUNT(...) FILTER (WHERE NOT is_deleted) per GROUP BY post."),
    "q10": N_("aggregate() ran one SELECT with two aggregates over every live like."),
    "q11": N_(
        "select_related joined the authors into the posts' query; prefetch_related got all files at once."
    ),
    "q12": N_("F('position') + 1 was computed by PostgreSQL, row by row, in one UPDATE: no lost update."),
    "q13": N_("Like.objects only looks at live likes, so the cancelled row did not count as a match."),
    "q14": N_("delete() only set is_deleted and deleted_at; all_objects still sees the row."),
    "q15": N_("restore() brought back the rows deleted with the post (same deleted_at), and only those."),
    "q16": N_("atomic() rolled back the post with the refused comment: all or nothing."),
    "q17": N_("values_list(flat=True) selected one column and built no Comment objects."),
    "q18": N_("exists() stops at the first row: the cheapest way to ask whether there is one."),
    "q19": N_("distinct() became SELECT DISTINCT, removing the repeats the join made."),
    "q20": N_("annotate, order_by and the slice became one query with GROUP BY, ORDER BY and LIMIT 3."),
    "q21": N_("values_list() before annotate() groups by those values: GROUP BY username."),
}
