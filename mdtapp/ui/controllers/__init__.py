"""Controllers: the behaviour behind a view (TagStudio style: views lay out, controllers wire)."""
