"""Hints and "why it works" lines for 06-rest-api."""

from ...i18n import N_

HINTS = {
    "q1": [
        N_("The list is GET /api/posts/; pages are chosen in the query string."),
        N_('page picks the page and page_size its length: as_carol.get("/api/posts/?page=2&page_size=2")'),
    ],
    "q2": [
        N_('POST to /api/posts/ with a JSON body: the text and a list of files (format="json").'),
        '{"content": "...", "files": [{"type": "video", "url": "https://..."}]}',
        'as_bob.post("/api/posts/", {...}, format="json")',
    ],
    "q3": [
        N_("401: who are you? 403: you may not. 404: no such thing here. 400: what you sent is wrong."),
        N_("A deleted post is invisible to the API; a like that is already there is not an error."),
    ],
    "q4": [
        N_("count_queries() counts the statements a block sends: wrap one request in it."),
        N_('with count_queries() as counted: as_alice.get("/api/posts/?page_size=5"), then counted.count'),
    ],
    "q5": [
        N_("An admin action says which permissions it needs; look at restore_selected in core/admin.py."),
        N_("The admin shows the list to a user who may view or change; does the restorer need both?"),
    ],
}

WHY = {
    "q1": N_(
        "the paginator turned page and page_size into LIMIT 2 OFFSET 2 on the feed's order, newest first."
    ),
    "q2": N_(
        "the serializer checked the nested files, and post_create() wrote the post and its file in one "
        "transaction."
    ),
    "q3": N_(
        "DRF answers 401 without credentials, 403 when the permission refuses, 404 for a deleted row the "
        "manager hides, 400 for invalid data; a repeated like returns the existing one."
    ),
    "q4": N_(
        "one COUNT for the paginator, one SELECT with the authors joined, one prefetch for the files: "
        "none grows with the page."
    ),
    "q5": N_(
        "@admin.action(permissions=['change']) offers the action only to users with change_post, and the "
        "admin lets a user who may change also view the list."
    ),
}
