"""Accessibility and HTML checks for the browser tests: axe-core injected from node_modules, the Nu Html
Checker (vnu-jar) run once over saved pages, and a detector of Vietnamese text on English pages.

Both tools come from the npm registry (package.json at the repository root, `npm ci` in .ci/run); a
test that needs one is skipped, with the reason, when `node_modules` has not been installed.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
VNU = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"

# WCAG 2.1 A and AA rules, plus axe's best-practice rules that the issue names (landmarks, skip link).
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
BLOCKING = {"critical", "serious"}


def require_axe() -> Path:
    if not AXE.exists():
        pytest.skip("axe-core not installed: run `npm ci --ignore-scripts` at the repository root")
    return AXE


def require_vnu() -> Path:
    if not VNU.exists():
        pytest.skip("vnu-jar not installed: run `npm ci --ignore-scripts` at the repository root")
    if shutil.which("java") is None:
        pytest.skip("java not installed (Debian's default-jre-headless; .ci/run installs it)")
    return VNU


def run_axe(page) -> list[dict]:
    """The critical and serious violations on the page as it is now: [{id, impact, help, targets}]."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(require_axe()))
    result = page.evaluate(
        """async (tags) => {
            const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                targets: v.nodes.slice(0, 5).map(
                    n => n.target.join(' ') + ' :: ' + (n.failureSummary || '').slice(0, 200))}));
        }""",
        AXE_TAGS,
    )
    return [v for v in result if v["impact"] in BLOCKING]


def run_vnu(files: list[Path]) -> list[dict]:
    """Every error the Nu Html Checker finds in `files`, in one Java call: [{file, line, message, extract}]."""
    jar = require_vnu()
    proc = subprocess.run(
        ["java", "-jar", str(jar), "--format", "json", "--stdout", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    report = json.loads(proc.stdout or "{}")
    errors = []
    for m in report.get("messages", []):
        if m.get("type") == "error" or m.get("subType") == "fatal":
            errors.append(
                {
                    "file": Path(m.get("url", "")).name,
                    "line": m.get("lastLine"),
                    "message": m.get("message"),
                    "extract": (m.get("extract") or "")[:160],
                }
            )
    return errors


# Letters that only Vietnamese uses among the languages this site shows (not in English, nor in the
# names of foreign words a page may quote): ă â đ ê ô ơ ư and every letter with a Vietnamese tone mark.
VIETNAMESE = re.compile(
    "[ăâđêôơưĂÂĐÊÔƠƯ"
    "ạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ"
    "ẠẢẤẦẨẪẬẮẰẲẴẶẸẺẼẾỀỂỄỆỈỊỌỎỐỒỔỖỘỚỜỞỠỢỤỦỨỪỬỮỰỲỴỶỸ"
    "àáèéìíòóùúýãõĩũÀÁÈÉÌÍÒÓÙÚÝÃÕĨŨ]"
)

# Text nodes of the page outside elements marked lang="vi" (the language switch, quoted names), and
# their accessible names (aria-label, title, placeholder, alt, option text) likewise.
TEXTS_JS = """() => {
  const out = [];
  const isVi = el => { for (let e = el; e; e = e.parentElement) { const l = e.getAttribute && e.getAttribute('lang');
      if (l) return l.startsWith('vi'); } return false; };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const p = n.parentElement;
    if (!p || ['SCRIPT', 'STYLE', 'TEXTAREA'].includes(p.tagName) || isVi(p)) continue;
    const t = n.textContent.trim(); if (t) out.push(t);
  }
  for (const el of document.querySelectorAll('[aria-label],[title],[placeholder],[alt]')) {
    if (isVi(el)) continue;
    for (const a of ['aria-label', 'title', 'placeholder', 'alt']) { const v = el.getAttribute(a); if (v) out.push(v); }
  }
  const title = document.title; if (title) out.push(title);
  return out;
}"""


def vietnamese_labels(page, allowed: list[str]) -> list[str]:
    """Texts on an English page with Vietnamese letters left after removing `allowed` (user-typed data)."""
    found = []
    for text in page.evaluate(TEXTS_JS):
        rest = text
        for value in sorted(allowed, key=len, reverse=True):
            rest = rest.replace(value, " ")
        if VIETNAMESE.search(rest):
            found.append(text[:120])
    return sorted(set(found))
