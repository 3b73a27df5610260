from django.urls import path

import orgs.ids  # noqa: F401 - registers the <id:…> converter
from transfers.views import (
    actions,
    apply,
    batch,
    branch,
    detail,
    exchange,
    inbound,
    letters,
    lists,
    supervision,
)

app_name = "transfers"
urlpatterns = [
    path("", lists.index, name="index"),
    # 转出
    path("out/todo/", lists.out_todo, name="out_todo"),
    path("out/done/", lists.out_done, name="out_done"),
    path("out/progress/", lists.out_progress, name="out_progress"),
    path("out/history/", lists.out_history, name="out_history"),
    path(
        "out/history/export/",
        lists.history_export,
        {"direction": "out"},
        name="out_history_export",
    ),
    path("apply/", apply.apply_members, name="apply_members"),
    path("apply/details/", apply.apply_details, name="apply_details"),
    path("apply/path/", apply.apply_preview, name="apply_preview"),
    path("apply/launch/", apply.apply_launch, name="apply_launch"),
    # 接收
    path("in/todo/", lists.in_todo, name="in_todo"),
    path("in/done/", lists.in_done, name="in_done"),
    path("in/unreported/", lists.in_unreported, name="in_unreported"),
    path("in/history/", lists.in_history, name="in_history"),
    path(
        "in/history/export/",
        lists.history_export,
        {"direction": "in"},
        name="in_history_export",
    ),
    path("inbound/", inbound.inbound_start, name="inbound_start"),
    path("inbound/exchange/", exchange.find_package, name="inbound_exchange"),
    path(
        "inbound/exchange/upload/",
        exchange.upload_package,
        name="inbound_exchange_upload",
    ),
    path(
        "inbound/exchange/<uuid:package_id>/",
        exchange.import_package,
        name="inbound_import",
    ),
    path("inbound/details/", inbound.inbound_details, name="inbound_details"),
    path("inbound/<id:pk>/path/", inbound.inbound_preview, name="inbound_preview"),
    # 批量办理 (graduation season)
    path("batch/approve/", batch.batch_approve, name="batch_approve"),
    path("batch/receive/", batch.batch_receive, name="batch_receive"),
    path("batch/report/", batch.batch_report, name="batch_report"),
    path("batch/result/", batch.batch_result, name="batch_result"),
    path("batch/letters.pdf", batch.batch_letters, name="batch_letters"),
    # 支部间转接, 工作督查
    path("branch/", branch.branch_move, name="branch"),
    path("supervision/", supervision.supervision_page, name="supervision"),
    path(
        "supervision/export/<str:which>/",
        supervision.supervision_export,
        name="supervision_export",
    ),
    path("supervision/remind/<id:step_id>/", supervision.remind, name="remind"),
    # 放大镜
    path("targets/", apply.target_search, name="target_search"),
    # One transfer
    path("t/<id:pk>/", detail.detail, name="detail"),
    path("t/<id:pk>/full-id/", detail.full_id, name="full_id"),
    path("t/<id:pk>/letter/", letters.letter, name="letter"),
    path("t/<id:pk>/letter.pdf", letters.letter_pdf, name="letter_pdf"),
    path("t/<id:pk>/letter/reissue/", letters.reissue, name="reissue"),
    path("t/<id:pk>/approve/", actions.approve, name="approve"),
    path("t/<id:pk>/reject/", actions.reject, name="reject"),
    path("t/<id:pk>/change/", actions.change, name="change"),
    path("t/<id:pk>/change/preview/", actions.change_preview, name="change_preview"),
    path("t/<id:pk>/receive/", actions.receive, name="receive"),
    path("t/<id:pk>/conclude/", actions.conclude, name="conclude"),
    path("t/<id:pk>/revoke/", actions.revoke, name="revoke"),
    path("t/<id:pk>/report/", actions.report, name="report"),
    path("t/<id:pk>/send-back/", actions.send_back, name="send_back"),
    path("t/<id:pk>/relaunch/", apply.relaunch, name="relaunch"),
    path("t/<id:pk>/launch/", apply.launch_one, name="launch"),
    path("t/<id:pk>/package/", exchange.download_package, name="package"),
    path("t/<id:pk>/receipt/", actions.record_receipt, name="receipt"),
]
