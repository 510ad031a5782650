from django.apps import AppConfig


class Config(AppConfig):
    name = "eco311.chains"
    label = "chains"
    verbose_name = "Industry chains"

    def ready(self):
        # enterprises must not import chains (layer order): the survey's chain-node column is
        # checked against the taxonomy and turned into declared placements through the hooks
        # the survey offers (enterprises/survey/validate.py, enterprises/importer.py).
        from eco311.chains import survey_column

        survey_column.register()
