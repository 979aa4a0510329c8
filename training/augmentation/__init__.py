"""Augmentations: per frame on raw RGB (`frames`), per batch on preprocessed YUV (`batches`), one set of parameters (`config`)."""
