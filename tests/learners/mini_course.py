"""A five-concept course graph shared by the learner tests (imported by name: tests/ is not a package)."""

from tutor.retrieval.outline import ConceptOutline

COURSE = "mini"
# basics -> variables -> {loops, strings}; functions needs loops and strings.
OUTLINE = [
    ConceptOutline(id="basics", title="Basics"),
    ConceptOutline(id="variables", title="Variables", prerequisites=["basics"]),
    ConceptOutline(id="loops", title="Loops", prerequisites=["variables"]),
    ConceptOutline(id="strings", title="Strings", prerequisites=["variables"]),
    ConceptOutline(id="functions", title="Functions", prerequisites=["loops", "strings"]),
]
