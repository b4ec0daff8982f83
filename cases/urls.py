from django.urls import path

from . import conversation_views, dashboard_views, transfer_views, views

urlpatterns = [
    path("reports/new/", views.report_new, name="report-new"),
    path("reports/mine/", views.my_reports, name="my-reports"),
    path("reports/review/", views.review_queue, name="review-queue"),
    path("reports/dashboard/", dashboard_views.lead_dashboard, name="reports-dashboard"),
    path("reports/dashboard/board.pdf", dashboard_views.lead_dashboard_pdf,
         name="reports-dashboard-pdf"),
    path("reports/patient-days/", dashboard_views.patient_days, name="patient-days"),
    path("reports/export.csv", transfer_views.report_export, name="report-export"),
    path("reports/import/", transfer_views.report_import, name="report-import"),
    path("reports/import/template.csv", transfer_views.import_template,
         name="report-import-template"),
    path("reports/import/<uuid:public_id>/", transfer_views.import_status,
         name="report-import-status"),
    path("reports/<uuid:public_id>/", views.report_detail, name="report-detail"),
    path("reports/<uuid:public_id>/edit/", views.report_edit, name="report-edit"),
    path("reports/<uuid:public_id>/review/", views.report_review, name="report-review"),
    path("reports/<uuid:public_id>/send/", views.report_send, name="report-send"),
    path("reports/<uuid:public_id>/withdraw/", views.report_withdraw, name="report-withdraw"),
    path("reports/<uuid:public_id>/commit/", views.report_commit, name="report-commit"),
    path("reports/<uuid:public_id>/addendum/", views.report_addendum, name="report-addendum"),
    path("reports/<uuid:public_id>/reporter/", views.report_reporter, name="report-reporter"),
    path("reports/<uuid:public_id>/messages/", conversation_views.report_message,
         name="report-message"),
    path("pso/reports/", views.pso_report_list, name="pso-report-list"),
    path("pso/reports/dashboard/", dashboard_views.pso_dashboard, name="pso-reports-dashboard"),
    path("pso/reports/export.csv", transfer_views.pso_report_export, name="pso-report-export"),
    path("pso/reports/<uuid:public_id>/", views.pso_report_detail, name="pso-report-detail"),
]
