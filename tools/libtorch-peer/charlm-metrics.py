#!/usr/bin/env python3
"""Turns the libtorch oracle's `train-charlm` output (JSON lines) into a metrics.jsonl that `report`
reads, so its learning curve can be drawn beside a run of `train` on the same machine:

    dotnet Oracle.dll train-charlm --corpus tinyshakespeare.txt --minutes 20 > libtorch.jsonl
    tools/libtorch-peer/charlm-metrics.py libtorch.jsonl runs/libtorch/metrics.jsonl
    dotnet run -c Release --project Training/Cli -- report runs/train/version_1 runs/libtorch

The oracle writes one line per validation, not per step: each becomes a step line whose loss and
gradient norm are the oracle's means over the steps since the previous validation, and whose
`seconds` is the wall time when that validation ended (the time a run of `train` stamps on its
validation lines). Clip scale and the clipped flag are not recorded per step by the oracle: the
line gives the scale its mean norm would get, so the clip charts of such a run are approximate.
"""
import json
import os
import sys


def main(source, target):
    start, evals, done = None, [], None
    with open(source, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                e = json.loads(line)
            except json.JSONDecodeError:
                sys.exit(f"error: {source}: line {number} is not JSON")
            kind = e.get("event")
            if kind == "start":
                start = e
            elif kind == "eval" and e["step"] > 0:
                evals.append(e)
            elif kind == "done":
                done = e
    if start is None or not evals:
        sys.exit(f"error: {source} is not the output of the oracle's train-charlm (no start line or no validation after step 0)")
    c = start["config"]
    clip = float(c["clip"])
    config = {
        "corpus": os.path.basename(start["corpus"]), "cell": "lstm", "layers": c["layers"], "hidden": c["hidden"], "embedding": c["embed"],
        "sequence_length": c["seq"], "batch": c["batch"], "optimizer": "adam", "learning_rate": c["lr"],
        "clip": f"norm:{clip:g}", "seed": c["seed"], "validate_every": c["eval_every"], "engine": start["source"],
    }
    with open(target, "w", encoding="utf-8") as out:
        out.write(json.dumps({"event": "config", "config": config}) + "\n")
        for e in evals:
            g = e["grad_norm"]
            scale = min(1.0, clip / (g + 1e-6))
            out.write(json.dumps({
                "step": e["step"], "loss": e["train_loss"], "validation_loss": e["val_loss"], "lr": c["lr"],
                "tokens_per_s": e["tokens_per_s"], "seconds": e["seconds"] + e["eval_seconds"],
                "pre_clip_norm": g, "post_clip_norm": g * scale, "scale": scale, "clipped": scale < 1, "skipped": False,
                "threshold": clip,
            }) + "\n")
        end = "outoftime" if done and done.get("stop") == "minutes" else "finished"
        out.write(json.dumps({"event": "end", "end": end, "step": evals[-1]["step"]}) + "\n")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: charlm-metrics.py ORACLE_OUTPUT.jsonl METRICS.jsonl")
    main(sys.argv[1], sys.argv[2])
