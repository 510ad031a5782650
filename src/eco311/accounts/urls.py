"""Account management for the province administrator, under /accounts/manage/."""

from django.urls import path

from eco311.accounts import views

urlpatterns = [
    path("", views.account_list, name="account_admin"),
    path("new/", views.account_create, name="account_create"),
    path("<int:user_id>/", views.account_detail, name="account_detail"),
    path("<int:user_id>/active/", views.account_set_active, name="account_set_active"),
    path("<int:user_id>/password/", views.account_set_password, name="account_set_password"),
]
