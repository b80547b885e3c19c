"""View names the CLI offers (kept outside mdtapp.ui so `--help` does not import Qt)."""

VIEWS = (
    "list",
    "reviews",
    "overview",
    "eligibility",
    "assessment",
    "treatment",
    "decisions",
    "photos",
    "meeting",  # the latest meeting (mdtapp meeting new), its first agenda item
    "presenter",  # the same meeting's presenter view
)
MEETING_VIEWS = ("meeting", "presenter")
