"""The network's recursive queries: the tree below a mentor (depth, reach), the ancestors, the ≥5 counts."""
from fieldapp.selectors.mentorships import MENTEES_PER_MENTOR_TARGET, mentee_counts
from fieldapp.selectors.network import ancestors_of, tree_stats
from tests.factories import make_ambassador, make_mentorship, make_user, promote


def test_the_target_is_five_mentees():
    assert MENTEES_PER_MENTOR_TARGET == 5


def test_a_new_ambassador_has_an_empty_tree():
    stats = tree_stats(make_ambassador().user_id)
    assert (stats.depth, stats.reach, stats.reach_completed, stats.ambassadors, stats.levels) == (0, 0, 0, 0, [])


def test_the_tree_continues_through_promoted_residents_and_volunteer_mentees():
    """root → P1 (promoted: A1) → P2, P3 (promoted: A3) → P4;  root → V (volunteer, ambassador) → P5."""
    root = make_ambassador()
    a1 = promote(make_mentorship(mentor=root, status="completed"))
    make_mentorship(mentor=a1)
    a3 = promote(make_mentorship(mentor=a1, status="completed"))
    make_mentorship(mentor=a3, status="completed")
    volunteer = make_ambassador()
    make_mentorship(mentor=root, mentee=volunteer.user)
    make_mentorship(mentor=volunteer)
    make_mentorship(mentor=root, status="dropped")  # trained nobody: not in the tree
    stats = tree_stats(root.user_id)
    assert (stats.depth, stats.reach, stats.reach_completed, stats.ambassadors) == (3, 6, 3, 3)
    assert [(lv.depth, lv.people, lv.completed, lv.ambassadors) for lv in stats.levels] == [
        (1, 2, 1, 2), (2, 3, 1, 1), (3, 1, 1, 0)]
    sub = tree_stats(a1.user_id)
    assert (sub.depth, sub.reach) == (2, 3)
    assert ancestors_of(a3.user_id) == {a1.user_id, root.user_id}
    assert ancestors_of(root.user_id) == set()


def test_a_person_mentored_twice_in_the_tree_counts_once_at_their_nearest_depth():
    root = make_ambassador()
    child = make_ambassador()
    make_mentorship(mentor=root, mentee=child.user)
    learner = make_mentorship(mentor=child, status="completed").mentee_person
    make_mentorship(mentor=root, mentee=learner)  # then learns more from the root directly
    stats = tree_stats(root.user_id)
    assert (stats.reach, stats.depth) == (2, 1)
    assert [(lv.depth, lv.people) for lv in stats.levels] == [(1, 2)]


def test_a_promoted_resident_and_their_account_are_one_person_in_the_reach():
    root = make_ambassador()
    promoted = promote(make_mentorship(mentor=root, status="completed"))
    make_mentorship(mentor=root, mentee=promoted.user)  # the root coaches the new ambassador further
    assert tree_stats(root.user_id).reach == 1


def test_mentee_counts_active_and_completed_distinct_mentees_not_dropped():
    mentor = make_ambassador()
    for status in ("active", "active", "completed", "dropped"):
        make_mentorship(mentor=mentor, status=status)
    volunteer = make_user()
    make_mentorship(mentor=mentor, mentee=volunteer, status="completed")
    make_mentorship(mentor=mentor, mentee=volunteer)  # again, now active: one mentee, counted as active
    counts = mentee_counts([mentor.user_id, make_ambassador().user_id])
    mine = counts[mentor.user_id]
    assert (mine.active, mine.completed, mine.counted, mine.lacking, mine.meets_target) == (3, 1, 4, 1, False)
    assert len(counts) == 1  # the other has no mentee yet
    make_mentorship(mentor=mentor, status="completed")
    assert mentee_counts([mentor.user_id])[mentor.user_id].meets_target
