"""The services layer: one module per user-facing capability, the only place where the layers below meet.

The app's tabs and the CLI's commands are thin: they parse input, call a function here, and render what
it returns. Every function takes a `ServiceContext` (settings, retriever, chat model, generators) and,
where an action belongs to someone, the `User` it acts for, and checks permissions itself.

- tutoring: a chat turn or `tutor explain` (retrieve -> learner profile -> prompt -> model -> citations -> log)
- practice: next exercise -> grade -> record the attempt once -> mastery and schedule; hints and solutions
- advice: what to study next and the path to a goal (the learner model meets retrieval and the item bank)
- progress: one learner's mastery, due reviews, predicted score, rated recommendations
- authoring: course material (upload, list, remove); concept_map; question_bank (+ lms_export formats)
- accounts (+ sign_in): users, roles, permission checks; community: study partners and class topics
- analytics: the class dashboard and the newest eval runs; inputs: cleaning what a person types

Nothing here imports tutor.app or tutor.cli (tests/test_layers.py holds every module to its layer).
"""
