from django.urls import path

from . import views

urlpatterns = [
    path("", views.front, name="front"),
    path("home/", views.home, name="home"),
    path("register/", views.hospital_register, name="hospital-register"),
    path("register/received/", views.hospital_register_done, name="hospital-register-done"),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation-accept"),
    path("switch-hospital/", views.switch_hospital, name="switch-hospital"),
    path("hospital/members/", views.member_list, name="member-list"),
    path("hospital/members/invite/", views.member_invite, name="member-invite"),
    path("hospital/members/<uuid:public_id>/", views.member_edit, name="member-edit"),
    path("hospital/members/<uuid:public_id>/deactivate/", views.member_deactivate,
         name="member-deactivate"),
    path("hospital/members/<uuid:public_id>/reactivate/", views.member_reactivate,
         name="member-reactivate"),
    path("hospital/invitations/<uuid:public_id>/resend/", views.invitation_resend,
         name="invitation-resend"),
    path("hospital/invitations/<uuid:public_id>/revoke/", views.invitation_revoke,
         name="invitation-revoke"),
    path("pso/contracts/<uuid:public_id>/document/", views.contract_document,
         name="contract-document"),
]
