from django.urls import path

from transfers import branch_views, exchange_views, supervision_views, views

app_name = "transfers"
urlpatterns = [
    path("", views.index, name="index"),
    # 转出
    path("out/todo/", views.out_todo, name="out_todo"),
    path("out/done/", views.out_done, name="out_done"),
    path("out/history/", views.out_history, name="out_history"),
    path(
        "out/history/export/",
        views.history_export,
        {"direction": "out"},
        name="out_history_export",
    ),
    path("apply/", views.apply_members, name="apply_members"),
    path("apply/details/", views.apply_details, name="apply_details"),
    path("apply/path/", views.apply_preview, name="apply_preview"),
    path("apply/launch/", views.apply_launch, name="apply_launch"),
    # 接收
    path("in/todo/", views.in_todo, name="in_todo"),
    path("in/done/", views.in_done, name="in_done"),
    path("in/unreported/", views.in_unreported, name="in_unreported"),
    path("in/history/", views.in_history, name="in_history"),
    path(
        "in/history/export/",
        views.history_export,
        {"direction": "in"},
        name="in_history_export",
    ),
    path("inbound/", views.inbound_start, name="inbound_start"),
    path("inbound/exchange/", exchange_views.find_package, name="inbound_exchange"),
    path(
        "inbound/exchange/upload/",
        exchange_views.upload_package,
        name="inbound_exchange_upload",
    ),
    path(
        "inbound/exchange/<uuid:package_id>/",
        exchange_views.import_package,
        name="inbound_import",
    ),
    path("inbound/details/", views.inbound_details, name="inbound_details"),
    path("inbound/<int:pk>/path/", views.inbound_preview, name="inbound_preview"),
    # 支部间转接, 工作督查
    path("branch/", branch_views.branch_move, name="branch"),
    path("supervision/", supervision_views.supervision_page, name="supervision"),
    path(
        "supervision/export/<str:which>/",
        supervision_views.supervision_export,
        name="supervision_export",
    ),
    path("supervision/remind/<int:step_id>/", supervision_views.remind, name="remind"),
    # 放大镜
    path("targets/", views.target_search, name="target_search"),
    # One transfer
    path("t/<int:pk>/", views.detail, name="detail"),
    path("t/<int:pk>/letter/", views.letter, name="letter"),
    path("t/<int:pk>/letter.pdf", views.letter_pdf, name="letter_pdf"),
    path("t/<int:pk>/approve/", views.approve, name="approve"),
    path("t/<int:pk>/reject/", views.reject, name="reject"),
    path("t/<int:pk>/change/", views.change, name="change"),
    path("t/<int:pk>/change/preview/", views.change_preview, name="change_preview"),
    path("t/<int:pk>/receive/", views.receive, name="receive"),
    path("t/<int:pk>/conclude/", views.conclude, name="conclude"),
    path("t/<int:pk>/revoke/", views.revoke, name="revoke"),
    path("t/<int:pk>/report/", views.report, name="report"),
    path("t/<int:pk>/send-back/", views.send_back, name="send_back"),
    path("t/<int:pk>/relaunch/", views.relaunch, name="relaunch"),
    path("t/<int:pk>/launch/", views.launch_one, name="launch"),
    path("t/<int:pk>/package/", exchange_views.download_package, name="package"),
    path("t/<int:pk>/receipt/", views.record_receipt, name="receipt"),
]
