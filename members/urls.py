from django.urls import path

import orgs.ids  # noqa: F401 - registers the <id:…> converter
from members import views

app_name = "members"
urlpatterns = [
    path("", views.member_list, name="list"),
    path("<id:pk>/", views.member_detail, name="detail"),
    path("<id:pk>/edit/", views.member_edit, name="edit"),
    path("<id:pk>/full-id/", views.member_full_id, name="full_id"),
    path("retrieve/", views.retrieve, name="retrieve"),
]
