"""The roles of R-G1 and their default data scopes (R-G2).

A role is a Django Group whose name is the role code; its RoleSetting row says which
customers the role may see. Administrators edit the scopes in the admin.
"""

from collections.abc import Callable
from typing import cast

from django.db import models
from django.utils.translation import gettext_lazy

# Labels are lazy, translated when shown; typed as str because callers use them as text.
_ = cast(Callable[[str], str], gettext_lazy)


class Role(models.TextChoices):
    GENERAL_MANAGER = "general_manager", _("总经理")
    SALES_MANAGER = "sales_manager", _("销售经理")
    CS_MANAGER = "cs_manager", _("客服经理")
    CS_AGENT = "cs_agent", _("客服专员")
    ACCOUNT_MANAGER = "account_manager", _("客户经理")
    FINANCE = "finance", _("财务")
    ARCHIVIST = "archivist", _("档案管理员")
    AUDITOR = "auditor", _("审计员")
    ADMIN = "admin", _("系统管理员")


class Scope(models.TextChoices):
    SELF = "self", _("本人")
    DEPARTMENT = "department", _("本部门")
    DEPARTMENT_TREE = "department_tree", _("本部门及以下")
    ALL = "all", _("全部")
    CUSTOM = "custom", _("自定义部门")


# (scope, read_only) per role. Customer-service roles call every customer, so they see all.
DEFAULT_SCOPES: dict[str, tuple[str, bool]] = {
    Role.GENERAL_MANAGER: (Scope.ALL, False),
    Role.SALES_MANAGER: (Scope.ALL, False),
    Role.CS_MANAGER: (Scope.ALL, False),
    Role.CS_AGENT: (Scope.ALL, False),
    Role.ACCOUNT_MANAGER: (Scope.SELF, False),
    Role.FINANCE: (Scope.ALL, False),
    Role.ARCHIVIST: (Scope.ALL, False),
    Role.AUDITOR: (Scope.ALL, True),
    Role.ADMIN: (Scope.ALL, False),
}

# What a role sees in clear (R-G7): (phones, ID numbers, may unmask one value with a reason). The others see
# 138****1234 and 110105**********2X. Customer service calls customers, so it sees phones; ID numbers are
# for the people who sign contracts with the customer.
DEFAULT_MASKING: dict[str, tuple[bool, bool, bool]] = {
    Role.GENERAL_MANAGER: (True, True, True),
    Role.SALES_MANAGER: (True, True, True),
    Role.CS_MANAGER: (True, True, True),
    Role.CS_AGENT: (True, False, True),
    Role.ACCOUNT_MANAGER: (True, True, True),
    Role.FINANCE: (False, False, False),
    Role.ARCHIVIST: (False, False, True),
    Role.AUDITOR: (False, False, False),
    Role.ADMIN: (False, False, False),
}

# Roles that may hand a customer to another account manager and delete customers.
MANAGER_ROLES = frozenset({Role.GENERAL_MANAGER, Role.SALES_MANAGER, Role.CS_MANAGER, Role.ADMIN})
# Roles that approve changes to filed archives (R-G3) and that approve a filing (R-G5).
CHANGE_APPROVERS = frozenset({Role.SALES_MANAGER, Role.GENERAL_MANAGER})
FILING_SUPERVISORS = frozenset({Role.SALES_MANAGER, Role.GENERAL_MANAGER, Role.CS_MANAGER})
