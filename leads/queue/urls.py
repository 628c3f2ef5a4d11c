from django.urls import path

from leads.queue import views

app_name = "queue"
urlpatterns = [
    path("", views.queue_page, name="page"),
    path("<int:pk>/claim/", views.queue_claim, name="claim"),
    path("<int:pk>/release/", views.queue_release, name="release"),
    path("<int:pk>/log/", views.queue_log, name="log"),
    path("<int:pk>/bant/", views.queue_bant, name="bant"),
    path("<int:pk>/disqualify/", views.queue_disqualify, name="disqualify"),
    path("<int:pk>/nurture/", views.queue_nurture, name="nurture"),
]
