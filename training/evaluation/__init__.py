"""Evaluation of leaf classifiers: metrics per catalogue level, calibration, precision-coverage, the report writer
and the TF-IDF baseline."""
from training.evaluation.baseline import TfidfBaseline
from training.evaluation.metrics import (
    DEFAULT_THRESHOLD_KEY,
    Predictions,
    apply_class_thresholds,
    confused_pairs,
    evaluate,
    expected_calibration_error,
    level_metrics,
    macro_f1,
    per_class,
    precision_coverage,
    reliability_bins,
    threshold_for_precision,
    threshold_for_precision_bound,
    tune_class_thresholds,
)
from training.evaluation.report import write_report

__all__ = [
    "DEFAULT_THRESHOLD_KEY", "Predictions", "TfidfBaseline", "apply_class_thresholds", "confused_pairs", "evaluate",
    "expected_calibration_error", "level_metrics", "macro_f1", "per_class", "precision_coverage",
    "reliability_bins", "threshold_for_precision", "threshold_for_precision_bound", "tune_class_thresholds",
    "write_report",
]
