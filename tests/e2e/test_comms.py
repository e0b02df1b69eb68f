"""Comms: a round trip with a target registered in the kernel, and a real ipywidgets slider."""

import uuid

ECHO_TARGET = """
def _e2e_echo_target(comm, open_msg):
    @comm.on_msg
    def _recv(msg):
        data = msg['content']['data']
        if data.get('close'):
            comm.close({'bye': True})
        elif data.get('print'):
            print('printed by a comm handler')
        else:
            comm.send({'echo': data})
    comm.send({'opened_with': open_msg['content']['data']})

get_ipython().kernel.comm_manager.register_target('e2e_echo', _e2e_echo_target)
"""


def _comm_msgs(kernel, parent, comm_id, msg_type="comm_msg", timeout=10):
    kernel.wait_idle(parent, timeout)
    return [r.content for r in kernel.messages("iopub", parent)
            if r.msg_type == msg_type and r.content.get("comm_id") == comm_id]


def test_comm_round_trip(kernel):
    kernel.ok(ECHO_TARGET)
    comm_id = uuid.uuid4().hex

    opened = kernel.send("shell", "comm_open", {"comm_id": comm_id, "target_name": "e2e_echo", "data": {"hello": 1}})
    msgs = _comm_msgs(kernel, opened, comm_id)
    assert [m["data"] for m in msgs] == [{"opened_with": {"hello": 1}}], msgs

    info = kernel.request("comm_info_request", {"target_name": "e2e_echo"})
    assert info["status"] == "ok"
    assert info["comms"].get(comm_id) == {"target_name": "e2e_echo"}, info

    sent = kernel.send("shell", "comm_msg", {"comm_id": comm_id, "data": {"ping": [1, 2, 3]}})
    msgs = _comm_msgs(kernel, sent, comm_id)
    assert [m["data"] for m in msgs] == [{"echo": {"ping": [1, 2, 3]}}], msgs

    # Output of a handler belongs to the comm_msg that triggered it (front ends route output by parent).
    printing = kernel.send("shell", "comm_msg", {"comm_id": comm_id, "data": {"print": True}})
    kernel.wait_idle(printing, 10)
    streams = [r.content["text"] for r in kernel.messages("iopub", printing) if r.msg_type == "stream"]
    assert "".join(streams) == "printed by a comm handler\n", kernel.messages("iopub", printing)

    closing = kernel.send("shell", "comm_msg", {"comm_id": comm_id, "data": {"close": True}})
    closes = _comm_msgs(kernel, closing, comm_id, msg_type="comm_close")
    assert [m["data"] for m in closes] == [{"bye": True}], closes
    info = kernel.request("comm_info_request", {"target_name": "e2e_echo"})
    assert comm_id not in info["comms"], info


def test_comm_open_to_unknown_target_is_closed(kernel):
    comm_id = uuid.uuid4().hex
    parent = kernel.send("shell", "comm_open", {"comm_id": comm_id, "target_name": "no_such_target", "data": {}})
    kernel.wait_idle(parent, 10)
    # ipykernel answers with comm_close; in any case the kernel must stay healthy.
    assert kernel.eval_text("'healthy'") == "'healthy'"


def test_frontend_closes_comm(kernel):
    kernel.ok(ECHO_TARGET)
    comm_id = uuid.uuid4().hex
    opened = kernel.send("shell", "comm_open", {"comm_id": comm_id, "target_name": "e2e_echo", "data": {}})
    kernel.wait_idle(opened, 10)
    closed = kernel.send("shell", "comm_close", {"comm_id": comm_id, "data": {}})
    kernel.wait_idle(closed, 10)
    info = kernel.request("comm_info_request", {})
    assert comm_id not in info["comms"], info


def _widget_state(open_content):
    """Widget message protocol 2 (ipywidgets >= 7) puts the state under data.state; Debian bookworm's
    ipywidgets 6.0 (protocol 1) sends the state as the data itself."""
    data = open_content["data"]
    return data["state"] if "state" in data else data


def test_ipywidgets_slider(kernel):
    ex = kernel.ok("import ipywidgets as widgets\nslider = widgets.IntSlider(value=7, min=0, max=10)\nslider",
                   timeout=60)
    opens = [r.content for r in ex.of_type("comm_open") if r.content["target_name"] == "jupyter.widget"]
    slider = [o for o in opens if _widget_state(o).get("_model_name") == "IntSliderModel"]
    assert len(slider) == 1, ex.describe()
    protocol2 = "state" in slider[0]["data"]
    state = _widget_state(slider[0])
    assert state["value"] == 7 and state["max"] == 10
    model_id = slider[0]["comm_id"]
    # The view is the execute_result or a display_data with the widget mimetype pointing at the model.
    bundles = ([ex.result] if ex.result else []) + [d["data"] for d in ex.displays]
    views = [b["application/vnd.jupyter.widget-view+json"] for b in bundles
             if "application/vnd.jupyter.widget-view+json" in b]
    assert views and views[0]["model_id"] == model_id, ex.describe()

    # The front end moves the slider: an update on the comm changes the kernel object.
    if protocol2:
        data = {"method": "update", "state": {"value": 9}, "buffer_paths": []}
    else:
        data = {"method": "backbone", "sync_data": {"value": 9}}
    update = kernel.send("shell", "comm_msg", {"comm_id": model_id, "data": data})
    kernel.wait_idle(update, 10)
    assert kernel.eval_text("slider.value") == "9"

    # The kernel changes the value: the front end receives an update.
    ex = kernel.ok("slider.value = 3")
    updates = [r.content["data"] for r in ex.of_type("comm_msg") if r.content["comm_id"] == model_id]
    assert any(u.get("method") == "update" and u["state"] == {"value": 3} for u in updates), ex.describe()


def test_comm_info_lists_widgets(kernel):
    kernel.ok("import ipywidgets as widgets\nw_info = widgets.IntSlider()", timeout=60)
    info = kernel.request("comm_info_request", {"target_name": "jupyter.widget"})
    assert info["status"] == "ok"
    assert kernel.eval_text("w_info.comm.comm_id") .strip("'") in info["comms"]
