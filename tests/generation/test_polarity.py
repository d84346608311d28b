"""A sentence that says the opposite of the course clause it paraphrases is not supported by it.

The sentences are what Qwen2.5-Coder-1.5B wrote on the PostgreSQL tutorial and the Bash manual (the
first three passed the support rule before the polarity check); the passages are those tutorials' words.
"""

from __future__ import annotations

import pytest

from tutor.generation.attribution import supports
from tutor.generation.polarity import contradicts

ORDER = ("A table is a named collection of rows. Whereas columns have a fixed order in each row, it is important to "
         "remember that SQL does not guarantee the order of the rows within the table in any way (although they can "
         "be explicitly sorted for display).")
MAX_IN_WHERE = "As is often the case the query can be restated: the aggregate max cannot be used in the WHERE clause."
CASE = "SQL is case insensitive about key words and identifiers, except when identifiers are double-quoted."
DROP = ("Finally, it should be mentioned that if you don't need a table any longer or want to recreate it "
        "differently you can remove it using the following command: DROP TABLE tablename;")
IF_ELIF = ("The test-commands list is executed, and if its return status is zero, the consequent-commands list is "
           "executed. If test-commands returns a non-zero status, each elif list is executed in turn, and if its exit "
           "status is zero, the corresponding more-consequents is executed and the command completes. The return "
           "status is the exit status of the last command executed, or zero if no condition tested true.")
STICKY = ("In order to secure contents of a file in world-writable directories such as /tmp, one must not only reset "
          "the write permission for the file but also set the sticky bit on the directory.")


@pytest.mark.parametrize("sentence, passage", [
    ("Rows in a table are kept in order by default, but the order can be explicitly sorted for display.", ORDER),
    ("Yes, you can use the `MAX()` function inside a `WHERE` clause.", MAX_IN_WHERE),
    ("Yes, SQL is case sensitive about key words.", CASE),
])
def test_a_sentence_saying_the_opposite_of_the_course_is_refused(sentence, passage):
    assert contradicts(sentence, passage)
    assert not supports(sentence, passage)


@pytest.mark.parametrize("sentence, passage", [
    ("SQL does not guarantee the order of the rows in a table.", ORDER),
    ("Columns have a fixed order in each row.", ORDER),  # the positive half of a sentence whose other half is negative
    ("No, the max aggregate cannot be used in a WHERE clause.", MAX_IN_WHERE),
    ("SQL is not case sensitive about key words and identifiers.", CASE),  # a negation and a prefix antonym agree
    ("To completely remove a table, you can use the `DROP TABLE` command.", DROP),  # the negation is in a condition
    ("If the test is true, the consequent commands are executed.", IF_ELIF),
    ("To secure a file in /tmp you must reset the write permission and set the sticky bit on the directory.", STICKY),
])
def test_a_right_paraphrase_is_not_a_contradiction(sentence, passage):
    assert not contradicts(sentence, passage)
    assert supports(sentence, passage)


def test_non_hyphen_is_a_negation_like_not():
    passage = "Execute consequent-commands as long as test-commands has an exit status which is not zero."
    assert not contradicts("The loop runs while the test command exits with a non-zero status.", passage)
    assert contradicts("The loop runs while the test command exits with a zero status.", passage)


def test_a_condition_asserts_nothing_a_passage_could_contradict():
    # Written by the 1.5B on the Bash manual (right); another retrieved passage held this clause with "non-null" in it.
    passage = ("Setting GLOBIGNORE to a non-null value has the effect of enabling the dotglob shell option, so all other "
               "filenames beginning with a '.' will match.")
    assert not contradicts("When the globstar shell option is enabled, two adjacent `*`s will match all files and subdirectories.", passage)
