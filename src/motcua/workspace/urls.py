from django.urls import path

from . import counter, queue

app_name = "workspace"
urlpatterns = [
    path("", queue.queue, name="queue"),
    path("tiep-nhan/", counter.counter, name="counter"),
    path("tiep-nhan/tim-thu-tuc/", counter.search, name="counter_search"),
    path("tiep-nhan/thanh-phan/", counter.parts, name="counter_parts"),
    path("tiep-nhan/tra-cuu-nguoi-nop/", counter.lookup, name="counter_lookup"),
]
