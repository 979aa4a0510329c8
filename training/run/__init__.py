"""One training run and what it leaves: settings, the steps, the report, the run folder, callbacks, parts, comparison, several workers."""
