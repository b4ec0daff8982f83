"""Speed and memory of the de-identification screening (issue 9, item 4).

    .venv/bin/python bench/deidentify_benchmark.py [--rounds 5] [--output PATH]

(`--output` defaults to bench/deidentify_results.md.)

Measures, in-process and without Django:

1. the time to screen 1,000 characters: the marked corpus (tests/chpso_portal/deid_corpus,
   dev and holdout, clean and marked texts) joined and cut into 1,000-character pieces, each
   screened `--rounds` times with empty known identifiers; the median over all of them, as
   wall-clock time and as CPU time of the process (on a shared machine the wall clock also
   counts the time spent waiting for a CPU, so both are given with the load average);
2. the time and resident memory that loading the word lists adds to a fresh process
   (measured in a child process, after importing the screening, so that only the lists are
   counted);
3. what a worker forked after the lists were loaded (gunicorn `--preload`) holds privately
   after screening the whole corpus, against what it shares with its parent.

Goals: at most 2 ms median per 1,000 characters, at most 0.5 s and 50 MB for the lists.
Writes a table to `--output` and exits with status 1 when a goal is missed.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

GOAL_MS_PER_1000 = 2.0
GOAL_LOAD_SECONDS = 0.5
GOAL_LOAD_MB = 50.0

_CHILD_LOAD = r"""
import json, sys, time
sys.path.insert(0, sys.argv[1])

