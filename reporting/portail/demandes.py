"""What a référent sends: a new marché to support, the attributaires and calendar of an awarded one."""

urlpatterns: list = []
