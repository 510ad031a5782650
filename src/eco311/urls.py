from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from eco311.accounts import views as account_views
from eco311.api.views import api
from eco311.web.views import (
    chain_leaders,
    chain_placements,
    chain_reports,
    chains,
    enterprises,
    evaluation,
    inbox,
    indicators,
    notices,
    pages,
    rankings,
    returns,
    search,
    supervision,
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
    path(
        "plans/<slug:plan_key>/targets/<str:target_key>/assign/",
        supervision.assign_target,
        name="assign_target",
    ),
    path(
        "plans/<slug:plan_key>/targets/<str:target_key>/contact/",
        supervision.set_contact,
        name="set_contact",
    ),
    path("assignments/<int:assignment_id>/remove/", supervision.unassign, name="unassign"),
    path("contacts/<int:contact_id>/remove/", supervision.remove_contact, name="remove_contact"),
    path("reminders/", supervision.reminder_list, name="reminders"),
    path("reminders/new/", supervision.reminder_new, name="reminder_new"),
    path("reminders/<int:reminder_id>/", supervision.reminder_detail, name="reminder"),
    path("reminders/<int:reminder_id>/ack/", supervision.reminder_ack, name="reminder_ack"),
    path(
        "reminders/<int:reminder_id>/answer/", supervision.reminder_answer, name="reminder_answer"
    ),
    path("reminders/<int:reminder_id>/close/", supervision.reminder_close, name="reminder_close"),
    path(
        "reminders/<int:reminder_id>/escalate/",
        supervision.reminder_escalate,
        name="reminder_escalate",
    ),
    path("reports/<int:report_id>/review/", targets.review_report, name="review_report"),
    path(
        "reports/<int:report_id>/attachment/", targets.report_attachment, name="report_attachment"
    ),
    path("review/", targets.review_queue, name="review_queue"),
    path("areas/", pages.area_list, name="areas"),
    path("areas/<str:area_key>/", pages.area_detail, name="area"),
    path("warnings/", pages.warnings_page, name="warnings"),
    path("search/", search.search, name="search"),
    # The HTML report is a self-contained document (saved and mailed as one file) with its own
    # <style>; it has no script, and script-src stays 'self'.
    path(
        "evaluation/",
        csp_update({"style-src": [UNSAFE_INLINE]})(evaluation.evaluation),
        name="evaluation",
    ),
    path("evaluation/new/", evaluation.evaluation_new, name="evaluation_new"),
    path("evaluation/<int:draft_id>/", evaluation.evaluation_draft, name="evaluation_draft"),
    path(
        "evaluation/<int:draft_id>/narrative/",
        evaluation.evaluation_narrative,
        name="evaluation_narrative",
    ),
    path(
        "evaluation/<int:draft_id>/redraft/",
        evaluation.evaluation_redraft,
        name="evaluation_redraft",
    ),
    path(
        "evaluation/<int:draft_id>/render/", evaluation.evaluation_render, name="evaluation_render"
    ),
    path(
        "evaluation/<int:draft_id>/renders/",
        evaluation.evaluation_renders,
        name="evaluation_renders",
    ),
    path(
        "evaluation/<int:draft_id>/files/<str:fmt>/<str:lang>/",
        csp_update({"style-src": [UNSAFE_INLINE]})(evaluation.evaluation_file),
        name="evaluation_file",
    ),
    path(
        "evaluation/<int:draft_id>/preview/",
        csp_update({"style-src": [UNSAFE_INLINE]})(evaluation.evaluation_preview),
        name="evaluation_preview",
    ),
    path("evaluation/<int:draft_id>/issue/", evaluation.evaluation_issue, name="evaluation_issue"),
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
    path("inbox/", inbox.inbox, name="inbox"),
    path("notices/", notices.notice_list, name="notices"),
    path("notices/new/", notices.notice_new, name="notice_new"),
    path("notices/<int:notice_id>/", notices.notice_detail, name="notice"),
    path("notices/<int:notice_id>/edit/", notices.notice_edit, name="notice_edit"),
    path("notices/<int:notice_id>/publish/", notices.notice_publish, name="notice_publish"),
    path("notices/<int:notice_id>/withdraw/", notices.notice_withdraw, name="notice_withdraw"),
    path(
        "notices/<int:notice_id>/attachments/<int:attachment_id>/",
        notices.notice_attachment,
        name="notice_attachment",
    ),
    path("enterprises/", enterprises.enterprise_list, name="enterprises"),
    path("enterprises/<str:uscc>/", enterprises.enterprise_detail, name="enterprise"),
    path(
        "enterprises/<str:uscc>/chains/",
        chain_placements.chain_placement,
        name="chain_placement",
    ),
    # The chain map (plan 四(二)1): /chains/cities/<code>/ before /chains/<chain>/, which would
    # otherwise take "cities" for a chain's code.
    path("chains/", chains.chain_overview, name="chains"),
    path("chains/cities/<str:code>/", chains.chain_city, name="chain_city"),
    path("chains/<slug:chain_code>/", chains.chain_panorama, name="chain"),
    path("chains/<slug:chain_code>/nodes/<slug:node_code>/", chains.chain_node, name="chain_node"),
    path("chains/<slug:chain_code>/lists/", chains.chain_lists_page, name="chain_lists"),
    path(
        "chains/<slug:chain_code>/leaders/",
        chain_leaders.chain_leaders_page,
        name="chain_leaders",
    ),
    path(
        "chains/<slug:chain_code>/leaders/grant/",
        chain_leaders.chain_leader_grant,
        name="chain_leader_grant",
    ),
    path(
        "chains/<slug:chain_code>/leaders/<int:tag_id>/revoke/",
        chain_leaders.chain_leader_revoke,
        name="chain_leader_revoke",
    ),
    # The chain-map analysis (优势产业链图谱分析): issued editions and the drafts of the years.
    path("chain-reports/", chain_reports.chain_reports, name="chain_reports"),
    path("chain-reports/issue/", chain_reports.chain_report_issue, name="chain_report_issue"),
    path(
        "chain-reports/<int:report_id>/<str:fmt>/<str:lang>/",
        chain_reports.chain_report_file,
        name="chain_report_file",
    ),
    path(
        "chain-reports/drafts/<int:year>/<str:fmt>/<str:lang>/",
        chain_reports.chain_report_draft_file,
        name="chain_report_draft_file",
    ),
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
# An anonymous visitor of a private page is sent to the login page instead of a 403.
handler403 = "eco311.web.views.errors.permission_denied"
