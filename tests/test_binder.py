"""Running the course for a class: the repo2docker files (Binder, a JupyterHub image) and the
measured resource needs the teacher's guide quotes.

repo2docker reads ``binder/`` *instead of* the top-level files when that folder exists; the course
keeps all of them there (``binder/requirements.txt`` differs from ``requirements.txt`` only by
taking torch from PyTorch's CPU wheel index). Without Docker, these tests check each file against
what repo2docker does with it:

* ``runtime.txt`` parses as repo2docker parses it and names a Python the package supports;
* ``apt.txt`` holds valid package names, and every Debian package that ``.ci/run`` installs is
  either in it or listed here as not needed at run time (with the reason);
* ``requirements.txt`` pulls in the top-level requirements, pins the same torch as a CPU build, and
  pip resolves it to a ``+cpu`` torch with no CUDA wheels (a dry run, offline-capable);
* ``postBuild`` is executable, downloads nothing (it runs here with every proxy pointing at a
  closed port and pip's index switched off), and makes JupyterLab open on the lessons (a
  throw-away JupyterLab started with the config it wrote redirects ``/`` to ``/lab/tree/notebooks``).

A full fresh environment built from ``binder/requirements.txt`` is not rebuilt on every run (it
takes minutes and about 2 GB): ``TCN_TEST_BINDER_VENV=1`` adds that test.
"""
from __future__ import annotations

import importlib.util
import json
import os
import re
import stat
import subprocess
import sys
import urllib.error
import urllib.request
import venv
from pathlib import Path

import pytest

import browser_utils as bu

ROOT = Path(__file__).resolve().parents[1]
BINDER = ROOT / "binder"
#: Debian packages that .ci/run installs for the tests but a class server does not need, and why.
NOT_AT_RUN_TIME = {
    "chromium": "the browser tests only",
    "espeak-ng": "regenerating the spoken example sound in assets/sounds only",
    "sox": "regenerating the spoken example sound in assets/sounds only",
}
#: Debian packages the lessons need at run time.
RUN_TIME = {"libsndfile1"}
OFFLINE_ENV = {"http_proxy": "http://127.0.0.1:9", "https_proxy": "http://127.0.0.1:9",
               "HTTP_PROXY": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9",
               "no_proxy": "127.0.0.1,localhost", "NO_PROXY": "127.0.0.1,localhost",
               "PIP_NO_INDEX": "1"}


def _requirement_lines(path: Path):
    for line in path.read_text().splitlines():
        line = line.split(" #", 1)[0].strip()
        if line and not line.startswith("#"):
            yield line


def _torch_pin(path: Path) -> str:
    pins = [l for l in _requirement_lines(path) if re.match(r"^torch\s*==", l)]
    assert len(pins) == 1, f"{path}: expected one exact torch pin, found {pins}"
    return pins[0].split("==", 1)[1].strip()


def test_binder_folder_holds_every_file_repo2docker_reads():
    assert BINDER.is_dir() and not (ROOT / ".binder").exists(), "repo2docker refuses both binder/ and .binder/"
    for name in ("requirements.txt", "apt.txt", "runtime.txt", "postBuild"):
        assert (BINDER / name).is_file(), f"binder/{name} is missing"
    # repo2docker would silently ignore these at the top level (binder/ wins): none may mislead.
    for name in ("apt.txt", "runtime.txt", "postBuild", "environment.yml", "Pipfile", "install.R", "start"):
        assert not (ROOT / name).exists(), f"top-level {name} is ignored by repo2docker once binder/ exists"
    # A conda environment file in binder/ would replace requirements.txt entirely.
    assert not (BINDER / "environment.yml").exists()


def test_runtime_txt_names_a_supported_python_the_way_repo2docker_parses_it():
    text = (BINDER / "runtime.txt").read_text().strip()
    parts = text.split("-")  # repo2docker: name-version, name-version-yyyy-mm-dd or name-yyyy-mm-dd
    assert len(parts) == 2 and all(parts), f"runtime.txt should read like 'python-3.11', got {text!r}"
    name, version = parts
    assert name == "python"
    release = version.split(".")
    assert len(release) == 2 and all(r.isdigit() for r in release), \
        f"give major.minor ({version!r}): a bare major version makes repo2docker pick its default"
    requires = re.search(r'requires-python\s*=\s*"([^"]+)"', (ROOT / "pyproject.toml").read_text())
    assert requires, "pyproject.toml has no requires-python"
    for spec in requires.group(1).split(","):
        op, bound = re.match(r"\s*(>=|<|<=|>|==)\s*([\d.]+)", spec).groups()
        ours, theirs = tuple(map(int, release)), tuple(map(int, bound.split(".")))[:2]
        assert {">=": ours >= theirs, ">": ours > theirs, "<": ours < theirs, "<=": ours <= theirs,
                "==": ours == theirs}[op], f"python {version} does not satisfy requires-python {requires.group(1)}"


def _ci_packages() -> set:
    m = re.search(r'^APT_PACKAGES="([^"]+)"', (ROOT / ".ci" / "run").read_text(), re.M)
    assert m, ".ci/run no longer lists APT_PACKAGES"
    return set(m.group(1).split())


