from django.urls import path

from .views import agency, coordination, extensions, items, office, people, setup

app_name = "workflow"

urlpatterns = [
    # agencies (views/agency.py)
    path("my/", agency.my_tasks, name="my-tasks"),
    path("tasks/<int:pk>/", agency.task_detail, name="task"),
    path("tasks/<int:pk>/report/", agency.report_save, name="report-save"),
    path("tasks/<int:pk>/contribute/", agency.contribute, name="contribute"),
    path("reports/<int:pk>/attachments/", agency.report_attach, name="report-attach"),
    path("contributions/<int:pk>/attachments/", agency.contribution_attach,
         name="contribution-attach"),
    path("attachments/<int:pk>/", agency.attachment_download, name="attachment"),
    path("assignments/<int:pk>/acknowledge/", agency.acknowledge, name="acknowledge"),
    path("reports/<int:pk>/sign-off/", agency.sign_off, name="sign-off"),
    path("sign-off/", agency.signoff_queue, name="signoff-queue"),
    path("reports/<int:pk>/send-back/", agency.send_back, name="send-back"),
    path("periods/<int:pk>/report-once/", agency.report_once, name="report-once"),
    # the office and leaders (views/office.py)
    path("review/", office.review_queue, name="review"),
    path("reports/<int:pk>/", office.report_detail, name="report"),
    path("reports/<int:pk>/verify/", office.verify, name="verify"),
    path("reports/<int:pk>/verify/confirm/", office.verify_confirm, name="verify-confirm"),
    path("reports/<int:pk>/return/", office.return_report, name="return"),
    path("tasks/<int:pk>/reopen/", office.reopen, name="reopen"),
    path("tasks/<int:pk>/instruct/", office.instruct, name="instruct"),
    path("assignments/<int:pk>/reassign/", office.reassign, name="reassign"),
    path("plans/<int:pk>/dispatch/", office.dispatch, name="dispatch"),
    path("plans/<int:pk>/dispatch/confirm/", office.dispatch_confirm, name="dispatch-confirm"),
    path("plans/<int:pk>/receipts/", office.receipts, name="receipts"),
    path("tasks/<int:pk>/escalate/", office.escalate, name="escalate"),
    path("plans/<int:pk>/overdue/", office.overdue, name="overdue"),
    path("overdue/", office.overdue_all, name="overdue-all"),
    path("notifications/failed/", office.failed_emails, name="failed-emails"),
    path("plans/<int:pk>/contacts/", office.contacts_missing, name="contacts-missing"),
    path("periods/<int:pk>/close/", office.close_period, name="period-close"),
    path("periods/<int:pk>/close/confirm/", office.close_period_confirm,
         name="period-close-confirm"),
    path("periods/<int:pk>/reopen/", office.reopen_period, name="period-reopen"),
    # 延期申请 and 督办单 (views/extensions.py)
    path("tasks/<int:pk>/extension/", extensions.extension_ask, name="extension-ask"),
    path("extensions/", extensions.extension_list, name="extensions"),
    path("extensions/<int:pk>/", extensions.extension_detail, name="extension"),
    path("extensions/<int:pk>/decide/", extensions.extension_decide, name="extension-decide"),
    path("escalations/<int:pk>/slip/", extensions.slip_issue, name="slip-issue"),
    path("slips/<int:pk>/", extensions.slip_detail, name="slip"),
    path("slips/<int:pk>/docx/", extensions.slip_download, name="slip-docx"),
    path("slips/<int:pk>/acknowledge/", extensions.slip_ack, name="slip-acknowledge"),
    path("plans/<int:pk>/slips/", extensions.plan_slips, name="plan-slips"),
    # items outside a plan, 立项 (views/items.py)
    path("items/new/", items.item_new, name="item-new"),
    # coordination matters, 协调事项 (views/coordination.py)
    path("tasks/<int:pk>/coordination/", coordination.raise_matter, name="coordination-raise"),
    path("coordination/", coordination.matter_list, name="coordination-list"),
    path("coordination/<int:pk>/", coordination.matter_detail, name="coordination-matter"),
    path("coordination/<int:pk>/assign/", coordination.matter_assign,
         name="coordination-assign"),
    path("coordination/<int:pk>/answer/", coordination.matter_answer,
         name="coordination-answer"),
    path("coordination/<int:pk>/close/", coordination.matter_close, name="coordination-close"),
    # setting a plan up (views/setup.py)
    path("plans/<int:pk>/periods/", setup.plan_periods, name="plan-periods"),
    path("calendar/", setup.working_calendar, name="calendar"),
    path("agencies/duplicates/", setup.agency_suggestions, name="agency-suggestions"),
    path("agencies/duplicates/<int:pk>/", setup.agency_suggestion_decide,
         name="agency-suggestion-decide"),
    # the people of agencies (views/people.py)
    path("agencies/<int:pk>/people/", people.agency_people, name="agency-people"),
    path("people/<int:pk>/reset/", people.person_reset, name="person-reset"),
    path("people/<int:pk>/active/", people.person_active, name="person-active"),
    path("people/import/", people.people_import_view, name="people-import"),
]
