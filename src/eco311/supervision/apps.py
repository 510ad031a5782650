from django.apps import AppConfig


class Config(AppConfig):
    name = "eco311.supervision"
    label = "supervision"
    verbose_name = "supervision"

    def ready(self):
        # plans never imports supervision: a submitted report answers the reminders on its
        # target through this signal (supervision/reminders.py, answer_by_report).
        from django.db.models.signals import post_save

        from eco311.plans.models import ProgressReport
        from eco311.supervision.reminders import on_report_saved

        post_save.connect(
            on_report_saved, sender=ProgressReport, dispatch_uid="supervision-answer-by-report"
        )
        # The daily jobs (schedule, digests) are registered when the module is imported.
        from eco311.supervision import jobs  # noqa: F401
