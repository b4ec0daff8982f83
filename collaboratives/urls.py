from django.urls import path

from . import views

urlpatterns = [
    path("sessions/", views.session_list, name="session-list"),
    path("sessions/new/", views.session_create, name="session-create"),
    path("sessions/<uuid:public_id>/", views.session_detail, name="session-detail"),
    path("sessions/<uuid:public_id>/edit/", views.session_edit, name="session-edit"),
    path("sessions/<uuid:public_id>/invite-hospitals/", views.session_invite_hospitals,
         name="session-invite-hospitals"),
    path("sessions/<uuid:public_id>/invite-guest/", views.session_invite_guest,
         name="session-invite-guest"),
    path("sessions/<uuid:public_id>/facilitators/", views.session_add_facilitator,
         name="session-add-facilitator"),
    path("sessions/<uuid:public_id>/advance/", views.session_advance, name="session-advance"),
    path("sessions/<uuid:public_id>/cancel/", views.session_cancel, name="session-cancel"),
    path("sessions/<uuid:public_id>/answer/", views.session_answer, name="session-answer"),
    path("sessions/<uuid:public_id>/attendees/", views.session_attendees,
         name="session-attendees"),
    path("sessions/<uuid:public_id>/nominate/", views.session_nominate, name="session-nominate"),
    path("sessions/<uuid:public_id>/ground-rules/", views.session_attest, name="session-attest"),
    path("sessions/<uuid:public_id>/materials/", views.session_materials,
         name="session-materials"),
    path("sessions/<uuid:public_id>/agenda/", views.session_agenda, name="session-agenda"),
    path("sessions/<uuid:public_id>/session.ics", views.session_ics_download,
         name="session-ics"),
    path("sessions/<uuid:public_id>/notes/", views.session_notes, name="session-notes"),
    path("sessions/nominations/<uuid:public_id>/decide/", views.nomination_decide,
         name="nomination-decide"),
    path("sessions/nominations/<uuid:public_id>/comment/", views.nomination_comment,
         name="nomination-comment"),
]
