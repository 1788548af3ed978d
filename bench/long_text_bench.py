"""How reading grows with a text plan's size: `python bench/long_text_bench.py [--runs N]`.

Joining wrapped lines into paragraphs was quadratic (issue 10: a 1 MB text plan took 88 s, a
10 MB one over 300 s). This reads plans of about 1 MB and 10 MB, made here, with the text
limits lifted (they refuse both past 1,000,000 characters): one item whose paragraph runs over
every line — the case that was quadratic — and the largest corpus document repeated. Then the
same files at the limits in force, which refuse them. Prints figures; asserts nothing.
"""
import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LINE = "推进农业机械化和农机装备产业转型升级，加快补齐丘陵山区农机装备短板，"


def long_item(size: int) -> bytes:
    """One item whose sentence is wrapped over lines that never end it, then its note."""
    body = (LINE + "\n").encode()
    return ("一、主要任务\n1、开展工作，".encode() + body * (size // len(body))
            + "完成。（责任单位：市财政局）\n2、加强执法。（责任单位：市商务局）\n".encode())


def corpus_repeated(size: int) -> bytes:
    corpus = sorted((ROOT / "tests" / "corpus").glob("*.txt"), key=lambda p: p.stat().st_size)
    data = corpus[-1].read_bytes()
    return data * max(1, size // len(data))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    scratch = tempfile.mkdtemp(prefix="duban-bench-")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{scratch}/bench.sqlite3")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from tasks.importers import PlanImportError, limits, read_plan_file

    kinds = (("one long item,", long_item), ("corpus repeated,", corpus_repeated))
    files = [(f"{label} {size // 1_000_000} MB", make(size))
             for size in (1_000_000, 10_000_000) for label, make in kinds]
    defaults = {name: getattr(limits, name) for name in ("TEXT_MAX_CHARS", "TEXT_MAX_LINES")}
    print(f"reading (read_plan_file), text limits lifted; median of {args.runs} runs")
    print(f"{'plan':28} {'bytes':>10} {'chars':>10} {'lines':>7} {'tasks':>6} {'seconds':>8}")
    limits.TEXT_MAX_CHARS = limits.TEXT_MAX_LINES = 10**9
    for name, data in files:
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            reading = read_plan_file(data, "plan.txt")
            times.append(time.perf_counter() - start)
        text = data.decode()
        print(f"{name:28} {len(data):>10} {len(text):>10} {text.count(chr(10)):>7} "
              f"{len(reading.tasks):>6} {statistics.median(times):>8.2f}")
    for name, value in defaults.items():
        setattr(limits, name, value)
    print(f"\nat the limits in force ({defaults['TEXT_MAX_CHARS']:,} characters, "
          f"{defaults['TEXT_MAX_LINES']:,} lines):")
    for name, data in files:
        start = time.perf_counter()
        try:
            read_plan_file(data, "plan.txt")
            outcome = "read"
        except PlanImportError as error:
            outcome = str(error)
        print(f"{name:28} {time.perf_counter() - start:>6.3f} s  {outcome}")


if __name__ == "__main__":
    main()
