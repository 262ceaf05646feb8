"""Strings that the complaints module added to shared templates and views (the home page, the follow-up
call dialog): listed here so that `makemessages` keeps them in this app's catalogue."""

from django.utils.translation import gettext_noop

SHARED = [
    gettext_noop("补偿待批 %(n)s"),
    gettext_noop("已生成投诉单 %(n)s"),
    gettext_noop("（保存时生成投诉单，带上客户、车辆和本次电话）"),
]
