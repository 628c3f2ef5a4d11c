from django.urls import path

from leads.segments import views

app_name = "segments"
urlpatterns = [
    path("", views.segment_list, name="list"),
    path("new/", views.segment_builder, name="new"),
    path("<int:pk>/", views.segment_builder, name="edit"),
    path("preview/", views.segment_preview_fragment, name="preview"),
]
