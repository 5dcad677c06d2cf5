app_name = "marches"

urlpatterns: list = []
