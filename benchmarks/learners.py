"""Simulated learners: does the recommender teach more than a fixed syllabus or random practice?

    python benchmarks/learners.py [--json] [--learners 200] [--activities 60] [--seed 0]

200 synthetic learners (tutor/learners/simulator.py: hidden knowledge over the demo course's
prerequisite graph, learning gated by prerequisites, forgetting, slips and guesses) each do 60
activities under three policies in the same run, meeting the same population (same seeds):
the recommender (the production policy over BKT + FSRS), the chapters in course order with an equal
share of activities each, and random concepts. Then knowledge tracing is compared on the simulated
logs: BKT (defaults, and pyBKT-fitted on training learners) vs the torch DKT model, AUC and
log-loss on held-out learners. The simulator's assumptions decide the margins; they are listed in
its module docstring, and were set before the recommender was run against them.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np  # noqa: E402

from tutor.learners import simulator  # noqa: E402
from tutor.learners.kt import bkt_predict, score, split_learners, train  # noqa: E402

POLICIES = ("recommender", "fixed", "random")


def interval(values: list[float]) -> tuple[float, float, float]:
    """Mean and a 95% normal-approximation interval (n is large: 200 learners)."""
    a = np.asarray(values, dtype=float)
    half = 1.96 * a.std(ddof=1) / math.sqrt(len(a)) if len(a) > 1 else 0.0
    return float(a.mean()), float(a.mean() - half), float(a.mean() + half)


def reached(steps: list[int | None]) -> tuple[float, float | None]:
    done = [s for s in steps if s is not None]
    return len(done) / len(steps), (float(np.mean(done)) if done else None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="Print only JSON.")
    parser.add_argument("--learners", type=int, default=200)
    parser.add_argument("--activities", type=int, default=60)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--course", default=str(ROOT / "knowledge" / "intro-python"))
    parser.add_argument("--epochs", type=int, default=20, help="Training epochs of the torch model.")
    parser.add_argument("--fit-learners", type=int, default=120,
                        help="Training learners given to pyBKT (pure Python: about 2.5 s per 1,000 answers).")
    args = parser.parse_args()

    started = time.perf_counter()
    graph = simulator.graph_from_chapters(args.course)
    runs = {p: simulator.run(graph, p, args.learners, args.activities, args.seed, learner_offset=i * 100_000)
            for i, p in enumerate(POLICIES)}

    result: dict = {"learners": args.learners, "activities": args.activities, "concepts": len(graph.order),
                    "seed": args.seed, "policies": {}}
    for p, run in runs.items():
        mean, low, high = interval(run.mastered)
        share_all, steps_all = reached(run.to_master)
        share_half, steps_half = reached(run.to_half)
        result["policies"][p] = {"mastered_mean": mean, "mastered_ci95": [low, high],
                                 "reached_all_share": share_all, "activities_to_master_all": steps_all,
                                 "reached_half_share": share_half, "activities_to_master_half": steps_half}
        result[f"{p}_mastered"] = mean
        result[f"{p}_mastered_ci95"] = [low, high]
    result["recommender_vs_fixed"] = result["recommender_mastered"] / max(result["fixed_mastered"], 1e-9)

    # Knowledge tracing on the pooled logs of all three policies, split by learner.
    sequences: dict[str, list[tuple[str, int]]] = {}
    for run in runs.values():
        for learner, concept, _step, correct in run.log:
            sequences.setdefault(str(learner), []).append((concept, correct))
    train_ids, test_ids = split_learners(sorted(sequences))
    train_seqs, test_seqs = [sequences[i] for i in train_ids], [sequences[i] for i in test_ids]

    auc_default, ll_default = score(bkt_predict(test_seqs), test_seqs)
    from tutor.learners.fit import fit_log

    rng = np.random.default_rng(args.seed)
    fit_ids = sorted(rng.choice(train_ids, size=min(args.fit_learners, len(train_ids)), replace=False))
    fitted = fit_log([(i, c, k) for i in fit_ids for c, k in sequences[i]], seed=args.seed)
    params = {c: row.params for c, row in fitted.items()}
    auc_bkt, ll_bkt = score(bkt_predict(test_seqs, params), test_seqs)
    model = train(train_seqs, graph.order, epochs=args.epochs, seed=args.seed)
    auc_kt, ll_kt = score(model.predict(test_seqs), test_seqs)
    result.update({
        "auc_bkt": auc_bkt, "logloss_bkt": ll_bkt, "auc_bkt_default": auc_default, "logloss_bkt_default": ll_default,
        "auc_kt": auc_kt, "logloss_kt": ll_kt, "kt_train_learners": len(train_ids), "kt_test_learners": len(test_ids),
        "bkt_fit_learners": len(fit_ids), "seconds": round(time.perf_counter() - started, 1),
    })

    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"{args.learners} simulated learners x {args.activities} activities, {len(graph.order)} concepts (seed {args.seed})\n")
    print(f"{'policy':<12} {'mastered at end':>16} {'95% interval':>15} {'all mastered':>13} {'acts to all':>12} "
          f"{'half mastered':>14} {'acts to half':>13}")
    for p in POLICIES:
        r = result["policies"][p]
        steps_all = f"{r['activities_to_master_all']:.1f}" if r["activities_to_master_all"] else "-"
        steps_half = f"{r['activities_to_master_half']:.1f}" if r["activities_to_master_half"] else "-"
        print(f"{p:<12} {r['mastered_mean']:>16.2f} {r['mastered_ci95'][0]:>7.2f}-{r['mastered_ci95'][1]:<7.2f} "
              f"{r['reached_all_share']:>12.1%} {steps_all:>12} {r['reached_half_share']:>13.1%} {steps_half:>13}")
    print(f"\nrecommender / fixed order = {result['recommender_vs_fixed']:.2f}x (target >= 1.20x)")
    print(f"\nknowledge tracing on held-out learners ({len(test_ids)} learners, {sum(map(len, test_seqs))} answers):")
    print(f"{'model':<28} {'AUC':>6} {'log-loss':>9}")
    print(f"{'BKT, default parameters':<28} {auc_default:>6.3f} {ll_default:>9.3f}")
    print(f"{'BKT, pyBKT-fitted':<28} {auc_bkt:>6.3f} {ll_bkt:>9.3f}")
    print(f"{'DKT (torch LSTM)':<28} {auc_kt:>6.3f} {ll_kt:>9.3f}")
    print(f"\n({result['seconds']} s)")
    print(json.dumps({k: result[k] for k in ("recommender_mastered", "fixed_mastered", "random_mastered", "auc_bkt", "auc_kt")}))


if __name__ == "__main__":
    main()
