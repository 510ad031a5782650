from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from eco311.accounts import views as account_views
from eco311.api.views import api
from eco311.web.views import (
    enterprises,
    evaluation,
    indicators,
    pages,
    rankings,
    returns,
    survey,
    targets,
)

urlpatterns = [
    path("", pages.dashboard, name="home"),
    path("plans/", pages.plan_list, name="plans"),
    path("plans/<slug:plan_key>/", pages.plan_detail, name="plan"),
    path("plans/<slug:plan_key>/targets/<str:target_key>/", targets.target_detail, name="target"),
    path(
        "plans/<slug:plan_key>/targets/<str:target_key>/report/",
        targets.submit_report,
        name="submit_report",
    ),
    path("reports/<int:report_id>/review/", targets.review_report, name="review_report"),
    path(
        "reports/<int:report_id>/attachment/", targets.report_attachment, name="report_attachment"
    ),
    path("review/", targets.review_queue, name="review_queue"),
    path("areas/", pages.area_list, name="areas"),
    path("areas/<str:area_key>/", pages.area_detail, name="area"),
    path("warnings/", pages.warnings_page, name="warnings"),
    # The HTML report is a self-contained document (saved and mailed as one file) with its own
    # <style>; it has no script, and script-src stays 'self'.
    path(
        "evaluation/",
        csp_update({"style-src": [UNSAFE_INLINE]})(evaluation.evaluation),
        name="evaluation",
    ),
    path("survey/", survey.survey_home, name="survey"),
    path("survey/template.xlsx", survey.survey_template, name="survey_template"),
    path("survey/import/", survey.survey_import, name="survey_import"),
    path("survey/import/<int:batch_id>/", survey.import_batch, name="survey_batch"),
    path("survey/import/<int:batch_id>/errors.xlsx", survey.import_errors, name="survey_errors"),
    path(
        "survey/import/<int:batch_id>/progress/",
        survey.import_progress,
        name="survey_batch_progress",
    ),
    path("returns/", returns.returns_queue, name="returns_queue"),
    path("returns/mine/", returns.my_return, name="my_return"),
    path("returns/<str:uscc>/<int:year>/", returns.return_review, name="return_review"),
    path("returns/<str:uscc>/<int:year>/review/", returns.review_return, name="review_return"),
    path("enterprises/", enterprises.enterprise_list, name="enterprises"),
    path("enterprises/<str:uscc>/", enterprises.enterprise_detail, name="enterprise"),
    path("kpi/", indicators.kpi_list, name="kpis"),
    path("kpi/<slug:key>/", indicators.kpi_detail, name="kpi"),
    path("kpi/<slug:key>/enterprises.xlsx", indicators.kpi_export, name="kpi_export"),
    path("rankings/", rankings.ranking_list, name="rankings"),
    path("rankings/start/", rankings.ranking_start, name="ranking_start"),
    path("rankings/methodology/", rankings.methodology_current, name="ranking_methodology"),
    path("rankings/<int:ranking_id>/", rankings.ranking_detail, name="ranking"),
    path("rankings/<int:ranking_id>/progress/", rankings.ranking_progress, name="ranking_progress"),
    path("rankings/<int:ranking_id>/publish/", rankings.ranking_publish, name="ranking_publish"),
    path("rankings/<int:ranking_id>/discard/", rankings.ranking_discard, name="ranking_discard"),
    path(
        "rankings/<int:ranking_id>/methodology/",
        rankings.methodology_snapshot,
        name="ranking_snapshot_methodology",
    ),
    path("rankings/<int:ranking_id>/export.xlsx", rankings.ranking_xlsx, name="ranking_xlsx"),
    path("rankings/<int:ranking_id>/export.pdf", rankings.ranking_pdf, name="ranking_pdf"),
    path(
        "rankings/<int:ranking_id>/enterprises/<str:uscc>/",
        rankings.ranking_entry,
        name="ranking_entry",
    ),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(template_name="accounts/login.html"),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/manage/", include("eco311.accounts.urls")),
    path("accounts/", account_views.account, name="account"),
    path("accounts/tokens/", account_views.create_token, name="create_token"),
    path("accounts/tokens/<int:token_id>/revoke/", account_views.revoke_token, name="revoke_token"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", api.urls),
    path("admin/", admin.site.urls),
]

# The 500 page shows the request id to quote (web/views/errors.py).
handler500 = "eco311.web.views.errors.server_error"
