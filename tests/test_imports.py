"""Start-up cost guards: the library imports no terminal libraries; JSON output never loads rich."""

import subprocess
import sys

from conftest import EXAMPLES, ROOT


def modules_after(code: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", code + "\nimport sys\nprint('\\n'.join(sys.modules))"],
                         capture_output=True, text=True, check=True).stdout
    return set(out.split())


def test_plain_import_loads_neither_rich_nor_typer():
    modules = modules_after("import imr_rules, imr_rules.engine, imr_rules.ruleset.loading, imr_rules.requests.loading")
    assert not any(m == "rich" or m.startswith("rich.") for m in modules)
    assert "typer" not in modules


def test_json_check_does_not_import_rich():
    code = (
        "import sys, contextlib, io\n"
        "from imr_rules.cli import app\n"
        f"sys.argv = ['imr-rules', 'check', {str(EXAMPLES / 'massage-twelve-visits.yaml')!r}, '--format', 'json']\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n        app()\n    except SystemExit:\n        pass\n"
    )
    modules = modules_after(code)
    assert "imr_rules.engine" in modules
    assert not any(m == "rich" or m.startswith("rich.") for m in modules)


def run_main_code(*argv: str) -> str:
    """Python code that runs the console script's main() with these arguments."""
    return (
        "import sys, contextlib, io\n"
        f"sys.argv = ['imr-rules', *{list(argv)!r}]\n"
        "from imr_rules.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n        main()\n    except SystemExit:\n        pass\n"
    )


def test_a_run_imports_only_the_invoked_command():
    modules = modules_after(run_main_code("check", str(EXAMPLES / "massage-twelve-visits.yaml")))
    commands = {m for m in modules if m.startswith("imr_rules.cli.")}
    assert commands == {"imr_rules.cli.check", "imr_rules.cli.common"}


def test_the_command_table_names_what_each_module_registers():
    from typer.main import get_command

    from imr_rules import cli

    registered = set(get_command(cli.app).commands)
    assert registered == set(cli.COMMAND_MODULES)
    for name in cli.COMMAND_MODULES:  # each works when only its own modules are registered
        run = subprocess.run([sys.executable, "-m", "imr_rules.cli", name, "--help"], capture_output=True, text=True)
        assert run.returncode == 0 and "Usage:" in run.stdout, (name, run.stderr)


def test_garbage_collection_resumes_for_every_command():
    letter = next((ROOT / "examples" / "cases" / "letters").glob("*.txt"))
    for argv in (("check", str(EXAMPLES / "massage-twelve-visits.yaml")), ("parse", str(letter)), ("rules", "lint")):
        code = run_main_code(*argv) + "import gc\nprint(gc.isenabled())\n"
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
        assert out.split()[-1] == "True", argv


def test_in_process_runs_leave_garbage_collection_alone():
    # CliRunner, a notebook or a server call the app many times in one process: nothing may be
    # frozen out of collection there, or each call's garbage would stay for the process's life.
    import gc
    import tracemalloc

    from typer.testing import CliRunner

    from imr_rules.cli import app

    runner = CliRunner()
    argv = ["check", str(EXAMPLES / "massage-twelve-visits.yaml"), "--format", "json"]
    frozen = gc.get_freeze_count()
    assert runner.invoke(app, argv).exit_code == 0  # warm: imports, caches
    tracemalloc.start()
    try:
        gc.collect()
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(3):
            assert runner.invoke(app, argv).exit_code == 0
        gc.collect()
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert gc.isenabled() and gc.get_freeze_count() == frozen
    assert grown < 2_000_000, f"{grown:,} bytes kept after 3 in-process runs"


def _no_rich(modules: set[str]) -> bool:
    return not any(m == "rich" or m.startswith("rich.") for m in modules)


def test_machine_readable_and_plain_outputs_never_import_rich():
    letters = ROOT / "examples" / "cases" / "letters"
    for argv in (
        ("compare", str(ROOT / "examples" / "cases"), "--format", "json"),
        ("compare", str(ROOT / "examples" / "cases"), "--format", "csv"),
        ("compare", str(ROOT / "examples" / "cases"), "--format", "markdown"),
        ("parse", str(letters), "--format", "jsonl"),
        ("coverage", "MRI of the lumbar spine", "--format", "json"),
        ("coverage", "MRI of the lumbar spine"),
        ("rules", "lint"),
        ("rules", "validate"),
    ):
        modules = modules_after(run_main_code(*argv))
        assert _no_rich(modules), argv


def test_the_cli_holds_no_formatting_and_no_bare_exit_numbers():
    """Views live in render/ (one function per format and result type); exit codes are named."""
    import re

    for path in sorted((ROOT / "imr_rules" / "cli").glob("*.py")):
        source = path.read_text(encoding="utf-8")
        assert not re.search(r"from rich\.(table|text|panel|padding)\b|\bTable\(|\bText\(", source), path.name
        assert not re.search(r"(?:typer\.Exit|sys\.exit)\(\d", source), path.name


def test_a_check_reaches_the_package_files_without_importlib_resources():
    # The package's data, schemas and rules are found from its own folder (imr_rules.package_files):
    # importlib.resources and the readers it loads on first use cost every start some 3% of Python's.
    modules = modules_after(run_main_code("check", str(EXAMPLES / "drug-opioid-maintenance-documented.yaml")))
    assert "imr_rules.engine" in modules
    assert not any(m == "importlib.resources" or m.startswith(("importlib.resources.", "importlib.readers")) for m in modules)


def test_package_files_is_the_folder_importlib_resources_gives():
    from importlib import resources

    import imr_rules

    assert imr_rules.package_files() == resources.files("imr_rules")
    assert imr_rules.package_files().joinpath("reference/data/guidelines.yaml").is_file()
