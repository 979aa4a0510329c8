"""Udacity driving logs: read, validate, merge, balance, split; write in the same format."""

from recorder.balance import BalanceConfig, balance
from recorder.loader import LoadConfig, LoadResult, load_recordings
from recorder.problems import REASONS, Problem, RecordingError
from recorder.sample import Sample
from recorder.split import Split, SplitConfig, split_blocks
from recorder.stats import build_report, save_steering_histogram, summary

__all__ = [
    "BalanceConfig",
    "LoadConfig",
    "LoadResult",
    "Problem",
    "REASONS",
    "RecordingError",
    "Sample",
    "Split",
    "SplitConfig",
    "balance",
    "build_report",
    "load_recordings",
    "save_steering_histogram",
    "split_blocks",
    "summary",
]
