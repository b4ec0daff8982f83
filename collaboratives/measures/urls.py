from django.urls import path

from . import views

urlpatterns = [
    path("learning/teams/<uuid:public_id>/reports/", views.lc_reports, name="lc-reports"),
    path("learning/teams/<uuid:public_id>/reports/<int:year>-<int:month>/",
         views.lc_report_month, name="lc-report-month"),
    path("learning/teams/<uuid:public_id>/upload/", views.lc_upload, name="lc-upload"),
    path("learning/teams/<uuid:public_id>/upload/template.csv", views.lc_upload_template,
         name="lc-upload-template"),
    path("learning/reports/<uuid:public_id>/", views.lc_report, name="lc-report"),
    path("learning/reports/<uuid:public_id>/submit/", views.lc_report_submit,
         name="lc-report-submit"),
]
