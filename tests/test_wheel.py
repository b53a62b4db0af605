"""The package as a user installs it: `python -m build`, the wheel into a fresh venv, the same figures.

The wheel must carry what extraction needs (lexicons, the province table, the
models, the templates) and claim only `solieu` in site-packages. The fresh venv
gets the project's dependencies by a path line to this environment's
site-packages (nothing is downloaded), not the checkout: the test runs the
installed command from a folder outside the checkout and checks where it loaded
its code from.
"""

from __future__ import annotations

import json
import site
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "corpora" / "seeds"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    build = subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out), str(ROOT)],
                           capture_output=True, text=True, timeout=600)
    assert build.returncode == 0, build.stdout[-2000:] + build.stderr[-2000:]
    [built] = out.glob("solieu-*.whl")
    return built


def test_the_wheel_claims_only_solieu_and_carries_the_data(wheel: Path):
    names = zipfile.ZipFile(wheel).namelist()
    tops = {name.split("/", 1)[0] for name in names if not name.split("/", 1)[0].endswith(".dist-info")}
    assert tops == {"solieu"}
    for needed in ("solieu/corpora/lexicons/figures.json", "solieu/corpora/provinces.csv",
                   "solieu/corpora/domains/mai-dam/models/manifest.json", "solieu/pipeline/templates/report.html.j2"):
        assert needed in names, needed


def test_the_installed_wheel_extracts_the_seeds_as_the_checkout_does(wheel: Path, tmp_path: Path):
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    install = subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", str(wheel)],
                             capture_output=True, text=True, timeout=300)
    assert install.returncode == 0, install.stderr[-2000:]
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    # The dependencies of this environment, as a plain path: its own .pth files (the checkout's
    # editable install among them) are not read from a directory added this way.
    (Path(purelib) / "solieu_test_dependencies.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    where = subprocess.run([str(python), "-c", "import solieu.pipeline.run as r; print(r.__file__)"],
                           capture_output=True, text=True, cwd=tmp_path, check=True).stdout.strip()
    assert where.startswith(str(env_dir)), where

    installed = tmp_path / "installed.jsonl"
    checkout = tmp_path / "checkout.jsonl"
    run = subprocess.run([str(env_dir / "bin" / "solieu"), "extract", str(SEEDS), "-o", str(installed), "--workers", "1"],
                         capture_output=True, text=True, cwd=tmp_path, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    subprocess.run([sys.executable, "-m", "solieu.pipeline.cli", "extract", str(SEEDS), "-o", str(checkout),
                    "--workers", "1"], capture_output=True, text=True, cwd=ROOT, check=True, timeout=600)
    ours = [json.loads(line) for line in installed.read_text(encoding="utf-8").splitlines()]
    theirs = [json.loads(line) for line in checkout.read_text(encoding="utf-8").splitlines()]
    assert len(ours) == 79
    assert ours == theirs
