"""A function judged by what it returns leaves the kernel as its calls, and is judged outside it.

01's `parse_image_name` and `waits_for`, and 02-cicd's `run_order` are functions of plain data
(`@judged_on_returns` on their checks). The grader runs the check once in the kernel with the
function's every call recorded and hands the calls out (arguments, and what came back); the judge
runs the same check on a stand-in that gives those results back (`judge.Replay`). So a right
function passes written any way, a wrong one fails with the check's own ✗, and nothing done in the
kernel passes it but results that are right for the check's inputs.
"""

import pytest
from grading_helpers import kernel_hands_out

from workbook.authoring import judge
from workbook.checks import _base, cicd, docker

PARSE = """
def parse_image_name(name):
    rest, _, digest = name.partition("@")
    first, slash, remainder = rest.partition("/")
    if slash and ("." in first or ":" in first or first == "localhost"):
        registry, path = first, remainder
    else:
        registry, path = "docker.io", rest
    tag = None
    if path.rfind(":") > path.rfind("/"):
        path, tag = path.rsplit(":", 1)
    if registry == "docker.io" and "/" not in path:
        path = "library/" + path
    namespace, _, image = path.rpartition("/")
    if tag is None and not digest:
        tag = "latest"
    return {"registry": registry, "namespace": namespace or None, "name": image, "tag": tag,
            "digest": digest or None}
"""
# The same answer written another way: a regular expression, an OrderedDict, keys in another order.
PARSE_REGEX = r"""
import collections, re

def parse_image_name(name):
    m = re.fullmatch(
        r"(?:(?P<reg>[^/]*[.:][^/]*|localhost)/)?(?P<path>[^:@]+)(?::(?P<tag>[^@]+))?(?:@(?P<digest>.+))?",
        name,
    )
    path = m["path"]
    registry = m["reg"] or "docker.io"
    if registry == "docker.io" and "/" not in path:
        path = "library/" + path
    parts = path.split("/")
    return collections.OrderedDict(
        digest=m["digest"], tag=m["tag"] or (None if m["digest"] else "latest"),
        name=parts[-1], namespace="/".join(parts[:-1]) or None, registry=registry)
"""
WAITS_FOR = """
def waits_for(compose, service):
    found = set()
    pending = list(compose["services"][service].get("depends_on") or [])
    while pending:
        name = pending.pop()
        if name not in found:
            found.add(name)
            pending.extend(compose["services"][name].get("depends_on") or [])
    return found
"""
# Recursion and a sorted list instead of a set.
WAITS_FOR_RECURSIVE = """
def waits_for(compose, service):
    direct = compose["services"][service].get("depends_on") or []
    found = set(direct)
    for name in direct:
        found |= set(waits_for(compose, name))
    return sorted(found)
"""
RUN_ORDER = """
def run_order(workflow):
    pending = dict(workflow["jobs"])
    order = []
    while pending:
        ready = [job_id for job_id, job in pending.items() if all(n in order for n in files.needs(job))]
        if not ready:
            raise ValueError(f"these jobs need each other: {sorted(pending)}")
        for job_id in ready:
            order.append(job_id)
            del pending[job_id]
    return order
"""
# Depth first, a tuple.
RUN_ORDER_DEPTH_FIRST = """
def run_order(workflow):
    jobs, done = workflow["jobs"], []
    def visit(job_id):
        needs = jobs[job_id].get("needs") or []
        for needed in [needs] if isinstance(needs, str) else needs:
            visit(needed)
        if job_id not in done:
            done.append(job_id)
    for job_id in jobs:
        visit(job_id)
    return tuple(done)
"""

CASES = {
    "q1": ("docker", "parse_image_name", PARSE, PARSE_REGEX),
    "q3": ("docker", "waits_for", WAITS_FOR, WAITS_FOR_RECURSIVE),
    "q2": ("cicd", "run_order", RUN_ORDER, RUN_ORDER_DEPTH_FIRST),
}


def kernel_packs(module: str, variable: str, source: str, before: str = "") -> list:
    """The exercise cell (after `before`, a forging cell) and the grader's extraction cell, run as a
    kernel runs them, in `__main__`'s namespace: what the judge is handed."""
    from workbook import files

    name = next(n for n, (m, v, *_) in CASES.items() if (m, v) == (module, variable))
    packed, _statements = kernel_hands_out(
        {"files": files}, variable, module, name, cells=before + "\n" + source
    )
    return packed


def judged(module: str, name: str, packed) -> dict:
    return judge.judge(module, name, packed, [])


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_right_function_is_judged_outside_the_kernel_written_either_way(name):
    module, variable, right, other = CASES[name]
    check = getattr({"docker": docker, "cicd": cicd}[module], name)
    assert check.judged_on_returns and not _base.kernel_reason(check)
    for source in (right, other):
        packed = kernel_packs(module, variable, source)
        assert packed[0][0] == "calls" and packed[0][1], packed[0][:1]
        assert all(type(arguments) is tuple for arguments, _outcome in packed[0][1])
        assert judged(module, name, packed) == {"status": "passed", "message": ""}, source


