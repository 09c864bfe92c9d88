"""The published HTML report in a real browser (headless Chromium from Debian's packages).

A probe script, put in front of a copy of the report, records every error event (script errors,
resources that fail to load, Content-Security-Policy violations) and every console.error call
from the first byte on; once the page has loaded it reports what it saw, with each image's natural
size, to a host page that writes it into its DOM, which `--dump-dom` prints. Chromium's own
console log (stderr) is checked too. The report sits in an iframe of the exact width (headless
Chromium will not make its window narrower than 500 px, and a phone is 390): phone (390 px) and
desktop (1280 px). Screenshots of both are kept in the test's temporary directory.
"""

import json
import re
import shutil
import subprocess

import pytest
from publish_helpers import draft_report_dir

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium not installed (.ci/run installs Debian's chromium)")

PROBE = """<script>
(function () {
  var seen = [];
  window.addEventListener("error", function (e) {
    var t = e.target;
    seen.push(t && t !== window ? "failed to load: " + (t.tagName || "?") + " "
              + String(t.currentSrc || t.src || t.href || "").slice(0, 40)
              : "error: " + e.message);
  }, true);
  document.addEventListener("securitypolicyviolation", function (e) {
    seen.push("CSP violation: " + e.violatedDirective + " " + e.blockedURI);
  });
  var original = console.error;
  console.error = function () {
    seen.push("console.error: " + Array.prototype.join.call(arguments, " "));
    return original.apply(console, arguments);
  };
  window.addEventListener("load", function () {
    var imgs = Array.prototype.map.call(document.images, function (i) {
      return {w: i.naturalWidth, h: i.naturalHeight, complete: i.complete,
              shown: i.getBoundingClientRect().width, src: i.currentSrc.slice(0, 22)};
    });
    parent.postMessage(JSON.stringify({errors: seen, images: imgs,
      viewport: window.innerWidth, page: document.documentElement.scrollWidth}), "*");
  });
})();
</script>"""

HOST = """<!DOCTYPE html><html><head><meta charset="utf-8"></head>
<body style="margin:0"><iframe src="{src}" style="width:{width}px;height:{height}px;border:0">
</iframe><pre id="oomcast-probe"></pre><script>
window.addEventListener("message", function (e) {{
  document.getElementById("oomcast-probe").textContent = e.data;
}});
</script></body></html>"""


def chromium(tmp_path, page, width, *extra, height=900):
    """Open `page` in an iframe `width` CSS px wide inside headless Chromium."""
    host = tmp_path / f"host-{width}.html"
    host.write_text(HOST.format(src=page.name, width=width, height=height))
    profile = tmp_path / f"profile-{width}"
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
           "--no-first-run", "--disable-background-networking", "--disable-component-update",
           "--disable-sync", f"--user-data-dir={profile}", "--hide-scrollbars",
           "--enable-logging=stderr", "--v=0", f"--window-size={max(width, 500)},{height}",
           "--virtual-time-budget=10000", *extra, host.as_uri()]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=180)


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    return draft_report_dir(tmp_path_factory) / "report.html"


@pytest.mark.parametrize("width", [390, 1280])
def test_report_renders_every_figure_without_errors(report, tmp_path, width):
    html = report.read_text()
    probed = tmp_path / "probed.html"
    probed.write_text(html.replace("<head>", "<head>" + PROBE, 1))
    result = chromium(tmp_path, probed, width, "--dump-dom")
    match = re.search(r'<pre id="oomcast-probe">(.*?)</pre>', result.stdout, re.S)
    assert match, f"no probe output; chromium said: {result.stderr[-2000:]}"
    probe = json.loads(match.group(1).replace("&quot;", '"').replace("&amp;", "&")
                       .replace("&lt;", "<").replace("&gt;", ">"))
    assert probe["errors"] == []
    console = [line for line in result.stderr.splitlines() if "CONSOLE" in line]
    assert not [line for line in console if re.search(r"error|uncaught|refused", line, re.I)], \
        console
    assert probe["viewport"] == width
    images = probe["images"]
    assert len(images) == html.count("<img ") == 8  # 6 + anchors.png + requirement.png
    for img in images:
        assert img["complete"] and img["w"] > 0 and img["h"] > 0, img
        assert 0 < img["shown"] <= width  # scaled to fit, never wider than the screen
    if width <= 640:  # the phone renditions are chosen on a phone
        assert all(img["w"] < 1000 for img in images), images
    else:
        assert all(img["w"] >= 1000 for img in images), images
    assert probe["page"] <= width, "the page scrolls sideways"


@pytest.mark.parametrize("width", [390, 1280])
def test_screenshot(report, tmp_path, width):
    shot = tmp_path / f"report-{width}.png"
    page = tmp_path / "report.html"
    shutil.copyfile(report, page)
    result = chromium(tmp_path, page, width, f"--screenshot={shot}", height=2400)
    assert shot.is_file() and shot.stat().st_size > 20_000, result.stderr[-2000:]
