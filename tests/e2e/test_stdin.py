"""input() and getpass through the stdin channel."""

import time


def test_input(kernel):
    prompts = []

    def answer(req):
        prompts.append(req)
        return "Ada"

    ex = kernel.execute("name = input('Your name: ')\nprint('hello', name)", allow_stdin=True, stdin_handler=answer)
    assert ex.status == "ok", ex.describe()
    assert len(prompts) == 1
    assert prompts[0]["prompt"] == "Your name: "
    assert prompts[0]["password"] is False
    assert "hello Ada" in ex.stdout
    assert kernel.eval_text("name") == "'Ada'"


def test_getpass(kernel):
    prompts = []

    def answer(req):
        prompts.append(req)
        return "s3cret"

    ex = kernel.execute("import getpass\npw = getpass.getpass('Password: ')\nlen(pw)", allow_stdin=True,
                        stdin_handler=answer)
    assert ex.status == "ok", ex.describe()
    assert [p["password"] for p in prompts] == [True]
    assert prompts[0]["prompt"] == "Password: "
    assert ex.result["text/plain"] == "6"
    assert "s3cret" not in ex.all_text()


def test_several_inputs_in_one_cell(kernel):
    answers = iter(["3", "4"])
    ex = kernel.execute("a = int(input('a? '))\nb = int(input('b? '))\na * b", allow_stdin=True,
                        stdin_handler=lambda req: next(answers))
    assert ex.status == "ok", ex.describe()
    assert [r.content["prompt"] for r in ex.stdin if r.msg_type == "input_request"] == ["a? ", "b? "]
    assert ex.result["text/plain"] == "12"


def test_input_without_allow_stdin_raises(kernel):
    ex = kernel.execute("input('never answered: ')", allow_stdin=False, timeout=15)
    assert ex.status == "error", ex.describe()
    assert not ex.stdin, "no input_request may be sent when allow_stdin is false"
    assert kernel.eval_text("'still alive'") == "'still alive'"


def test_interrupt_while_waiting_for_input(fresh_kernel):
    k = fresh_kernel
    ex = k.send_execute("input('wait: ')", allow_stdin=True)
    deadline = time.monotonic() + 15
    while not k.messages("stdin", ex.msg_id):
        assert time.monotonic() < deadline, "no input_request"
        k.pump(0.1)
    k.interrupt()
    k.collect(ex, timeout=10)
    assert ex.status == "error", ex.describe()
    assert ex.content["ename"] == "KeyboardInterrupt"
    assert k.eval_text("'after'") == "'after'"