def _apt_packages() -> list:
    out = []
    for line in (BINDER / "apt.txt").read_text().splitlines():
        package = line.partition("#")[0].strip()
        if package:
            out.append(package)
    return out


def test_apt_txt_has_the_debian_packages_the_course_needs_at_run_time():
    apt = _apt_packages()
    for package in apt:  # repo2docker's own check, made strict (it only anchors the start)
        assert re.fullmatch(r"[a-z0-9.+-]+", package), f"apt.txt: invalid package name {package!r}"
    assert len(apt) == len(set(apt)), f"apt.txt lists a package twice: {apt}"
    missing = RUN_TIME - set(apt)
    assert not missing, f"apt.txt lacks run-time packages {sorted(missing)}"
    ci = _ci_packages()
    undecided = ci - set(apt) - set(NOT_AT_RUN_TIME)
    assert not undecided, (f".ci/run installs {sorted(undecided)}: add them to binder/apt.txt, or to "
                           "NOT_AT_RUN_TIME in this test with the reason a class server does not need them")
    assert not (set(apt) & set(NOT_AT_RUN_TIME)), "a package is both in apt.txt and marked not needed"
    assert RUN_TIME <= ci, ".ci/run should install the run-time packages too (the tests need them)"


def test_binder_requirements_are_the_course_requirements_with_cpu_torch():
    lines = list(_requirement_lines(BINDER / "requirements.txt"))
    assert "-r ../requirements.txt" in lines, "binder/requirements.txt must pull in the course requirements"
    assert "--extra-index-url https://download.pytorch.org/whl/cpu" in lines
    ours, theirs = _torch_pin(BINDER / "requirements.txt"), _torch_pin(ROOT / "requirements.txt")
    assert ours == f"{theirs.split('+')[0]}+cpu", f"binder pins torch {ours}, the course pins {theirs}"
    # Nothing else but the Notebook 7 front end repo2docker starts: every other requirement comes
    # from ../requirements.txt (one list to maintain).
    assert [l for l in lines if not l.startswith(("-r ", "--extra-index-url ", "torch=="))] == ["notebook>=7,<8"], lines
    # `-e .` in ../requirements.txt is relative to the working directory: repo2docker installs from
    # the repository root (WORKDIR ${REPO_DIR}), as the dry run below does.
    assert "-e ." in list(_requirement_lines(ROOT / "requirements.txt"))


def test_binder_requirements_resolve_to_the_cpu_build_of_torch(tmp_path):
    report = tmp_path / "report.json"
    cmd = [sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed", "--quiet",
           "--retries", "0", "--timeout", "10", "--report", str(report), "-r", "binder/requirements.txt"]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, f"pip could not resolve binder/requirements.txt:\n{proc.stderr[-3000:]}"
    installs = {i["metadata"]["name"].lower(): i for i in json.loads(report.read_text())["install"]}
    assert installs["torch"]["metadata"]["version"].endswith("+cpu"), installs["torch"]["metadata"]["version"]
    cuda = sorted(n for n in installs if n.startswith(("nvidia-", "triton")))
    assert not cuda, f"CUDA wheels would be installed: {cuda}"
    assert installs["tcnlib"]["download_info"]["url"] == ROOT.as_uri()
    for name in ("jupyterlab", "notebook", "ipywidgets", "librosa", "latex2mathml", "voila"):
        assert name in installs, f"{name} would not be installed"


