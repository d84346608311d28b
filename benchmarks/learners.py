"""Simulated learners: does the recommender teach more than a fixed syllabus or random practice?

    python benchmarks/learners.py [--json] [--learners 200] [--activities 60] [--seed 0] [--statics DIR | --no-statics]

200 synthetic learners (tutor/learners/simulator.py: hidden knowledge over the demo course's
prerequisite graph, learning gated by prerequisites, forgetting, slips and guesses) each do 60
activities under three policies in the same run, meeting the same population (same seeds):
the recommender (the production policy over BKT + FSRS), the chapters in course order with an equal
share of activities each, and random concepts. Then knowledge tracing is compared the way
`tutor kt evaluate` does (tutor/learners/kt_evaluate.py: BKT fitted with pyBKT, PFA, DKT, SAKT; AUC,
log-loss and training seconds on held-out learners) twice: on the simulated logs (plus BKT with its
default parameters), and on real learners, Statics2011 as split for the DKVMN paper (--statics, by
default /work/shared/data/kt-statics; published there: DKT 0.8020, DKVMN 0.8284 test AUC). The JSON's
top-level auc_bkt / auc_pfa / auc_dkt / auc_sakt are the real-data figures (sim_auc_* the simulator's).
The simulator's assumptions decide its margins; they are listed in its module docstring, and were set
before the recommender was run against them.
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
from tutor.learners import kt_evaluate  # noqa: E402
from tutor.learners.kt import bkt_predict, score, split_learners  # noqa: E402
from tutor.learners.logs import AttemptLog, read_log, read_skill_map  # noqa: E402

POLICIES = ("recommender", "fixed", "random")
STATICS = Path("/work/shared/data/kt-statics")
PUBLISHED = {"DKT": 0.8020, "DKVMN": 0.8284}  # Statics2011 test AUC, DKVMN paper (Zhang et al. 2017), Table 3


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
    parser.add_argument("--statics", type=Path, default=STATICS, help="Folder of the Statics2011 split (3-line files).")
    parser.add_argument("--no-statics", action="store_true", help="Skip the real-data comparison.")
    parser.add_argument("--budget", type=float, default=420.0, help="Most training seconds per torch model on Statics.")
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
    progress = None if args.json else (lambda msg: print(f"  {msg}", file=sys.stderr, flush=True))
    sim = kt_evaluate.evaluate(AttemptLog.from_pairs({i: sequences[i] for i in train_ids}),
                               AttemptLog.from_pairs({i: sequences[i] for i in test_ids}),
                               settings=kt_evaluate.Settings(epochs=args.epochs, hidden=32, sakt_hidden=32, seed=args.seed,
                                                             budget_s=args.budget))
    for m, r in sim.results.items():
        result[f"sim_auc_{m}"], result[f"sim_logloss_{m}"], result[f"sim_seconds_{m}"] = r["auc"], r["logloss"], r["seconds"]
    result.update({"sim_auc_bkt_default": auc_default, "sim_logloss_bkt_default": ll_default,
                   "kt_train_learners": len(train_ids), "kt_test_learners": len(test_ids)})

    real = None
    if not args.no_statics:
        folder = args.statics
        if not (folder / "STATICS_train.csv").exists():
            raise SystemExit(f"{folder}: no STATICS_train.csv (point --statics at the split, or pass --no-statics)")
        skill_of = read_skill_map(folder / "STATICS_qid_sid_sname")
        train_log, _ = read_log(folder / "STATICS_train.csv").with_skills(skill_of)
        test_log, _ = read_log(folder / "STATICS_test.csv").with_skills(skill_of)
        real = kt_evaluate.evaluate(train_log, test_log, settings=kt_evaluate.Settings(seed=args.seed, budget_s=args.budget),
                                    log=progress)
        for m, r in real.results.items():
            result[f"auc_{m}"], result[f"logloss_{m}"], result[f"seconds_{m}"] = r["auc"], r["logloss"], r["seconds"]
        result["statics"] = real.as_dict()
        result["best"] = real.best
        result["published_statics"] = PUBLISHED
    result["load_average"] = [round(x, 2) for x in os.getloadavg()]
    result["seconds"] = round(time.perf_counter() - started, 1)

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
    print(f"\nknowledge tracing, simulated learners (held out: {len(test_ids)} learners, {sum(map(len, test_seqs))} answers):")
    print(sim.table())
    print(f"{'BKT, defaults':<18} {auc_default:>6.4f} {ll_default:>9.4f} {'-':>8}  (no fit: the tutor's default parameters)")
    if real is not None:
        print("\nknowledge tracing, real learners: Statics2011 (DKVMN split; BKT and PFA on its 98 skills, the rest on "
              "its 1,223 questions)")
        print(real.table())
        print("published on this split: " + ", ".join(f"{k} {v:.4f}" for k, v in PUBLISHED.items()))
    print(f"\n({result['seconds']} s)")
    keys = ("recommender_mastered", "fixed_mastered", "random_mastered", "sim_auc_bkt", "sim_auc_dkt",
            "auc_bkt", "auc_pfa", "auc_dkt", "auc_sakt")
    print(json.dumps({k: result[k] for k in keys if k in result}))


if __name__ == "__main__":
    main()
