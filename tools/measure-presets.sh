#!/usr/bin/env bash
# Measures what the README and docs/compare.md claim about the gradient-story presets, at their full
# budgets, one after the other, and checks each claim as a property over the preset's seeds:
#   remedies     unclipped and weight decay diverge on every seed (unclipped after a surge of 10x or
#                more); clipped, lstm, gru, a 10x smaller learning rate and Adam train on every seed
#   vanish       the tanh RNN does not learn and its gradient vanishes back through time (under 0.85 of
#                it kept per step) on every seed; the GRU learns on every seed with its gradient kept at
#                the end; the IRNN's and the leaky RNN's gradient is kept at the start and the end
#   depth        at the start of training the plain stack's gradient vanishes down the layers on every
#                seed, each kind of help keeps it (start and end), and residual + layer norm ends with a
#                lower validation loss than the plain stack on every seed
#   pascanu2013  (only with --pascanu: about 10 more minutes on 2 quiet cores) clipped SGD solves at least as many seeds
#                as plain SGD at every length
# It prints each preset's time and its story lines. About 2 minutes on 2 quiet cores without pascanu2013.
#   bash tools/measure-presets.sh [output-dir] [--pascanu]
# ENGINE_CLI may name the program (default: dotnet run -c Release --project Training/Cli --).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-$(mktemp -d)}
mkdir -p "$out"
presets=(remedies vanish depth)
[ "${2:-}" = --pascanu ] && presets+=(pascanu2013)
cli=${ENGINE_CLI:-dotnet run -c Release --project Training/Cli --}
[ -n "${ENGINE_CLI:-}" ] || dotnet build Training/Cli -c Release >/dev/null
for preset in "${presets[@]}"; do
  start=$(date +%s)
  $cli compare --preset "$preset" --out "$out/$preset" --force > "$out/$preset.log" 2>&1
  echo "$preset: $(( $(date +%s) - start )) s"
  grep "^'" "$out/$preset.log" || true
done
python3 - "$out" "${presets[@]}" <<'PY'
import json, sys
out, presets = sys.argv[1], sys.argv[2:]
failed = []
def check(ok, what):
    print(("  ok   " if ok else "  FAIL ") + what)
    if not ok: failed.append(what)
VANISHING = 0.85
def per_step(run, key, hops):
    r = run[key]
    return None if r is None else r ** (1 / hops)
for preset in presets:
    s = json.load(open(f"{out}/{preset}/summary.json"))
    runs = {}
    for r in s["runs"]: runs.setdefault(r["name"], []).append(r)
    print(preset)
    if preset == "remedies":
        check(all(r["verdict"] == "diverged" and (r["spike_ratio"] or 0) >= 10 for r in runs["unclipped"]), "unclipped: every seed diverges after a surge of 10x or more")
        check(all(r["verdict"] == "diverged" for r in runs["weight decay"]), "weight decay: every seed diverges")
        for name in ["clipped", "lstm", "gru", "lr 0.15", "adam"]:
            check(all(r["verdict"] == "trained" for r in runs[name]), f"{name}: every seed trains")
    elif preset == "vanish":
        hops = 99
        check(all(r["verdict"] == "did-not-learn" and per_step(r, "time_reach_end", hops) < VANISHING for r in runs["tanh rnn"]), "tanh rnn: no seed learns, its gradient vanishing")
        check(all(r["verdict"] == "trained" and per_step(r, "time_reach_end", hops) >= VANISHING for r in runs["gru"]), "gru: every seed learns, its gradient kept at the end")
        for name in ["irnn", "leaky rnn"]:
            check(all(per_step(r, k, hops) >= VANISHING for r in runs[name] for k in ["time_reach_start", "time_reach_end"]), f"{name}: gradient kept at the start and the end")
        for name in runs: print(f"    {name}: accuracy " + ", ".join(f"{r['accuracy']:.3f}" for r in runs[name]))
    elif preset == "depth":
        hops = 7
        check(all(per_step(r, "depth_reach_start", hops) < VANISHING for r in runs["plain"]), "plain: gradient vanishes down the stack at the start of training")
        for name in ["residual", "layer norm", "residual + layer norm"]:
            check(all(per_step(r, k, hops) >= VANISHING for r in runs[name] for k in ["depth_reach_start", "depth_reach_end"]), f"{name}: gradient kept down the stack, at the start and the end")
        for name in runs: print(f"    {name}: validation " + ", ".join(f"{r['final_validation_loss']:.3f}" for r in runs[name]))
        check(all(h["final_validation_loss"] < p["final_validation_loss"] for h, p in zip(runs["residual + layer norm"], runs["plain"])), "residual + layer norm: lower validation loss than plain on every seed")
    elif preset == "pascanu2013":
        for t in [50, 100, 150, 200]:
            sgd = sum(r["solved"] for r in runs[f"sgd T={t}"]); clipped = sum(r["solved"] for r in runs[f"sgd clipped T={t}"])
            print(f"    T={t}: sgd solved {sgd}/5, sgd clipped {clipped}/5")
            check(clipped >= sgd, f"T={t}: clipped solves at least as many seeds as plain SGD")
print("all claims hold" if not failed else f"{len(failed)} claim(s) failed")
sys.exit(1 if failed else 0)
PY
