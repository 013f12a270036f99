"""Imported first by each benchmark run as a script: the project on the path, Django set up.

One Tesseract thread per process, as in the workers, so that comparisons
with single-process baselines are fair.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ["OMP_THREAD_LIMIT"] = "1"
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()
