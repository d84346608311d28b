"""The learner model: profiles, course concept graphs, attempts, mastery (BKT), review schedule
(FSRS), performance prediction (a torch knowledge-tracing model), the recommender and paths.

Pure logic (mastery, schedule, recommender policy, paths) works on plain values so the simulator in
benchmarks/learners.py runs the same code as the CLI; the modules that touch the database say so.
"""