def status(field):
    for line in open("/proc/self/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0

import chpso_portal.deidentify.screening  # the engine itself, without the lists
from chpso_portal.deidentify.lexical import prepare
before = status("VmRSS")
started = time.perf_counter()
prepare()  # the lists, and the word caches seeded from them
seconds = time.perf_counter() - started
after = status("VmRSS")
print(json.dumps({"seconds": seconds, "rss_added_mb": after - before, "rss_mb": after}))
"""


def _rollup(pid: int | str = "self") -> dict[str, float]:
    values = {}
    try:
        with open(f"/proc/{pid}/smaps_rollup") as rollup:
            for line in rollup:
                parts = line.split()
                if len(parts) >= 3 and parts[2] == "kB":
                    values[parts[0].rstrip(":")] = int(parts[1]) / 1024
    except OSError:
        pass
    return values


def corpus_pieces() -> list[str]:
    from tests.chpso_portal.deid_corpus_format import CORPUS_DIR, load_corpus

    blob = "\n\n".join(text.text for text in load_corpus(CORPUS_DIR))
    return [blob[start : start + 1000] for start in range(0, len(blob) - 999, 1000)]


def measure_speed(pieces: list[str], rounds: int) -> dict[str, float]:
    from chpso_portal.deidentify import KnownIdentifiers, screen
    from chpso_portal.deidentify.lexical import prepare

    prepare()
    known = KnownIdentifiers()
    for piece in pieces[:20]:
        screen(piece, known)
    wall, cpu = [], []
    for _ in range(rounds):
        for piece in pieces:
            started_wall, started_cpu = time.perf_counter(), time.process_time()
            screen(piece, known)
            cpu.append(time.process_time() - started_cpu)
            wall.append(time.perf_counter() - started_wall)
    wall.sort()
    return {
        "pieces": len(pieces),
        "samples": len(wall),
        "wall_median_ms": statistics.median(wall) * 1000,
        "wall_p90_ms": wall[int(len(wall) * 0.9)] * 1000,
        "cpu_median_ms": statistics.median(cpu) * 1000,
    }


def measure_load(runs: int = 5) -> dict[str, float]:
    results = []
    for _ in range(runs):
        output = subprocess.run(
            [sys.executable, "-c", _CHILD_LOAD, str(ROOT)],
            check=True, capture_output=True, text=True,
        ).stdout
        results.append(json.loads(output))
    return {
        "load_seconds": statistics.median(r["seconds"] for r in results),
        "rss_added_mb": statistics.median(r["rss_added_mb"] for r in results),
    }


def measure_fork_sharing(pieces: list[str]) -> dict[str, float] | None:
    """Private and shared memory of a worker forked after loading, once it has screened."""
    if not hasattr(os, "fork") or not Path("/proc/self/smaps_rollup").exists():
        return None
    from chpso_portal.deidentify import screen
    from chpso_portal.deidentify.lexical import prepare

    prepare()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the worker
        os.close(read)
        for piece in pieces:
            screen(piece)
        rollup = _rollup()
        os.write(write, json.dumps(rollup).encode())
        os._exit(0)
    os.close(write)
    data = b""
    while chunk := os.read(read, 65536):
        data += chunk
    os.waitpid(pid, 0)
    rollup = json.loads(data or b"{}")
    private = rollup.get("Private_Clean", 0) + rollup.get("Private_Dirty", 0)
    shared = rollup.get("Shared_Clean", 0) + rollup.get("Shared_Dirty", 0)
    return {"worker_rss_mb": rollup.get("Rss", 0), "worker_private_mb": private,
            "worker_shared_mb": shared}


def measure_recall() -> list[str]:
    """Recall per kind on dev, holdout and both, and the clean texts flagged, by the scoring
    rule of `chpso_portal/deidentify/evaluation.py` (`manage.py deid_evaluate`)."""
    from collections import Counter

    from chpso_portal.deidentify.evaluation import KINDS_WITH_OWN_THRESHOLD, evaluate
    from tests.chpso_portal.deid_corpus_format import CORPUS_DIR, load_corpus

    texts = load_corpus(CORPUS_DIR)
    splits = {
        "dev": evaluate([t for t in texts if t.source.startswith("dev/")]),
        "holdout": evaluate([t for t in texts if t.source.startswith("holdout/")]),
        "all": evaluate(texts),
    }
    kinds = sorted(splits["all"].marks, key=lambda k: (-splits["all"].marks[k], k))

    def cell(score, kind=None):
        hits = sum(score.found.values()) if kind is None else score.found[kind]
        total = sum(score.marks.values()) if kind is None else score.marks[kind]
        return f"{hits / total:.3f} ({hits}/{total})" if total else "-"

    lines = ["## Recall on the marked corpus", "",
             "Scored as `manage.py deid_evaluate` scores (a mark is found when findings cover "
             "half of it; thresholds: 0.95 overall, 0.90 for "
             + ", ".join(KINDS_WITH_OWN_THRESHOLD) + ", at most 10% of clean texts flagged).",
             "", "| kind | dev | holdout | all |", "|---|---|---|---|"]
    for kind in kinds:
        lines.append(f"| {kind} | " + " | ".join(cell(s, kind) for s in splits.values()) + " |")
    lines.append("| **overall** | " + " | ".join(cell(s) for s in splits.values()) + " |")
    lines.append("| clean texts flagged | " + " | ".join(
        f"{s.clean_flagged / s.clean_texts:.3f} ({s.clean_flagged}/{s.clean_texts})"
        for s in splits.values()) + " |")
    by_kind = {name: Counter(kind for alarm in s.false_alarms for kind in
                             {kind for kind, _ in alarm.findings})
               for name, s in splits.items()}
    found_kinds = sorted(set().union(*by_kind.values()))
    for kind in found_kinds:
        lines.append(f"| clean texts flagged with a {kind} finding | " + " | ".join(
            f"{by_kind[name][kind]}/{s.clean_texts}" for name, s in splits.items()) + " |")
    lines.append("")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "deidentify_results.md")
    args = parser.parse_args()

    load = measure_load()
    pieces = corpus_pieces()
    load_average_before = os.getloadavg()
    speed = measure_speed(pieces, args.rounds)
    load_average_after = os.getloadavg()
    sharing = measure_fork_sharing(pieces)

    checks = [
        ("median time to screen 1,000 characters (CPU)", f"{speed['cpu_median_ms']:.2f} ms",
         f"<= {GOAL_MS_PER_1000} ms", speed["cpu_median_ms"] <= GOAL_MS_PER_1000),
        ("median time to screen 1,000 characters (wall clock)",
         f"{speed['wall_median_ms']:.2f} ms (p90 {speed['wall_p90_ms']:.2f} ms)",
         f"<= {GOAL_MS_PER_1000} ms on an idle machine", None),
        ("word lists: load time in a fresh process", f"{load['load_seconds']:.3f} s",
         f"<= {GOAL_LOAD_SECONDS} s", load["load_seconds"] <= GOAL_LOAD_SECONDS),
        ("word lists: resident memory added", f"{load['rss_added_mb']:.1f} MB",
         f"<= {GOAL_LOAD_MB:.0f} MB", load["rss_added_mb"] <= GOAL_LOAD_MB),
    ]
    if sharing:
        checks.append((
            "forked worker after screening the corpus: private / shared",
            f"{sharing['worker_private_mb']:.1f} MB / {sharing['worker_shared_mb']:.1f} MB "
            f"(RSS {sharing['worker_rss_mb']:.1f} MB)", "lists stay shared", None,
        ))

    lines = [
        "# Benchmark: de-identification screening",
        "",
        f"Measured {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC by "
        "`bench/deidentify_benchmark.py` on "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}, load average "
        f"{load_average_before[0]:.1f} before and {load_average_after[0]:.1f} after the "
        "timing (the machine is shared; the CPU time of the process is the figure that does "
        "not depend on the others).",
        "",
        f"Text: the marked corpus (dev and holdout) cut into {speed['pieces']} pieces of "
        f"1,000 characters, each screened {args.rounds} times ({speed['samples']} samples), "
        "with empty known identifiers.",
        "",
        "| measure | result | goal | met |",
        "|---|---|---|---|",
    ]
    for name, value, goal, met in checks:
        lines.append(f"| {name} | {value} | {goal} | "
                     f"{'-' if met is None else ('yes' if met else 'NO')} |")
    lines += [
        "",
        "The lists are loaded by `chpso_portal/wsgi.py` at import, so with `gunicorn --preload`",
        "the master loads them once and the workers share those pages; a worker's private",
        "memory is what its own screening allocates (Python's reference counts also dirty some",
        "shared pages as they are read).",
        "",
    ]
    lines += measure_recall()
    args.output.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))
    return 0 if all(met is not False for *_, met in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
