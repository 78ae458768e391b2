"""Inference: the base encoder and the dispatch classifier served through ONNX Runtime.

Imports nothing from serving/ or training/. Empty until the classifier lands (issue 4)."""
