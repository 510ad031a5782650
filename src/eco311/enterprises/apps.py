from django.apps import AppConfig


class Config(AppConfig):
    name = "eco311.enterprises"
    label = "enterprises"

    def ready(self):
        # plans must not import enterprises (layer order): the survey offers its values to
        # the plan targets through the registry in plans/sources.py instead.
        from eco311.enterprises import kpis
        from eco311.plans.sources import register_value_source

        register_value_source(
            "survey", bindings=kpis.bindings, series=kpis.series_for, counts=kpis.counts_for
        )
