"""The people's figures are added up in one pass over the roll-up's rows (a province's are thousands):
checked against each figure and part counted on its own, on random rows."""
import random

from fieldapp.models.persons import COHORT_FROM_AGE, Cohort, TargetGroup
from fieldapp.models.tallies import BASIC_SKILLS, BASIC_SKILLS_HELD_BACK, GROUP_BITS, VNEID_CONFIRMED
from fieldapp.selectors.indicators import AGE_GROUPS, PRIORITY_BITS, _people_figures_of

LABELS = [label for label, _low, _high in AGE_GROUPS]


def _in_cohort(age, cohort):
    return age in LABELS and dict((label, low) for label, low, _h in AGE_GROUPS)[age] >= COHORT_FROM_AGE[cohort]


def _count(rows, who, fact=None):
    return sum(n for sex, age, groups, priority, facts, n in rows
               if who(sex, age, groups, priority) and (fact is None or facts & fact))


def test_one_pass_equals_each_figure_and_part_counted_alone():
    rng = random.Random(2026)
    for _ in range(100):
        rows = [(rng.choice(["", "male", "female"]), rng.choice([*LABELS, "under_16", "unknown"]), rng.randrange(16),
                 rng.randrange(16), rng.randrange(32), rng.randrange(1, 9)) for _ in range(rng.randrange(40))]
        figures = {f.code: f for f in _people_figures_of(rows, {})}

        def staff(_s, _a, g, _p):
            return bool(g & GROUP_BITS[TargetGroup.public_staff])

        def adult(_s, a, _g, _p):
            return _in_cohort(a, Cohort.adult)

        public = figures["basic_skills.public_staff"]
        assert (public.numerator, public.denominator) == (_count(rows, staff, BASIC_SKILLS), _count(rows, staff))
        assert public.held_back == _count(rows, staff, BASIC_SKILLS_HELD_BACK)
        vneid = figures["vneid_confirmed.adults"]
        assert (vneid.numerator, vneid.denominator) == (_count(rows, adult, VNEID_CONFIRMED), _count(rows, adult))
        assert vneid.held_back is None and vneid.breakdowns == {}
        adults = figures["basic_skills.adults"].breakdowns
        for sex in {r[0] for r in rows}:
            def of_sex(s, a, g, p, _x=sex):
                return s == _x and adult(s, a, g, p)
            assert adults["sex"][sex or "unknown"] == {"numerator": _count(rows, of_sex, BASIC_SKILLS),
                                                       "denominator": _count(rows, of_sex)}
        for name, bit in PRIORITY_BITS.items():
            def in_group(s, a, g, p, _bit=bit):
                return bool(p & _bit) and staff(s, a, g, p)
            assert public.breakdowns["priority_group"][name] == {
                "numerator": _count(rows, in_group, BASIC_SKILLS), "denominator": _count(rows, in_group)}
        for label in LABELS:
            def aged(s, a, g, p, _x=label):
                return a == _x and staff(s, a, g, p)
            assert public.breakdowns["age_group"][label]["denominator"] == _count(rows, aged)
