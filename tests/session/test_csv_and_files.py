"""csv readers and writers, newline="" files and closed streams survive suspend/resume (graph.py)."""

import os

from conftest import suspended_in_steps, suspended_once


def test_a_csv_job_suspended_twice_gives_the_uninterrupted_output(cli, tmp_path):
    reference = suspended_in_steps(cli, "csv_job.py", tmp_path, ["at3.snap", "at7.snap"])
    # line_num of both readers, quoted line breaks read back as written (newline="" kept), the
    # writer's dialect, closed files still closed with their names.
    assert "13 13 ['id', 'note'] True 'with a comma' 12" in reference.stdout
    assert "True True in.csv" in reference.stdout
    assert os.path.getsize(tmp_path / "out.csv") == os.path.getsize(tmp_path / "reference" / "out.csv")


def test_sets_iterate_in_the_same_order_after_a_resume(cli, tmp_path):
    suspended_once(cli, "set_order.py", tmp_path, "sets.snap", env=dict(os.environ, PYTHONHASHSEED="7"))


def test_a_file_with_windows_line_endings_read_by_iteration(cli, tmp_path):
    reference = suspended_in_steps(cli, "windows_lines.py", tmp_path,
                                   ["lines150.snap", "lines300.snap", "marked.snap"])
    assert "lines 343" in reference.stdout, reference.stdout[-200:]
    assert "marked 8 'n7;café\\n'" in reference.stdout, reference.stdout[-200:]
