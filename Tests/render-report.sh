#!/usr/bin/env bash
# Renders a comparison report in headless Chromium and fails when a chart is missing or empty, or when
# a chart does not show its own drawing: every reference inside an inline SVG (href="#...", url(#...))
# must resolve to an element of the same chart (duplicate ids across charts make one chart draw
# another's bitmap), and every bitmap a chart draws must be the one in its SVG twin file (heatmap_N.svg).
# It installs Debian's chromium when absent, runs a short `compare` unless given a report directory,
# and writes a screenshot of the page beside the report.
#   bash Tests/render-report.sh [report-dir]
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v chromium >/dev/null 2>&1; then
  echo "installing chromium (Debian package) for the render check" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
dir=${1:-}
if [ -z "$dir" ]; then
  dir=$(mktemp -d)/report
  dotnet run -c Release --project Training/Cli -- compare --steps 60 --seeds 2 --out "$dir" >/dev/null
fi
dir=$(realpath "$dir")
expected=$(ls "$dir"/*.png | grep -v -e report-screenshot.png | wc -l)   # every chart is also written as PNG
check="$dir/.render-check.html"
# The check runs in a copy of the page, so report.html itself carries no test code.
sed 's#</body></html>$##' "$dir/report.html" > "$check"
cat >> "$check" <<'JS'
<script>
(async () => {
  const problems = [];
  let drawn = 0;
  const images = root => [...root.querySelectorAll('image')].map(i => i.getAttribute('href') || i.getAttribute('xlink:href'));
  for (const figure of document.querySelectorAll('figure.chart')) {
    const name = figure.id.replace(/^chart-/, '');
    const svg = figure.querySelector('svg');
    if (!svg) { problems.push(name + ': no svg'); continue; }
    const box = svg.getBBox();
    if (svg.querySelectorAll('path, image, rect, use').length > 2 && box.width > 0 && box.height > 0) drawn++;
    else problems.push(name + ': empty');
    const shown = [];
    for (const el of svg.querySelectorAll('*')) {
      for (const attr of el.attributes) {
        const ref = /href$/.test(attr.name) && attr.value.startsWith('#') ? attr.value.slice(1) : (attr.value.match(/url\(#([^)]+)\)/) || [])[1];
        if (!ref) continue;
        const target = document.getElementById(ref); // what the browser draws: the first element with that id in the page
        if (!target) { problems.push(`${name}: #${ref} is not defined`); continue; }
        if (!figure.contains(target)) problems.push(`${name}: #${ref} resolves to another chart (${target.closest('figure')?.id})`);
        if (el.tagName === 'use' && target.tagName === 'image') shown.push(target.getAttribute('href') || target.getAttribute('xlink:href'));
      }
    }
    try {
      const twin = new DOMParser().parseFromString(await (await fetch(name + '.svg')).text(), 'image/svg+xml');
      const own = images(twin);
      if (shown.length !== own.length || shown.some((s, i) => s !== own[i]))
        problems.push(`${name}: draws ${shown.length} bitmap(s) that differ from the ${own.length} of ${name}.svg`);
    } catch (e) { problems.push(`${name}: ${name}.svg could not be read (${e})`); }
  }
  document.body.dataset.charts = String(drawn);
  document.body.dataset.check = problems.length ? problems.join(' | ') : 'ok';
})();
</script></body></html>
JS
chrome=(chromium --headless --no-sandbox --disable-gpu --allow-file-access-from-files)
dom=$("${chrome[@]}" --virtual-time-budget=10000 --dump-dom "file://$check" 2>/dev/null)
rm -f "$check"
rendered=$(printf '%s' "$dom" | grep -o 'data-charts="[0-9]*"' | grep -o '[0-9]*' || echo 0)
verdict=$(printf '%s' "$dom" | grep -o 'data-check="[^"]*"' | sed 's/^data-check="//; s/"$//' || echo "the check did not run")
"${chrome[@]}" --hide-scrollbars --window-size=1000,6000 --screenshot="$dir/report-screenshot.png" "file://$dir/report.html" >/dev/null 2>&1 || true
if [ "$rendered" != "$expected" ] || [ "$verdict" != "ok" ]; then
  echo "render check FAILED: $rendered of $expected charts rendered with content; ${verdict} ($dir/report.html)" >&2
  exit 1
fi
echo "render check passed: $rendered charts rendered, each showing its own drawing ($dir/report.html, screenshot $dir/report-screenshot.png)"
