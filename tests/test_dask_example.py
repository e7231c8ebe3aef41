"""The Dask examples give what the library gives called directly: decisions on JSON Lines requests
(batch_with_dask.py) and letters parsed and compared from files in partitions (letters_with_dask.py)."""

import importlib.util
import json
import sys
from pathlib import Path

import pytest

from conftest import ROOT

dask = pytest.importorskip("dask", reason="dask is an optional extra: pip install 'imr-rules[dask]'")


def load_example(name: str = "batch_with_dask"):
    spec = importlib.util.spec_from_file_location(name, ROOT / "examples" / "dask" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
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


# ---------------------------------------------------------------- letters from files, in partitions


@pytest.fixture
def letter_folder(tmp_path):
    """Three bundled text letters, the first of them again as a generated PDF, and a broken PDF."""
    from hostile import letter_pdf

    folder = tmp_path / "letters"
    (folder / "2016").mkdir(parents=True)
    names = ("CM16-0230548.txt", "CM16-0235724.txt", "CM17-0009282.txt")
    for name in names:
        (folder / "2016" / name).write_text((ROOT / "examples" / "cases" / "letters" / name).read_text(encoding="utf-8"))
    (folder / "2016" / "CM16-0230548-copy.pdf").write_bytes(letter_pdf((folder / "2016" / names[0]).read_text()))
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4\n not a PDF body")
    (folder / "notes.csv").write_text("not a letter suffix: skipped\n")
    return folder


def _rows(out) -> list[dict]:
    return [json.loads(line) for part in sorted(out.glob("part-*.jsonl")) for line in part.read_text().splitlines()]


def test_letters_are_parsed_in_partitions_into_jsonl_files(tmp_path, letter_folder):
    from imr_rules.letters import read_letter
    from imr_rules.render.data import letter_to_dict

    example = load_example("letters_with_dask")
    files = example.letter_files([str(letter_folder / "**" / "*")])
    assert [Path(f).name for f in files] == ["CM16-0230548-copy.pdf", "CM16-0230548.txt", "CM16-0235724.txt",
                                             "CM17-0009282.txt", "broken.pdf"]
    summary = example.run(files, tmp_path / "out", partition_size=2, scheduler="synchronous")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["part-00000.jsonl", "part-00001.jsonl", "part-00002.jsonl"]
    rows = _rows(tmp_path / "out")
    assert [row["source"] for row in rows] == files
    for row in rows[:4]:
        assert row["error"] is None and row["letter"] == letter_to_dict(read_letter(row["source"]))
    items = [[(i["description"], i["outcome"]) for i in row["letter"]["items"]] for row in rows[:2]]
    assert items[0] == items[1] and items[0]  # the PDF reads as its text does
    assert rows[4]["letter"] is None and "broken.pdf: cannot read PDF" in rows[4]["error"]
    assert summary["letters"] == 5 and summary["unreadable"] == 1
    assert summary["items"] == sum(len(row["letter"]["items"]) for row in rows[:4])
    # Threads give byte-identical files.
    example.run(files, tmp_path / "again", partition_size=2, scheduler="threads")
    for part in (tmp_path / "out").iterdir():
        assert (tmp_path / "again" / part.name).read_bytes() == part.read_bytes()


def test_letters_compared_with_drafts_per_partition(tmp_path, letter_folder):
    pytest.importorskip("medspacy", reason="--compare drafts requests: pip install 'imr-rules[draft]'")
    from imr_rules.drafting.letters_compare import compare_letters

    example = load_example("letters_with_dask")
    paths = sorted(str(p) for p in (letter_folder / "2016").glob("*.txt"))
    example.main([*paths, str(tmp_path / "out"), "--compare", "--partition-size", "2", "--scheduler", "synchronous"])
    rows = _rows(tmp_path / "out")
    direct = compare_letters(paths)
    assert [(Path(row["source"]).stem, d["index"], d["category"], d["actual"], d["ours"]) for row in rows for d in row["decisions"]] == \
        [(d.case_number, d.index, d.category, d.actual, d.ours) for d in direct.decided]
    assert direct.decided
