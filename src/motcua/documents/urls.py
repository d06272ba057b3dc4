from django.urls import path

from . import views

app_name = "results"

urlpatterns = [
    path("", views.lookup, name="lookup"),
    path("<str:code>/", views.result_page, name="verify"),
    path("<str:code>/thu-hoi/", views.revoke, name="revoke"),
]
