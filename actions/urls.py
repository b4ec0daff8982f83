from django.urls import path

from . import views

urlpatterns = [
    path("actions/", views.action_list, name="action-list"),
    path("actions/mine/", views.action_mine, name="action-mine"),
    path("actions/<uuid:public_id>/", views.action_detail, name="action-detail"),
    path("actions/<uuid:public_id>/status/", views.action_status, name="action-status"),
    path("actions/<uuid:public_id>/edit/", views.action_edit, name="action-edit"),
    path("actions/<uuid:public_id>/cancel/", views.action_cancel, name="action-cancel"),
    path("reports/<uuid:public_id>/actions/new/", views.action_new_for_report,
         name="action-new-report"),
    path("lessons/<uuid:public_id>/actions/new/", views.action_new_for_lesson,
         name="action-new-lesson"),
]
