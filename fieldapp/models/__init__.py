"""Tables. Import every model here so that Alembic and the app see the whole metadata."""
from fieldapp.models.activity import ActivityEntry
from fieldapp.models.teams import Team, TeamKind, TeamMember
from fieldapp.models.units import Unit, UnitLevel
from fieldapp.models.users import AuthToken, Role, User
from fieldapp.models.villages import Village, VillageKind

__all__ = ["ActivityEntry", "AuthToken", "Role", "Team", "TeamKind", "TeamMember", "Unit", "UnitLevel",
           "User", "Village", "VillageKind"]
