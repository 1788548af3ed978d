"""URLs of the supervision bulletins pages (督查通报, issue 5)."""
from django.urls import path

from .views import bulletins

app_name = "bulletins"

urlpatterns = [
    path("periods/<int:pk>/bulletins/", bulletins.bulletin_list, name="list"),
    path("periods/<int:pk>/bulletins/generate/", bulletins.bulletin_generate_view,
         name="generate"),
    path("periods/<int:pk>/bulletins/<str:name>/", bulletins.bulletin_download, name="download"),
]
