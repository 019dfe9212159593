"""06's checks hold what the text says (an https:// URL) and judge a counted number by its cell run
again (as a kernel's runner does) with the list endpoint's cost changed: a number typed in, or one
counted on another endpoint of the same cost, fails."""

import pytest

from workbook.checks import CheckFailed, _runner
from workbook.checks import api as check
from workbook.display import count_queries


@pytest.fixture
def cell(seeded, monkeypatch):
    namespace = {
        "count_queries": count_queries,
        "as_alice": check.client_for("alice"),
        "as_bob": check.client_for("bob"),
    }
    history = []

    def run(source: str):
        exec(source, namespace)
        history.insert(0, source)
        return namespace

    monkeypatch.setattr(_runner, "cell_sources", lambda: ["check.q4(list_queries)", *history])
    monkeypatch.setattr(_runner, "user_namespace", lambda: namespace)
    return run


def test_q2_refuses_an_http_url(seeded):
    response = check.client_for("bob").post(
        "/api/posts/",
        {"content": "Night run", "files": [{"type": "video", "url": "http://media.example.com/run.mp4"}]},
        format="json",
    )
    with pytest.raises(CheckFailed, match="https://"):
        check.q2(response)


RIGHT = """with count_queries() as counted:
    as_alice.get("/api/posts/?page_size=5")
list_queries = counted.count
"""


def test_q4_takes_the_count_its_cell_measures(cell, capsys):
    check.q4(cell(RIGHT)["list_queries"])
    assert capsys.readouterr().out.startswith("✓ q4")


def test_q4_refuses_a_number_typed_in(cell):
    number = check.list_query_count(5)
    with pytest.raises(CheckFailed, match="run again"):
        check.q4(cell(f"list_queries = {number}\n")["list_queries"])


def test_q4_refuses_a_count_of_another_endpoint_of_the_same_cost(cell):
    expected = check.list_query_count(5)
    for path in ("/api/posts/1/", "/api/users/", "/api/posts/1/comments/", "/api/me/"):
        namespace = cell(RIGHT.replace("/api/posts/?page_size=5", path))
        if namespace["list_queries"] == expected:
            break
    else:
        pytest.skip("no other endpoint costs as many queries here")
    with pytest.raises(CheckFailed, match="run again"):
        check.q4(namespace["list_queries"])
