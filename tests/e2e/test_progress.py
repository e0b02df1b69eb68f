"""Saving and restoring a big session shows progress in the cell: one display updated in place, ending
with how long it took. The kernel shows it only after SUSPENDABLE_PROGRESS_DELAY (1 s by default); this
test sets 0 so that it does not depend on the disk's speed."""

import pytest

import harness


@pytest.fixture
def eager_kernel(kernel_name, jupyter_env, tmp_path, monkeypatch):
    if kernel_name != "python-suspendable":
        pytest.skip("progress of saves is this kernel's feature")
    monkeypatch.setenv("SUSPENDABLE_PROGRESS_DELAY", "0")
    k = harness.Kernel(kernel_name, startup_timeout=60.0, cwd=str(tmp_path))
    yield k
    k.close()


def _progress(ex, label):
    out = []
    for r in ex.of_type("display_data") + ex.of_type("update_display_data"):
        text = r.content["data"].get("text/plain", "")
        if text.startswith(f"[suspendable] {label}"):
            out.append((r.msg_type, r.content["transient"]["display_id"], text))
    return out


def test_a_big_save_and_restore_show_progress_in_one_display(eager_kernel):
    eager_kernel.ok("import numpy as np\nbig = np.arange(40_000_000, dtype=np.float64)  # 320 MB")
    saved = eager_kernel.ok("%suspend big-session", timeout=180)
    shown = _progress(saved, "saving session 'big-session'")
    assert shown, saved.describe()
    assert shown[0][0] == "display_data" and all(kind == "update_display_data" for kind, _, _ in shown[1:])
    assert len({display_id for _, display_id, _ in shown}) == 1, "one display, updated in place"
    assert shown[-1][2].startswith("[suspendable] saving session 'big-session': done in "), shown
    assert any(" of 305.2 MiB" in text for _, _, text in shown) or len(shown) <= 2, shown

    eager_kernel.restart()
    restored = eager_kernel.ok("%resume big-session\nint(big[-1])", timeout=180)
    shown = _progress(restored, "restoring session 'big-session'")
    assert shown and shown[-1][2].startswith("[suspendable] restoring session 'big-session': done in "), \
        restored.describe()
    assert restored.result["text/plain"] == "39999999"
