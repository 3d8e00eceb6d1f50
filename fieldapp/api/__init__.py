"""HTTP API under /api/v1: parse and validate, call one service or selector, dump the result."""
from fieldapp.api import (
    activity,
    ambassadors,
    assignments,
    auth,
    checkins,
    confirmations,
    health,
    households,
    me,
    mentorships,
    persons,
    qr,
    reviews,
    sessions,
    support_records,
    sync,
    teams,
    units,
    users,
    villages,
    visits,
)

BLUEPRINTS = [health.blp, auth.blp, me.blp, units.blp, users.blp, villages.blp, households.blp, persons.blp,
              teams.blp, assignments.blp, sessions.blp, qr.blp, checkins.blp, visits.blp, support_records.blp,
              activity.blp, ambassadors.blp, mentorships.blp, reviews.blp, sync.blp,
              confirmations.blp]
