"""complete_request, inspect_request, is_complete_request."""

import pytest

from harness import strip_ansi


def _complete(kernel, code, cursor_pos=None):
    if cursor_pos is None:
        cursor_pos = len(code)
    reply = kernel.request("complete_request", {"code": code, "cursor_pos": cursor_pos})
    assert reply["status"] == "ok", reply
    assert 0 <= reply["cursor_start"] <= reply["cursor_end"] <= len(code), reply
    # What a front end does with the reply: replace code[cursor_start:cursor_end] by each match.
    return reply, [code[: reply["cursor_start"]] + m + code[reply["cursor_end"]:] for m in reply["matches"]]


def test_complete_attribute_of_module_in_source(kernel):
    reply, texts = _complete(kernel, "import os; os.pa")
    assert "import os; os.path" in texts, reply
    assert all(t.startswith("import os; os.") for t in texts), texts


def test_complete_name_from_namespace(kernel):
    kernel.ok("my_e2e_variable_long = 1\nmy_e2e_other = 2")
    reply, texts = _complete(kernel, "x = my_e2e_var")
    assert "x = my_e2e_variable_long" in texts, reply
    assert "x = my_e2e_other" not in texts


def test_complete_attribute_of_live_object(kernel):
    kernel.ok("class Holder:\n    def __init__(self):\n        self.dynamic_attribute_e2e = 1\nholder = Holder()")
    reply, texts = _complete(kernel, "holder.dynamic_")
    assert "holder.dynamic_attribute_e2e" in texts, reply


def test_complete_in_the_middle(kernel):
    code = "import os\nos.pa\nprint(1)"
    pos = code.index("os.pa") + len("os.pa")
    reply, texts = _complete(kernel, code, pos)
    assert "import os\nos.path\nprint(1)" in texts, reply


def test_inspect_builtin(kernel):
    reply = kernel.request("inspect_request", {"code": "print", "cursor_pos": 5, "detail_level": 0})
    assert reply["status"] == "ok"
    assert reply["found"] is True
    text = strip_ansi(reply["data"]["text/plain"])
    assert "Prints the values to a stream" in text, text


def test_inspect_user_function_at_cursor(kernel):
    kernel.ok("def frobnicate(a, b=2):\n    '''Frobnicate the e2e widgets.'''\n    return a + b")
    code = "frobnicate(1, "
    reply = kernel.request("inspect_request", {"code": code, "cursor_pos": len(code), "detail_level": 0})
    assert reply["found"] is True, reply
    text = strip_ansi(reply["data"]["text/plain"])
    assert "Frobnicate the e2e widgets." in text, text
    assert "b=2" in text, text


def test_inspect_detail_level_1_shows_source(kernel):
    kernel.ok("def with_source():\n    marker_in_source = 1\n    return marker_in_source")
    reply = kernel.request("inspect_request", {"code": "with_source", "cursor_pos": 11, "detail_level": 1})
    assert reply["found"] is True, reply
    assert "marker_in_source = 1" in strip_ansi(reply["data"]["text/plain"])


def test_inspect_not_found(kernel):
    code = "no_such_object_e2e"
    reply = kernel.request("inspect_request", {"code": code, "cursor_pos": len(code), "detail_level": 0})
    assert reply["status"] == "ok"
    assert reply["found"] is False


@pytest.mark.parametrize(
    "code, status, indent",
    [
        ("x = 1", "complete", None),
        ("print('hi')", "complete", None),
        ("for i in range(3):", "incomplete", "    "),
        ("def f():\n    if x:", "incomplete", "        "),
        ("a = (1,", "incomplete", ""),
        ("x = = 1", "invalid", None),
        (")", "invalid", None),
    ],
)
def test_is_complete(kernel, code, status, indent):
    reply = kernel.request("is_complete_request", {"code": code})
    assert reply["status"] == status, reply
    if status == "incomplete":
        assert reply.get("indent") == indent, reply


def test_complete_magics(kernel):
    reply, texts = _complete(kernel, "%tim")
    assert "%time" in texts and "%timeit" in texts, reply


def test_complete_dict_keys(kernel):
    kernel.ok("config_e2e = {'alpha_key': 1, 'beta_key': 2}")
    reply, texts = _complete(kernel, "config_e2e['alp")
    assert any(t.startswith("config_e2e['alpha_key") for t in texts), reply


def test_complete_paths(kernel):
    reply, texts = _complete(kernel, "open('/us")
    assert any(t.startswith("open('/usr/") for t in texts), reply
