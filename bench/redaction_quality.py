"""Quality of the personal-data detector on the labelled corpus: recall and precision per kind.

    .venv/bin/python -m bench.redaction_quality            # table per kind, then the misses
    .venv/bin/python -m bench.redaction_quality --quiet    # table only
    .venv/bin/python -m bench.redaction_quality --quiet FILE [FILE ...]   # any corpus files, one table each

A corpus file is JSON lines ({"text", "spans"}) or marked-up text, one sentence a line with
{kind|value} around each personal datum and "#" comment lines (tests/privacy/data/*.txt).

Recall: a labelled span counts as found when every letter and digit of it lies inside what the
detector masks (a half-masked name or phone is a leak, so it is a miss). Precision: a masked span is
right when it overlaps a labelled span; masking inside a negative sentence (officials, bodies, laws,
places, amounts) is a false positive. Timing is per sentence, against an empty call in the same run.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

from feedback.domain.personal_data import detect  # noqa: E402

CORPUS = ROOT / "tests" / "data" / "redaction_corpus.jsonl"
HOLDOUT = ROOT / "tests" / "data" / "redaction_holdout.jsonl"
GOALS = {"recall": {"name": 0.97, "phone": 0.97, "email": 0.97, "id": 0.97, "address": 0.97}, "precision": 0.9}
KINDS = ("name", "phone", "email", "id", "address", "bank", "plate", "dob")


HELD_OUT = ROOT / "tests" / "privacy" / "data" / "heldout_complaints.txt"
_MARK = re.compile(r"\{(" + "|".join(KINDS) + r")\|([^{}]+)\}")


def parse_marked(line: str) -> dict:
    """One marked-up sentence ("ông {name|Trần Văn Bình} ...") as {"text", "spans"}."""
    out, spans, position, length = [], [], 0, 0
    for match in _MARK.finditer(line):
        out.append(line[position : match.start()])
        length += match.start() - position
        spans.append({"start": length, "end": length + len(match.group(2)), "kind": match.group(1)})
        out.append(match.group(2))
        length += len(match.group(2))
        position = match.end()
    out.append(line[position:])
    return {"text": "".join(out), "spans": spans}


def load(path: Path = CORPUS) -> list[dict]:
    lines = [line for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]
    if str(path).endswith(".jsonl"):
        return [json.loads(line) for line in lines]
    return [parse_marked(line) for line in lines if not line.startswith("#")]


def evaluate(rows: list[dict]) -> dict:
    """Per-kind counts: labelled, found, masked, masked right; plus the misses and false positives."""
    stats = defaultdict(lambda: {"gold": 0, "found": 0, "pred": 0, "right": 0})
    misses, false_positives = [], []
    negatives = negatives_clean = 0
    for row in rows:
        text, gold = row["text"], row["spans"]
        findings = detect(text)
        covered = set()
        for f in findings:
            covered.update(range(f.start, f.end))
        for span in gold:
            s = stats[span["kind"]]
            s["gold"] += 1
            needed = [i for i in range(span["start"], span["end"]) if text[i].isalnum()]
            if all(i in covered for i in needed):
                s["found"] += 1
            else:
                misses.append((span["kind"], text[span["start"] : span["end"]], text))
        for f in findings:
            kind = f.kind if f.kind in KINDS else "name"
            s = stats[kind]
            s["pred"] += 1
            if any(f.start < g["end"] and g["start"] < f.end for g in gold):
                s["right"] += 1
            else:
                false_positives.append((f.kind, f.text, text))
        if not gold:
            negatives += 1
            negatives_clean += not findings
    total_pred = sum(s["pred"] for s in stats.values())
    total_right = sum(s["right"] for s in stats.values())
    return {
        "stats": dict(stats),
        "misses": misses,
        "false_positives": false_positives,
        "negatives": negatives,
        "negatives_clean": negatives_clean,
        "precision": total_right / total_pred if total_pred else 1.0,
    }


def ratio(a: int, b: int) -> float:
    return a / b if b else 1.0


def report(path: Path, quiet: bool) -> bool:
    """Print the per-kind table of one corpus file (and its misses unless quiet); whether goals are met."""
    rows = load(path)
    started = time.perf_counter()
    result = evaluate(rows)
    elapsed = time.perf_counter() - started
    try:
        shown = Path(path).resolve().relative_to(ROOT)
    except ValueError:
        shown = path
    print(
        f"corpus {shown}: {len(rows)} sentences, {sum(len(r['spans']) for r in rows)} labelled spans, "
        f"{result['negatives']} negative sentences"
    )
    print(f"{'kind':<9}{'labelled':>9}{'found':>7}{'recall':>8}{'masked':>8}{'right':>7}{'precision':>11}  goal")
    ok = True
    for kind in KINDS:
        s = result["stats"].get(kind, {"gold": 0, "found": 0, "pred": 0, "right": 0})
        recall, precision = ratio(s["found"], s["gold"]), ratio(s["right"], s["pred"])
        goal = GOALS["recall"].get(kind)
        met = (goal is None or recall >= goal) and precision >= GOALS["precision"]
        ok &= met
        print(
            f"{kind:<9}{s['gold']:>9}{s['found']:>7}{recall:>8.3f}{s['pred']:>8}{s['right']:>7}{precision:>11.3f}"
            f"  {f'recall≥{goal:.2f}, ' if goal else ''}precision≥0.90 {'ok' if met else 'MISSED'}"
        )
    print(
        f"overall precision {result['precision']:.3f}; negative sentences left untouched: "
        f"{result['negatives_clean']}/{result['negatives']}"
    )
    print(f"time: {1000 * elapsed / max(1, len(rows)):.2f} ms per sentence")
    if not quiet:
        for kind, value, text in result["misses"]:
            print(f"MISS  {kind:<8} {value!r:40} in {text}")
        for kind, value, text in result["false_positives"]:
            print(f"FALSE {kind:<8} {value!r:40} in {text}")
    print()
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "files", nargs="*", type=Path, help="corpus files (.jsonl or marked-up .txt); default: the main corpus"
    )
    parser.add_argument("--quiet", action="store_true")
    parser.add_argument("--holdout", action="store_true", help="measure the first held-out sentences instead")
    args = parser.parse_args()
    files = args.files or [HOLDOUT if args.holdout else CORPUS]
    ok = True
    for path in files:
        ok &= report(path, args.quiet)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
