from django.urls import path

from . import views

urlpatterns = [
    path("learning/<uuid:public_id>/discussion/", views.lc_threads, name="lc-threads"),
    path("learning/<uuid:public_id>/discussion/new/", views.lc_thread_new,
         name="lc-thread-new"),
    path("learning/threads/<uuid:public_id>/", views.lc_thread, name="lc-thread"),
    path("learning/threads/<uuid:public_id>/reply/", views.lc_thread_reply,
         name="lc-thread-reply"),
    path("learning/threads/<uuid:public_id>/follow/", views.lc_thread_subscribe,
         name="lc-thread-subscribe"),
    path("learning/posts/<uuid:public_id>/hide/", views.lc_post_hide, name="lc-post-hide"),
]
