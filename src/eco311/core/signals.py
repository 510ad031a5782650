"""Signals the apps send about their own data, for the apps above them to follow.

``rows_written`` is sent after writes that send no model signals (``bulk_create``, the survey
importer's raw inserts and updates): ``sender`` is the model class, ``ids`` the primary keys
written (None: any row may have changed). Whoever keeps something derived from those rows (the
search index) connects to it at start, so the writing app never imports the reader.
"""

from django.dispatch import Signal

rows_written = Signal()
