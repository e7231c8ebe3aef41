"""Batch checking: JSON Lines on standard input and in files, input order, worker processes."""

import json

import pytest
from typer.testing import CliRunner

from imr_rules import batch
from imr_rules.cli import app

from conftest import EXAMPLES


def line(request_id, quantity):
    return json.dumps({"request_id": request_id, "request_date": "2016-12-01", "facts": {"home_exercise_program": True},
                       "items": [{"service": "Massage therapy", "category": "massage", "quantity": quantity,
                                  "facts": {"prior_sessions": 0}}]})


def test_json_lines_on_stdin_stream_in_input_order():
    stdin = "\n".join(line(f"r{i}", q) for i, q in enumerate([4, 12, 6, 8])) + "\n"
    result = CliRunner().invoke(app, ["check", "-", "--format", "jsonl"], input=stdin)
    assert result.exit_code == 0, result.output
    reports = [json.loads(x) for x in result.stdout.splitlines()]
    assert [r["request"]["id"] for r in reports] == ["r0", "r1", "r2", "r3"]
    assert [r["items"][0]["decision"] for r in reports] == [
        "medically_necessary", "not_medically_necessary", "medically_necessary", "not_medically_necessary"]


def test_a_bad_line_is_reported_by_line_number_and_the_rest_checked():
    stdin = line("a", 4) + "\n{not json\n" + line("c", 4) + "\n"
    result = CliRunner().invoke(app, ["check", "-", "--format", "jsonl"], input=stdin)
    assert result.exit_code == 2
    assert "<stdin>:2: malformed JSON" in result.stderr
    assert [json.loads(x)["request"]["id"] for x in result.stdout.splitlines()] == ["a", "c"]


def test_schema_error_in_a_json_line_names_the_line(tmp_path):
    path = tmp_path / "batch.jsonl"
    path.write_text(line("a", 4) + "\n" + json.dumps({"items": [{"quantity": 3}]}) + "\n")
    result = CliRunner().invoke(app, ["check", str(path), "--format", "jsonl"])
    assert result.exit_code == 2
    assert "batch.jsonl:2: items[0]: 'service' is required" in result.stderr


@pytest.mark.parametrize("format", ["jsonl", "json", "markdown", "text"])
def test_worker_processes_give_identical_output(tmp_path, workers_at_once, format):
    path = tmp_path / "many.jsonl"
    lines = [line(f"r{i}", 2 + i % 12) for i in range(40)]
    lines[7] = "{not json"
    lines[23] = json.dumps({"items": [{"quantity": 3}]})
    path.write_text("\n".join(lines) + "\n")
    one = CliRunner().invoke(app, ["check", str(path), "--format", format, "--jobs", "1"])
    two = CliRunner().invoke(app, ["check", str(path), "--format", format, "--jobs", "2"])
    assert one.exit_code == two.exit_code == 2
    assert one.stdout == two.stdout and one.stderr == two.stderr
    assert "many.jsonl:8: malformed JSON" in two.stderr and "many.jsonl:24: items[0]" in two.stderr
    if format == "jsonl":
        assert [json.loads(x)["request"]["id"] for x in two.stdout.splitlines()] == [
            f"r{i}" for i in range(40) if i not in (7, 23)]


def _pid(_item):
    import os
    import time

    time.sleep(0.001)
    return os.getpid()


def _slow_square(number):
    import time

    time.sleep(0.002)
    return number * number


def _slow_in_workers(item, parent):
    """As on cores other programs keep busy: a worker takes far longer than the parent."""
    import os
    import time

    if os.getpid() != parent:
        time.sleep(0.02)
    return item, os.getpid()


def _fails_at(item, bad):
    if item == bad:
        raise ValueError(f"item {item}")
    return item


def test_ordered_map_keeps_input_order_across_chunks_and_workers(monkeypatch):
    import os

    monkeypatch.setattr(batch, "CHUNK_SECONDS", 0.01)  # chunks of about five items
    assert list(batch.ordered_map(_slow_square, range(200), 2, warmup=0.0)) == [n * n for n in range(200)]
    pids = list(batch.ordered_map(_pid, range(600), 2, warmup=0.0))  # long enough for both workers to start
    # The first item runs here (it times the work); the rest is shared by both workers (and this
    # process, whenever the next result in order is not back yet).
    assert pids[0] == os.getpid() and len(set(pids[1:]) - {os.getpid()}) == 2


