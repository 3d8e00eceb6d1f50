"""Tables. Import every model here so that Alembic and the app see the whole metadata.

One module per concept (docs/architecture.md); ``from fieldapp.models import X`` works for every
model and enum.
"""
from fieldapp.models.activity import (
    ActivityCheckpoint,
    ActivityEntry,
    ActivityLeaf,
    ActivityNode,
    ActivityQueued,
)
from fieldapp.models.ambassadors import Ambassador, AmbassadorOrigin
from fieldapp.models.assignments import Assignment
from fieldapp.models.checkins import CheckIn
from fieldapp.models.confirmations import PlatformConfirmation
from fieldapp.models.evidence import (
    EvidenceKind,
    EvidenceReview,
    EvidenceStatus,
    ReviewDecision,
    SkillStatus,
    Verdict,
)
from fieldapp.models.households import Household
from fieldapp.models.imports import KeptImport
from fieldapp.models.indicators import IndicatorTarget
from fieldapp.models.keys import SigningKey
from fieldapp.models.mentorships import (
    InteractionMethod,
    MentoringInteraction,
    Mentorship,
    MentorshipSkill,
    MentorshipStatus,
)
from fieldapp.models.organisations import MemberRole, Organisation, OrganisationKind, OrganisationMember
from fieldapp.models.persons import Person, Sex
from fieldapp.models.population import PopulationFigure, PopulationMeasure
from fieldapp.models.rankings import RankingThreshold, RankingWeight
from fieldapp.models.reports import QuarterlyReport, ReportStatus
from fieldapp.models.sessions import LearningSession, SessionAttendee, SessionKind
from fieldapp.models.skills import DIGITAL_FAMILY_SKILLS, PersonSkill, Skill, SkillEvent
from fieldapp.models.support_records import SupportRecord
from fieldapp.models.sync import ClientReceipt, SyncClock
from fieldapp.models.tallies import (
    HouseholdTally,
    HouseholdTallyKey,
    PersonTally,
    PersonTallyKey,
    ReachTally,
    SupportReach,
    SupportTally,
    VisitTally,
)
from fieldapp.models.teams import Team, TeamKind, TeamMember
from fieldapp.models.tokens import AuthToken, TokenKind
from fieldapp.models.units import Unit, UnitLevel
from fieldapp.models.users import Role, User
from fieldapp.models.villages import Village, VillageKind
from fieldapp.models.visits import Visit, VisitOutcome

__all__ = ["IndicatorTarget", "RankingThreshold", "RankingWeight", "ClientReceipt", "SyncClock",
           "HouseholdTally", "HouseholdTallyKey", "PersonTally", "PersonTallyKey",
           "ReachTally", "SupportReach", "SupportTally", "VisitTally", "MemberRole", "Organisation", "OrganisationKind",
           "OrganisationMember",
           "ActivityCheckpoint", "ActivityEntry", "ActivityLeaf", "ActivityNode", "ActivityQueued",
           "Ambassador", "AmbassadorOrigin", "InteractionMethod", "MentoringInteraction", "Mentorship",
           "MentorshipSkill", "MentorshipStatus", "SigningKey", "CheckIn", "LearningSession",
           "SessionAttendee", "SessionKind", "SupportRecord", "Verdict", "Visit", "VisitOutcome",
           "DIGITAL_FAMILY_SKILLS", "Assignment", "EvidenceKind", "Household", "Person", "PersonSkill", "Sex",
           "Skill", "SkillEvent", "AuthToken", "Role", "TokenKind", "Team", "TeamKind", "TeamMember", "Unit",
           "UnitLevel", "User", "Village", "VillageKind", "EvidenceReview", "EvidenceStatus",
           "ReviewDecision", "SkillStatus", "PopulationFigure", "PopulationMeasure", "PlatformConfirmation",
           "QuarterlyReport", "ReportStatus", "KeptImport"]
