#!/usr/bin/env bash
# Renders a comparison report in headless Chromium and fails when a chart is missing or empty.
# It installs Debian's chromium when absent, runs a short `compare`, then checks the rendered DOM:
# report.html sets data-charts on <body> to the number of non-empty chart figures.
#   bash Tests/render-report.sh [report-dir]      (default: a fresh run in a temporary directory)
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v chromium >/dev/null 2>&1; then
  echo "installing chromium (Debian package) for the render check" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
dir=${1:-}
if [ -z "$dir" ]; then
  dir=$(mktemp -d)
  dotnet run -c Release --project Training/Cli -- compare --steps 300 --out "$dir" >/dev/null
fi
expected=$(ls "$dir"/*.png | wc -l)   # every chart is also written as PNG
dom=$(chromium --headless --no-sandbox --disable-gpu --virtual-time-budget=5000 --dump-dom "file://$(realpath "$dir")/report.html" 2>/dev/null)
rendered=$(printf '%s' "$dom" | grep -o 'data-charts="[0-9]*"' | grep -o '[0-9]*' || echo 0)
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=900,3000 --screenshot="$dir/report-screenshot.png" "file://$(realpath "$dir")/report.html" >/dev/null 2>&1 || true
if [ "$rendered" != "$expected" ]; then
  echo "render check FAILED: $rendered charts rendered with content, $expected expected ($dir/report.html)" >&2
  exit 1
fi
echo "render check passed: $rendered charts rendered ($dir/report.html, screenshot $dir/report-screenshot.png)"
