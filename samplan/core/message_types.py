"""The message types of the discharge process and SIP (domain.md §5, §7).

Kept in core because the addressing register (area rules), the router and messaging all name
them; messaging adds their content and rules.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class MessageType(models.TextChoices):
    STATUS_REPORT = "status_report", _("Status report")
    ADMISSION_NOTICE = "admission_notice", _("Admission notice")
    PLANNING_INFO = "planning_info", _("Planning information")
    CARE_CONTACT_APPOINTED = "care_contact_appointed", _("Care contact appointed")
    READY_FOR_DISCHARGE = "ready_for_discharge", _("Ready for discharge")
    READINESS_WITHDRAWN = "readiness_withdrawn", _("Readiness withdrawn")
    SIP_SUMMONS = "sip_summons", _("Summons to SIP")
    DISCHARGE_NOTICE = "discharge_notice", _("Discharge notice")
    DISCHARGE_INFO = "discharge_info", _("Information at discharge")
    CARE_REPORT = "care_report", _("Care report")
    EXTRA_MESSAGE = "extra_message", _("Extra message")
    CANCELLATION = "cancellation", _("Cancellation")
    CASE_WITHDRAWN = "case_withdrawn", _("Case withdrawn")
