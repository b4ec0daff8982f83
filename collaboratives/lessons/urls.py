from django.urls import path

from . import views

urlpatterns = [
    path("lessons/", views.lesson_library, name="lesson-library"),
    path("lessons/<uuid:public_id>/", views.lesson_detail, name="lesson-detail"),
    path("lessons/<uuid:public_id>/acting/", views.lesson_acting, name="lesson-acting"),
    path("lessons/<uuid:public_id>/comment/", views.lesson_comment, name="lesson-comment"),
    path("pso/lessons/", views.lesson_pso_list, name="lesson-pso-list"),
    path("pso/lessons/new/", views.lesson_create, name="lesson-create"),
    path("pso/lessons/<uuid:public_id>/", views.lesson_pso_detail, name="lesson-pso-detail"),
    path("pso/lessons/<uuid:public_id>/edit/", views.lesson_edit, name="lesson-edit"),
    path("pso/lessons/<uuid:public_id>/submit/", views.lesson_submit, name="lesson-submit"),
    path("pso/lessons/<uuid:public_id>/review/", views.lesson_review, name="lesson-review"),
    path("pso/lessons/<uuid:public_id>/withdraw/", views.lesson_withdraw,
         name="lesson-withdraw"),
]