@pytest.mark.parametrize(
    ("name", "source", "status", "says"),
    [
        (
            "q1",
            PARSE.replace('tag = "latest"', "pass"),
            "failed",
            "no tag and no digest means the tag 'latest'",
        ),
        ("q1", PARSE.replace('"namespace"', '"repository"'), "failed", "has no key 'namespace'"),
        ("q1", "def parse_image_name(name):\n    return name.split(':')", "failed", "should return a dict"),
        ("q1", "def parse_image_name(name):\n    raise NotImplementedError", "not answered", "no answer yet"),
        ("q1", "def parse_image_name(name):\n    return 1 / 0", "failed", "raised ZeroDivisionError"),
        (
            "q3",
            "def waits_for(compose, service):\n"
            "    return set(compose['services'][service].get('depends_on') or [])",
            "failed",
            "follow depends_on further",
        ),
        (
            "q3",
            "def waits_for(compose, service):\n    return iter(())",
            "failed",
            "return a set of service names",
        ),
        ("q2", "def run_order(workflow):\n    return list(workflow['jobs'])", "failed", "comes before"),
        (
            "q2",
            "def run_order(workflow):\n    return sorted(workflow['jobs'])[:1]",
            "failed",
            "every job exactly once",
        ),
    ],
)
def test_a_wrong_function_fails_outside_the_kernel_with_the_checks_message(name, source, status, says):
    module, variable, *_ = CASES[name]
    reply = judged(module, name, kernel_packs(module, variable, source))
    assert reply["status"] == status and says in reply["message"], reply


def test_the_opaque_result_is_named_but_never_made_here():
    """A result that is not plain data (a generator, an object of the notebook's class) reaches the
    judge as its class name and repr only, and fails as the kernel's check would fail it."""
    source = "def parse_image_name(name):\n    return object()"
    packed = kernel_packs("docker", "parse_image_name", source)
    kind, calls = packed[0]
    assert kind == "calls" and calls[0][1][:2] == ("opaque", "object")
    reply = judged("docker", "q1", packed)
    assert reply["status"] == "failed" and "should return a dict" in reply["message"], reply


FORGE_EQUALS = """
class _Equal(str):
    def __eq__(self, other):
        return True
    def __ne__(self, other):
        return False
    __hash__ = str.__hash__

class _AnyDict(dict):
    def get(self, key, default=None):
        return _Equal("x")
    def __eq__(self, other):
        return True
"""


@pytest.mark.parametrize(
    ("before", "source", "says"),
    [
        # the checks module's check rebound: the kernel's run of it calls nothing
        (
            "import workbook.checks.docker as _d\n_d.q1 = lambda *a, **k: print('✓ q1: right')\n",
            "def parse_image_name(name):\n    return None",
            "never given",
        ),
        # the function's own helpers patched to say the answer matches: values that equal anything
        # reach the judge as the plain values they are
        (
            FORGE_EQUALS,
            "def parse_image_name(name):\n    return _AnyDict(registry=_Equal('x'))",
            "are not right",
        ),
        # the recorder in the extraction cell rebound: it only changes what is handed out
        (
            "import copy as _c\n_c.deepcopy = lambda value, memo=None: ('nothing',)\n",
            "def parse_image_name(name):\n    return {}",
            "never given",
        ),
    ],
)
def test_what_a_forger_does_in_the_kernel_changes_only_the_answer(before, source, says):
    import copy

    deepcopy, q1 = copy.deepcopy, docker.q1
    try:
        packed = kernel_packs("docker", "parse_image_name", source, before=before)
    finally:
        copy.deepcopy, docker.q1 = deepcopy, q1
    reply = judged("docker", "q1", packed)
    assert reply["status"] == "failed" and says in reply["message"], reply


def test_the_handed_out_calls_are_the_answer_and_only_plain_bounded_data():
    packed = kernel_packs("docker", "parse_image_name", PARSE)
    kind, calls = packed[0]

    def handing(table):
        return [("calls", table)]

    # Results right for every input the check gives: an answer, judged as one.
    assert judged("docker", "q1", handing(calls))["status"] == "passed"
    # one call fewer: the check's call with those arguments was never made in the kernel
    reply = judged("docker", "q1", handing(calls[:-1]))
    assert reply["status"] == "failed" and "never given" in reply["message"], reply
    # another result for one input
    (arguments, (_, value)), *rest = calls
    wrong = [(arguments, ("returned", {**value, "tag": "stable"})), *rest]
    reply = judged("docker", "q1", handing(wrong))
    assert reply["status"] == "failed" and "tag is not right" in reply["message"], reply
    reply = judged("docker", "q1", handing([(arguments, ("raised", "KeyError", "'tag'")), *rest]))
    assert reply["status"] == "failed" and "raised KeyError" in reply["message"], reply
    for table in (
        "not a list",
        [("not a tuple of arguments", ("returned", {}))],
        [(arguments,)],
        [(arguments, ("returned",))],
        [(arguments, ("raised", "not a name!", ""))],
        [(arguments, ("opaque", "Thing", "x" * 100_000))],
        [(arguments, ("done", 1))],
        [(arguments, ("returned", {}))] * (judge.MAX_CALLS + 1),
    ):
        with pytest.raises(judge.Unjudgeable):
            judge.rebuild(("calls", table))