@pytest.fixture(scope="module")
def postbuild_run(tmp_path_factory):
    """binder/postBuild run once, offline, into a scratch prefix and home (not the course's venv)."""
    tmp = tmp_path_factory.mktemp("postbuild")
    env = dict(os.environ)
    env.update(OFFLINE_ENV)
    env.update(NB_PYTHON_PREFIX=str(tmp / "prefix"), HOME=str(tmp / "home"), JUPYTER_DATA_DIR=str(tmp / "data"),
               NUMBA_CACHE_DIR=str(tmp / "numba"), MPLCONFIGDIR=str(tmp / "mpl"),
               PATH=os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")]))
    env.pop("TCN_COURSE_QUICK", None)
    proc = subprocess.run(["./binder/postBuild"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    return tmp, proc


def test_postbuild_is_executable_and_downloads_nothing(postbuild_run):
    path = BINDER / "postBuild"
    assert path.read_text().startswith("#!/bin/bash\n")
    assert os.stat(path).st_mode & stat.S_IXUSR, "binder/postBuild is not executable"
    tracked = subprocess.run(["git", "ls-files", "-s", "binder/postBuild"], cwd=ROOT, capture_output=True, text=True)
    if tracked.stdout:  # committed: the executable bit must be in git, or a clone loses it
        assert tracked.stdout.startswith("100755"), f"git records binder/postBuild as {tracked.stdout.split()[0]}"
    code = "\n".join(l for l in path.read_text().splitlines() if not l.lstrip().startswith("#"))
    for pattern in (r"\bpip\b.*\binstall\b", r"\bconda\b", r"\bmamba\b", r"\bcurl\b", r"\bwget\b",
                    r"\bgit\s+clone\b", r"\bapt(-get)?\b", r"\bnpm\b", r"https?://", r"\bjupyter\s+lab\s+build\b"):
        assert not re.search(pattern, code), f"postBuild must not download anything: it matches {pattern!r}"
    tmp, proc = postbuild_run
    assert proc.returncode == 0, f"postBuild failed offline:\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}"
    assert "144 example clips" in proc.stdout or re.search(r"postBuild: \d+ example clips", proc.stdout)


def test_postbuild_makes_jupyterlab_open_on_the_lessons(postbuild_run, monkeypatch, tmp_path):
    tmp, proc = postbuild_run
    assert proc.returncode == 0, proc.stderr[-3000:]
    config = json.loads((tmp / "prefix" / "etc" / "jupyter" / "jupyter_server_config.json").read_text())
    assert config["ServerApp"]["default_url"] == config["LabApp"]["default_url"] == "/lab/tree/notebooks"
    assert (ROOT / "notebooks").is_dir()
    # A throw-away JupyterLab that reads the environment config postBuild wrote.
    monkeypatch.setenv("JUPYTER_CONFIG_PATH", str(tmp / "prefix" / "etc" / "jupyter"))
    server = bu.start_jupyterlab(ROOT, tmp_path / "lab")
    try:
        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        opener = urllib.request.build_opener(NoRedirect)
        with pytest.raises(urllib.error.HTTPError) as redirect:
            opener.open(server.url(""), timeout=30)
        assert redirect.value.code == 302
        assert redirect.value.headers["Location"].split("?")[0].endswith("/lab/tree/notebooks")
        with urllib.request.urlopen(server.url("lab/tree/notebooks"), timeout=60) as r:
            assert r.status == 200 and b"JupyterLab" in r.read()
    finally:
        server.stop()


@pytest.mark.slow
@pytest.mark.skipif(os.environ.get("TCN_TEST_BINDER_VENV") != "1",
                    reason="builds a full fresh environment (minutes, ~2 GB): set TCN_TEST_BINDER_VENV=1")
def test_a_fresh_environment_from_the_binder_files_runs_the_course(tmp_path):
    env_dir = tmp_path / "binder-venv"
    venv.create(env_dir, with_pip=True)
    py = env_dir / "bin" / "python"
    subprocess.run([str(py), "-m", "pip", "install", "--quiet", "--retries", "0", "--timeout", "10",
                    "-r", "binder/requirements.txt"], cwd=ROOT, check=True, timeout=3600)
    out = subprocess.run([str(py), "-c", "import torch, tcnlib, jupyterlab; print(torch.__version__)"],
                         cwd=tmp_path, check=True, capture_output=True, text=True).stdout
    assert out.strip().endswith("+cpu")
    env = dict(os.environ, **OFFLINE_ENV, NB_PYTHON_PREFIX=str(env_dir), HOME=str(tmp_path / "home"),
               PATH=os.pathsep.join([str(env_dir / "bin"), os.environ.get("PATH", "")]))
    subprocess.run(["./binder/postBuild"], cwd=ROOT, env=env, check=True, timeout=900)


# --------------------------------------------------------------------------------------------
# The guide's resource table comes from the measurements
# --------------------------------------------------------------------------------------------

def _measure_module():
    spec = importlib.util.spec_from_file_location("measure_lessons", ROOT / "benchmarks" / "measure_lessons.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_guide_quotes_the_measured_resources():
    m = _measure_module()
    results = m.read_results()
    assert results, "benchmarks/LESSONS.md has no measurements (run benchmarks/measure_lessons.py)"
    guide = m.GUIDE.read_text()
    assert "## Running the course for a class" in guide
    assert m.GUIDE_START in guide and m.GUIDE_END in guide, "the guide lost its lesson-resources markers"
    table = guide.split(m.GUIDE_START, 1)[1].split(m.GUIDE_END, 1)[0].strip()
    assert table == m.guide_table(results), \
        "the guide's table differs from benchmarks/LESSONS.md: run python benchmarks/measure_lessons.py --update-guide-only"
    for (lesson, mode), r in results.items():
        assert r.commit and re.fullmatch(r"[0-9a-f]{7,40}(\+dirty)?", r.commit), r
        assert r.peak_mib > 0 and r.cpu_s > 0, r


def test_results_rows_round_trip():
    m = _measure_module()
    r = m.Result("01_a.ipynb", "quick", 512.4, 12.3, 40.0, 1, "ok", "abc1234567", "2026-12-01 14:00", "2-core X")
    assert m.Result.from_row(r.row()) == m.Result("01_a.ipynb", "quick", 512.0, 12.0, 40.0, 1, "ok",
                                                  "abc1234567", "2026-12-01 14:00", "2-core X")
    table = m.guide_table({("01_a.ipynb", "quick"): r})
    assert "| 01_a.ipynb | 512 MiB | 12 s | not measured yet |  | abc1234567 |" in table
