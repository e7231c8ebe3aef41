"""The Dask batch example gives the same decisions as the engine called directly."""

import importlib.util
import json
import sys

import pytest

from conftest import ROOT

dask = pytest.importorskip("dask", reason="dask is an optional extra: pip install 'imr-rules[dask]'")


def load_example():
    spec = importlib.util.spec_from_file_location("batch_with_dask", ROOT / "examples" / "dask" / "batch_with_dask.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["batch_with_dask"] = module
    spec.loader.exec_module(module)
    return module


def test_dask_batch_matches_direct_evaluation(tmp_path):
    lines = [json.dumps({"request_id": f"r{i}", "request_date": "2016-12-01", "facts": {"home_exercise_program": True},
                         "items": [{"service": "Massage therapy", "category": "massage", "quantity": 2 + i % 10,
                                    "facts": {"prior_sessions": 0}}]})
             for i in range(40)]
    path = tmp_path / "requests.jsonl"
    path.write_text("\n".join(lines) + "\n")
    example = load_example()
    rows = sorted(example.decide_file(str(path), partitions=2, scheduler="threads"), key=lambda r: int(r["request_id"][1:]))
    direct = list(example.decide_partition(lines))
    assert rows == direct
    assert [r["decision"] for r in rows[:6]] == ["medically_necessary"] * 5 + ["not_medically_necessary"]


def test_dask_example_script_with_processes(tmp_path):
    import subprocess

    path = tmp_path / "requests.jsonl"
    path.write_text("\n".join(json.dumps({"request_id": f"r{i}", "request_date": "2016-12-01",
                                          "items": [{"service": "Massage therapy", "category": "massage", "quantity": 4}]})
                                for i in range(6)) + "\n{broken\n")
    result = subprocess.run([sys.executable, str(ROOT / "examples" / "dask" / "batch_with_dask.py"), str(path)],
                            capture_output=True, text=True, check=True, timeout=300)
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r.get("request_id") for r in rows[:6]] == [f"r{i}" for i in range(6)]
    assert "error" in rows[6]
