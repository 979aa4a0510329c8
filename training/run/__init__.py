"""One training run and what it leaves: settings, the steps, the run folder, callbacks, parts, comparison, several workers."""
