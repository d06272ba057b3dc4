from django.urls import path

from . import counter, queue

app_name = "workspace"
urlpatterns = [
    path("", queue.queue, name="queue"),
    path("tiep-nhan/", counter.counter, name="counter"),
]
