from django.urls import path

from . import views

urlpatterns = [
    path("learning/teams/<uuid:public_id>/pdsa/", views.lc_pdsa, name="lc-pdsa"),
    path("learning/teams/<uuid:public_id>/pdsa/new/", views.lc_pdsa_new, name="lc-pdsa-new"),
    path("learning/teams/<uuid:public_id>/coaching-notes/", views.lc_coaching_notes,
         name="lc-coaching-notes"),
    path("learning/pdsa/<uuid:public_id>/", views.lc_pdsa_detail, name="lc-pdsa-detail"),
    path("learning/pdsa/<uuid:public_id>/edit/", views.lc_pdsa_edit, name="lc-pdsa-edit"),
    path("learning/pdsa/<uuid:public_id>/comment/", views.lc_pdsa_comment,
         name="lc-pdsa-comment"),
    path("learning/reports/<uuid:public_id>/comment/", views.lc_report_comment,
         name="lc-report-comment"),
]
