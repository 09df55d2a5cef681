"""Run every benchmark (make bench). Results go to docs/benchmarks.md by hand,
with the machine and the command, so a figure always says where it came from.

The volume benchmarks need their synthetic volume: it is loaded first when missing
(seed_volume ~2-3 min, seed_helpdesk_volume ~20 s); a volume already loaded is kept
(the seed command refuses a second run, which is fine here)."""

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# script -> management command that loads the volume it measures
VOLUMES = {
    "cases.py": "seed_volume",
    "helpdesk.py": "seed_helpdesk_volume",
    "incidents.py": "seed_incident_volume",
}
ALREADY_LOADED = "既に投入済み"


def ensure_volume(command):
    r = subprocess.run(
        [sys.executable, "manage.py", command], cwd=ROOT, capture_output=True, text=True
    )
    if r.returncode == 0:
        print(r.stdout, end="", flush=True)
    elif ALREADY_LOADED in r.stderr:
        print(f"   {command}: volume already loaded, kept", flush=True)
    else:
        sys.stderr.write(r.stdout + r.stderr)
        raise SystemExit(f"{command} failed")


for script in (
    "request_accounting.py",
    "home_page.py",
    "personnel_import.py",
    "cases.py",
    "helpdesk.py",
    "incidents.py",
):
    print(f"== {script}", flush=True)
    if script in VOLUMES:
        ensure_volume(VOLUMES[script])
    subprocess.run([sys.executable, str(HERE / script)], cwd=HERE, check=True)
