"""The reporting core: a cohort's completion and its CSV, as plain data for every view."""
