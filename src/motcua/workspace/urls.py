from django.urls import path

from . import counter, dossier, logbook, payments, queue

app_name = "workspace"
urlpatterns = [
    path("", queue.queue, name="queue"),
    path("tiep-nhan/", counter.counter, name="counter"),
    path("tiep-nhan/tim-thu-tuc/", counter.search, name="counter_search"),
    path("tiep-nhan/thanh-phan/", counter.parts, name="counter_parts"),
    path("tiep-nhan/tra-cuu-nguoi-nop/", counter.lookup, name="counter_lookup"),
    path("tiep-nhan/tra-cuu-dan-cu/", counter.population_lookup, name="counter_population"),
    path("ho-so/<str:code>/", dossier.dossier, name="dossier"),
    path("ho-so/<str:code>/thao-tac/<str:action>/", dossier.act, name="dossier_action"),
    path("ho-so/<str:code>/tep/", dossier.attach, name="dossier_files"),
    path("ho-so/<str:code>/hoan-phi/<int:payment_id>/", dossier.refund, name="refund"),
    path("so-theo-doi/", logbook.logbook, name="logbook"),
    path("thanh-toan/", payments.flags, name="payment_flags"),
    path("thanh-toan/<int:notice_id>/xu-ly/", payments.resolve, name="payment_resolve"),
]