def test_when_workers_lag_this_process_does_chunks_itself_in_order(monkeypatch):
    """--jobs N is never much slower than --jobs 1 on busy cores: the parent does not wait."""
    import os
    from functools import partial

    monkeypatch.setattr(batch, "MAX_CHUNK", 5)  # the first item, done here, is no guide to a worker's pace
    parent = os.getpid()
    results = list(batch.ordered_map(partial(_slow_in_workers, parent=parent), range(300), 2, warmup=0.0))
    assert [item for item, _ in results] == list(range(300))
    done_here = sum(pid == parent for _, pid in results[1:])
    assert done_here > len(results) // 4  # the workers sleep 20 ms an item; this process does not


def _busy_pid(_item):
    """A millisecond of processor work: a worker that has its core takes as long by the clock."""
    import os
    import time

    end = time.thread_time() + 0.001
    while time.thread_time() < end:
        pass
    return os.getpid()


def test_while_workers_have_their_cores_this_process_does_no_chunks(monkeypatch):
    """On free cores a chunk done here would put three processes on two cores: it waits instead.
    (Whether the workers are starved is measured; here they are declared never starved, so that
    the test does not depend on how busy the machine running it is.)"""
    import os

    monkeypatch.setattr(batch, "STARVED", float("inf"))
    monkeypatch.setattr(batch, "CHUNK_SECONDS", 0.005)
    pids = list(batch.ordered_map(_busy_pid, range(400), 2, warmup=0.0))
    assert pids[0] == os.getpid() and os.getpid() not in pids[1:] and len(set(pids[1:])) == 2


def test_workers_are_starved_only_by_what_ran_while_this_process_did_no_work_of_its_own():
    """A chunk that ran beside this process's own chunk found the cores shared with it: it says
    nothing of other programs, and is not read."""
    pacing = batch._Pacing(workers=2, now=10.0)
    starved = batch._Chunk([], seconds=0.2, cpu=0.1, started=11.0, error=None)
    assert not pacing.helping(11.5)  # nothing measured yet: no help
    pacing.worked_here(12.0)
    pacing.measure(starved, now=12.1)  # it started before this process's own work ended
    pacing.measure(starved, now=12.2)
    assert not pacing.helping(12.3)
    late = starved._replace(started=12.5)
    pacing.measure(late, now=12.8)
    assert not pacing.helping(12.9)  # one chunk per worker is read before deciding
    pacing.measure(late._replace(seconds=0.1), now=12.9)  # together: 0.3 s by the clock for 0.2 s of work
    assert pacing.helping(13.0) and not pacing.helping(12.9 + batch.HELP_SECONDS)
    for _ in range(2):  # once it stops helping, chunks that had their cores end the help
        pacing.measure(late._replace(started=20.0, seconds=0.1), now=20.2)
    assert not pacing.helping(20.3)


def test_a_worker_that_dies_stops_the_map_with_an_error_instead_of_a_hang():
    """A worker killed mid-chunk (out of memory, a crash in a library) leaves a result that will
    never come: the map raises instead of waiting for it forever (run apart, with a time limit)."""
    import subprocess
    import sys

    program = (
        "import os, time\n"
        "from imr_rules import batch\n"
        "PARENT = os.getpid()\n"
        "def dies_in_a_worker(x):\n"
        "    if x >= 300 and os.getpid() != PARENT:\n"
        "        os._exit(3)\n"
        "    time.sleep(0.001)\n"
        "    return x\n"
        "try:\n"
        "    list(batch.ordered_map(dies_in_a_worker, range(1000), 2, warmup=0.0))\n"
        "except Exception as exc:\n"
        "    print(type(exc).__name__)\n"
    )
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=120,
                          env={**__import__("os").environ, "PYTHONPATH": str(EXAMPLES.parents[1])})
    assert done.stdout.strip() == "BrokenProcessPool", done.stderr


