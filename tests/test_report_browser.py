"""The HTML report in a real headless browser: every figure loads, nothing is fetched from a
network, and the console stays free of errors.

Uses Debian's chromium (``/usr/bin/chromium``; ``.ci/run`` installs it where it can). Skips
with the reason when no chromium is found.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent / "report"))

_HOOK = """
<script>
window.__errors = [];
var __consoleError = console.error;
console.error = function () { window.__errors.push(Array.from(arguments).join(' '));
                              __consoleError.apply(console, arguments); };
window.addEventListener('error', function (e) {
  window.__errors.push(e.message || ('failed to load ' + (e.target && e.target.src)));
}, true);
</script>
"""

_PROBE = """
<script>
window.addEventListener('load', function () {
  var imgs = Array.from(document.images);
  var svgs = Array.from(document.querySelectorAll('svg'));
  var bad = imgs.filter(function (i) { return !(i.complete && i.naturalWidth > 0); }).length;
  bad += svgs.filter(function (s) { var r = s.getBoundingClientRect();
                                     return !(r.width > 0 && r.height > 0); }).length;
  var out = document.createElement('pre');
  out.id = 'zenthermo-probe';
  var h1 = document.querySelector('h1');
  out.textContent = 'images=' + imgs.length + ' svgs=' + svgs.length + ' broken=' + bad +
                    ' errors=' + window.__errors.length + ' h1=' + (h1 ? h1.textContent : '');
  document.body.appendChild(out);
});
</script>
"""


def find_chromium() -> str | None:
    """Debian's chromium, or another chromium on PATH."""
    if Path("/usr/bin/chromium").exists():
        return "/usr/bin/chromium"
    return shutil.which("chromium") or shutil.which("chromium-browser")


def render_in_browser(report: Path, work: Path) -> tuple[str, str]:
    """Load ``report`` (with the probe script appended) headless; return (DOM, stderr)."""
    chromium = find_chromium()
    if chromium is None:
        pytest.skip("no chromium found (/usr/bin/chromium); install Debian's chromium to run "
                    "the browser test")
    probe = work / "probe.html"
    text = report.read_text(encoding="utf-8")
    text = text.replace("<head>", "<head>" + _HOOK, 1).replace("</body>", _PROBE + "</body>")
    probe.write_text(text, encoding="utf-8")
    command = [
        chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", f"--user-data-dir={work / 'profile'}", "--enable-logging=stderr",
        "--v=0", "--virtual-time-budget=5000", "--dump-dom", probe.as_uri(),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    if done.returncode != 0 and "zenthermo-probe" not in done.stdout:
        pytest.fail(f"chromium failed ({done.returncode}): {done.stderr[-2000:]}")
    return done.stdout, done.stderr


def console_errors(stderr: str) -> list[str]:
    """Console messages of the page (chromium logs them as CONSOLE lines) that are errors."""
    lines = [line for line in stderr.splitlines() if "CONSOLE" in line or "Uncaught" in line]
    return [line for line in lines if re.search(r"error|uncaught|failed", line, re.IGNORECASE)]


def test_report_renders_in_chromium(tmp_path):
    from standins import TwoStateLandscape, brute_force_analysis

    from zenthermo.report import figures_isobars, figures_phase
    from zenthermo.report.html import FigureFiles, ReportContent, write_report
    from zenthermo.report.style import write_figure

    analysis = brute_force_analysis(TwoStateLandscape(), pressures=(0.0,),
                                    T=np.linspace(0, 800, 17))
    figures_dir = tmp_path / "out" / "figures"
    figures = [FigureFiles(name, name, "", *write_figure(figure, figures_dir, name))
               for name, figure in (("lcte", figures_isobars.plot_lcte(analysis)),
                                    ("phase_diagram_tp",
                                     figures_phase.plot_phase_diagram_tp(analysis)))]
    report = write_report(ReportContent(title="Browser check", analyses={"exact": analysis},
                                        figures=figures), tmp_path / "out" / "report.html")
    dom, stderr = render_in_browser(report, tmp_path)
    match = re.search(r"images=(\d+) svgs=(\d+) broken=(\d+) errors=(\d+) h1=([^<\n]*)", dom)
    assert match, f"the probe did not run; DOM tail: {dom[-500:]}"
    assert int(match.group(1)) == 2
    assert int(match.group(3)) == 0, "an embedded figure did not load"
    assert int(match.group(4)) == 0, "the page logged errors"
    assert match.group(5).strip() == "Browser check"
    assert console_errors(stderr) == []


def test_pipeline_report_renders_in_chromium(tmp_path):
    """The report of a real (short) run on the embedded Fe3Pt data, as a user opens it."""
    if find_chromium() is None:
        pytest.skip("no chromium found (/usr/bin/chromium); install Debian's chromium to run "
                    "the browser test")
    from zenthermo.pipeline import RunConfig, run_pipeline

    result = run_pipeline(RunConfig(output_dir=str(tmp_path / "out"), methods=("exact",),
                                    pressures_GPa=(0.0, 4.0), tstep_K=10.0))
    dom, stderr = render_in_browser(result.report, tmp_path)
    match = re.search(r"images=(\d+) svgs=(\d+) broken=(\d+) errors=(\d+) h1=([^<\n]*)", dom)
    assert match, f"the probe did not run; DOM tail: {dom[-500:]}"
    assert int(match.group(1)) == len(result.figures) >= 8
    assert int(match.group(3)) == 0 and int(match.group(4)) == 0
    assert "Fe9Pt3" in match.group(5)
    assert "Critical point:" in dom and "NTE windows:" in dom
    assert console_errors(stderr) == []
