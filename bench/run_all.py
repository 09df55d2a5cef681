"""Run every benchmark (make bench). Results go to docs/benchmarks.md by hand,
with the machine and the command, so a figure always says where it came from."""

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

for script in ("request_accounting.py", "home_page.py", "personnel_import.py"):
    print(f"== {script}", flush=True)
    subprocess.run([sys.executable, str(HERE / script)], cwd=HERE, check=True)