def test_ctrl_c_with_workers_exits_130_without_a_traceback(tmp_path):
    """Ctrl-C reaches the whole process group (the workers too): the command still ends with the
    documented exit code and one quiet stop, with no worker's traceback on the terminal."""
    import os
    import signal
    import subprocess
    import sys

    path = tmp_path / "many.jsonl"
    path.write_text("".join(line(f"r{i}", 2 + i % 12) + "\n" for i in range(20_000)))
    env = {**os.environ, "PYTHONPATH": str(EXAMPLES.parents[1])}
    process = subprocess.Popen([sys.executable, "-m", "imr_rules.cli", "check", str(path), "--format", "jsonl",
                                "--jobs", "2"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                               start_new_session=True)
    for _ in range(2_000):  # well past the warm-up in this process: the workers are at work
        assert process.stdout.readline()
    os.killpg(process.pid, signal.SIGINT)
    stderr = process.communicate(timeout=60)[1].decode()
    assert process.returncode == 130
    assert "Traceback" not in stderr and "Process " not in stderr, stderr


def test_ctrl_c_while_workers_wait_between_chunks_shows_no_worker_traceback():
    """Workers idle while this process is slow to write (a full pipe) wait on their queue: Ctrl-C
    there is this process's to handle (run apart, with a time limit)."""
    import os
    import subprocess
    import sys

    program = (
        "import os, signal, sys, time\n"
        "from imr_rules import batch\n"
        "try:\n"
        "    for i, x in enumerate(batch.ordered_map(abs, range(100_000), 2, warmup=0.0)):\n"
        "        if i == 10:\n"
        "            time.sleep(1.0)  # the workers finish what is in flight and wait\n"
        "            os.killpg(0, signal.SIGINT)\n"
        "            time.sleep(1.0)\n"
        "except KeyboardInterrupt:\n"
        "    print('interrupted')\n"
    )
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=120,
                          start_new_session=True, env={**os.environ, "PYTHONPATH": str(EXAMPLES.parents[1])})
    assert done.stdout.strip() == "interrupted", done.stderr
    assert "Traceback" not in done.stderr, done.stderr


@pytest.mark.parametrize("bad", [0, 1, 57, 199])
def test_an_exception_comes_after_every_result_before_it_as_without_workers(monkeypatch, bad):
    from functools import partial

    monkeypatch.setattr(batch, "CHUNK_SECONDS", 0.001)
    function = partial(_fails_at, bad=bad)
    got = []
    with pytest.raises(ValueError, match=f"item {bad}"):
        for result in batch.ordered_map(function, range(200), 2, warmup=0.0):
            got.append(result)
    assert got == list(range(bad))


def test_a_small_input_is_done_in_process_without_workers():
    import os

    assert set(batch.ordered_map(_pid, range(50), 2)) == {os.getpid()}


def test_library_check_many_with_workers_renders_in_them(ruleset, workers_at_once):
    from imr_rules.render.jsontext import json_line

    tasks = [batch.Task(f"<stdin>:{i}", text=line(f"r{i}", 2 + i % 12), line=i) for i in range(30)]
    rendered = list(batch.check_many(tasks, ruleset, jobs=2, render=json_line))
    plain = list(batch.check_many(tasks, ruleset, jobs=1))
    assert [o.text for o in rendered] == [json_line(o.report) for o in plain]
    assert all(o.report is None and o.error is None for o in rendered)


def test_usable_workers_never_exceed_the_cores(monkeypatch):
    import os

    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2}, raising=False)
    assert batch.usable_workers(0) == 3
    assert batch.usable_workers(8) == 3
    assert batch.usable_workers(2) == 2
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0}, raising=False)
    assert batch.usable_workers(4) == 1  # one core: the work stays in this process


def test_library_batch_api_keeps_order_and_errors(ruleset, tmp_path):
    good = EXAMPLES / "massage-twelve-visits.yaml"
    missing = tmp_path / "missing.yaml"
    outcomes = list(batch.check_many(batch.tasks(batch.expand([good, missing, good])), ruleset))
    assert [o.report is not None for o in outcomes] == [True, False, True]
    assert "missing.yaml: file not found" in outcomes[1].error


