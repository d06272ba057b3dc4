from django.urls import path

from . import views

app_name = "online"
urlpatterns = [
    path("", views.drafts, name="drafts"),
    path("da-nop/<str:dossier_code>/", views.done, name="done"),
    path("<str:code>/", views.start, name="start"),
    path("<str:code>/<str:key>/", views.resume, name="resume"),
    path("<str:code>/<str:key>/truong-hop/", views.case, name="case"),
    path("<str:code>/<str:key>/to-khai/", views.form, name="form"),
    path("<str:code>/<str:key>/doi-chieu-dan-cu/", views.population_check, name="population"),
    path("<str:code>/<str:key>/xem-lai/", views.review, name="review"),
    path("<str:code>/<str:key>/xoa/", views.delete, name="delete"),
]
