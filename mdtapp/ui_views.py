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
)