@pytest.mark.parametrize("format", ["text", "json", "jsonl"])
def test_a_folder_without_request_files_is_bad_input_and_the_other_inputs_are_checked(tmp_path, format):
    """An empty folder is most likely the wrong one: exit 2 with one line naming it, never a silent
    clean run; the requests given beside it are still checked."""
    empty = tmp_path / "no-requests"
    empty.mkdir()
    (empty / "notes.txt").write_text("not a request\n", encoding="utf-8")
    alone = CliRunner().invoke(app, ["check", str(empty), "--format", format])
    assert alone.exit_code == 2
    assert f"{empty}: no request files" in (alone.stdout + alone.stderr)
    beside = CliRunner().invoke(app, ["check", str(empty), str(EXAMPLES / "massage-twelve-visits.yaml"),
                                      "--format", format])
    assert beside.exit_code == 2
    assert "massage-twelve-visits" in beside.stdout
    assert batch.empty_folders([str(empty), str(EXAMPLES)]) == [
        f"{empty}: no request files (.yaml, .yml, .json, .jsonl) in this folder "
        "(give a folder of requests, a request file, or - for standard input)"]


def test_reports_do_not_depend_on_what_was_checked_before():
    """What a batch remembers between requests (schedules read, guidelines in force, pattern
    matches) never leaks from one request into another: every example request gives the same
    report whether the examples are checked in order or in reverse, each run in a fresh process."""
    import os
    import subprocess
    import sys

    files = sorted(str(p) for p in EXAMPLES.glob("*.yaml"))
    env = {**os.environ, "PYTHONPATH": str(EXAMPLES.parents[1])}

    def reports(order):
        done = subprocess.run([sys.executable, "-m", "imr_rules.cli", "check", *order, "--format", "jsonl"],
                              capture_output=True, text=True, env=env, check=False)
        assert done.returncode in (0, 1), done.stderr
        return done.stdout.splitlines()

    forward = reports(files)
    assert len(forward) == len(files) > 20
    assert reports(files[::-1])[::-1] == forward


def test_json_lines_into_a_pipe_stream_each_report_as_it_is_made():
    """A reader downstream of a pipe gets each report while the input is still open (into a
    regular file, reports are written in blocks)."""
    import os
    import select
    import subprocess
    import sys

    env = {**os.environ, "PYTHONPATH": str(EXAMPLES.parents[1])}
    env.pop("PYTHONUNBUFFERED", None)  # standard output buffered, as Python has it by default
    process = subprocess.Popen([sys.executable, "-m", "imr_rules.cli", "check", "-", "--format", "jsonl"],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    try:
        for number in range(3):
            process.stdin.write((line(f"r{number}", 4) + "\n").encode())
            process.stdin.flush()
            assert select.select([process.stdout], [], [], 30)[0], "no report while the input is open"
            assert json.loads(process.stdout.readline())["request"]["id"] == f"r{number}"
    finally:
        process.communicate(timeout=60)  # closes the input: the command ends
    assert process.returncode == 0


def test_json_lines_into_a_file_are_complete(tmp_path):
    import os
    import subprocess
    import sys

    source = tmp_path / "many.jsonl"
    source.write_text("".join(line(f"r{i}", 2 + i % 12) + "\n" for i in range(50)))
    env = {**os.environ, "PYTHONPATH": str(EXAMPLES.parents[1])}
    command = [sys.executable, "-m", "imr_rules.cli", "check", str(source), "--format", "jsonl"]
    with open(tmp_path / "out.jsonl", "wb") as out:
        subprocess.run(command, stdout=out, env=env, check=True)
    subprocess.run([*command, "-o", str(tmp_path / "o.jsonl")], env=env, check=True)
    piped = subprocess.run(command, capture_output=True, env=env, check=True).stdout
    assert (tmp_path / "out.jsonl").read_bytes() == (tmp_path / "o.jsonl").read_bytes() == piped
    assert len(piped.splitlines()) == 50
