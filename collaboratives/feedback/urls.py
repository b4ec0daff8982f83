from django.urls import path

from . import views

urlpatterns = [
    path("collaboratives/feedback/teams/<uuid:public_id>/", views.team_dashboard,
         name="feedback-team"),
    path("collaboratives/feedback/teams/<uuid:public_id>/charts.pdf", views.team_dashboard_pdf,
         name="feedback-team-pdf"),
    path("collaboratives/feedback/teams/<uuid:public_id>/phases/", views.phase_mark,
         name="feedback-phase"),
    path("collaboratives/feedback/<uuid:collaborative_id>/measures/<uuid:measure_id>/compare/",
         views.measure_compare, name="feedback-compare"),
    path("collaboratives/feedback/<uuid:collaborative_id>/positive-deviance/",
         views.deviance_list, name="feedback-deviance"),
    path("collaboratives/feedback/<uuid:collaborative_id>/positive-deviance/scan/",
         views.deviance_scan, name="feedback-deviance-scan"),
    path("collaboratives/feedback/positive-deviance/<uuid:public_id>/ask/",
         views.deviance_ask, name="feedback-deviance-ask"),
    path("collaboratives/feedback/positive-deviance/<uuid:public_id>/",
         views.deviance_decide, name="feedback-deviance-decide"),
]
