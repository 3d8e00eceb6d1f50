"""Tables. Import every model here so that Alembic and the app see the whole metadata."""
from fieldapp.models.activity import (
                                      ActivityCheckpoint,
                                      ActivityEntry,
                                      ActivityLeaf,
                                      ActivityNode,
                                      ActivityQueued,
)
from fieldapp.models.ambassadors import (
                                      Ambassador,
                                      AmbassadorOrigin,
                                      InteractionMethod,
                                      MentoringInteraction,
                                      Mentorship,
                                      MentorshipSkill,
                                      MentorshipStatus,
)
from fieldapp.models.evidence import EvidenceReview, EvidenceStatus, ReviewDecision, SkillStatus
from fieldapp.models.households import (
                                      DIGITAL_FAMILY_SKILLS,
                                      Assignment,
                                      EvidenceKind,
                                      Household,
                                      Person,
                                      PersonSkill,
                                      Sex,
                                      Skill,
                                      SkillEvent,
)
from fieldapp.models.keys import SigningKey
from fieldapp.models.sessions import (
                                      CheckIn,
                                      LearningSession,
                                      SessionAttendee,
                                      SessionKind,
                                      SupportRecord,
                                      Verdict,
                                      Visit,
                                      VisitOutcome,
)
from fieldapp.models.teams import Team, TeamKind, TeamMember
from fieldapp.models.units import Unit, UnitLevel
from fieldapp.models.users import AuthToken, Role, TokenKind, User
from fieldapp.models.villages import Village, VillageKind

__all__ = ["ActivityCheckpoint", "ActivityEntry", "ActivityLeaf", "ActivityNode", "ActivityQueued",
           "Ambassador", "AmbassadorOrigin", "InteractionMethod", "MentoringInteraction", "Mentorship",
           "MentorshipSkill", "MentorshipStatus",
           "SigningKey", "CheckIn", "LearningSession", "SessionAttendee", "SessionKind", "SupportRecord",
           "Verdict", "Visit", "VisitOutcome", "DIGITAL_FAMILY_SKILLS", "Assignment", "EvidenceKind", "Household", "Person",
           "PersonSkill", "Sex", "Skill", "SkillEvent", "AuthToken", "Role", "TokenKind", "Team", "TeamKind", "TeamMember", "Unit", "UnitLevel",
           "User", "Village", "VillageKind", "EvidenceReview", "EvidenceStatus", "ReviewDecision", "SkillStatus"]
