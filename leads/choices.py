from django.db import models
from django.utils.translation import gettext_lazy as _


class Stage(models.TextChoices):
    LEAD = "lead", _("Lead")
    MQL = "mql", _("MQL")
    SAL = "sal", _("SAL")
    SQL = "sql", _("SQL")
    OPPORTUNITY = "opportunity", _("Opportunity")
    CUSTOMER = "customer", _("Customer")
    DISQUALIFIED = "disqualified", _("Disqualified")
    LOST = "lost", _("Lost")


class Temperature(models.TextChoices):
    WARM = "warm", _("Warm")
    HOT = "hot", _("Hot")
    COLD = "cold", _("Cold")
    HIGH_VALUE = "high_value", _("High value")


class ReturnReason(models.TextChoices):
    NOT_FIT = "not_fit", _("Not a fit")
    NO_BUDGET = "no_budget", _("No budget")
    NO_AUTHORITY = "no_authority", _("No authority")
    NO_NEED = "no_need", _("No need")
    BAD_TIMING = "bad_timing", _("Bad timing")
    BAD_CONTACT = "bad_contact", _("Bad contact details")
    DUPLICATE = "duplicate", _("Duplicate")
    OTHER = "other", _("Other")


class LostReason(models.TextChoices):
    PRICE = "price", _("Price")
    COMPETITOR = "competitor", _("Lost to a competitor")
    NO_DECISION = "no_decision", _("No decision")
    NO_BUDGET = "no_budget", _("No budget")
    TIMING = "timing", _("Timing")
    PRODUCT_FIT = "product_fit", _("Product fit")
    OTHER = "other", _("Other")


class DisqualifyReason(models.TextChoices):
    INVALID_CONTACT = "invalid_contact", _("Invalid contact")
    SPAM = "spam", _("Spam")
    COMPETITOR = "competitor", _("Competitor")
    STUDENT = "student", _("Student")
    DUPLICATE = "duplicate", _("Duplicate")
    NOT_FIT = "not_fit", _("Not a fit")
    OTHER = "other", _("Other")


class IdentityKind(models.TextChoices):
    EMAIL = "email", _("Email")
    PHONE = "phone", _("Phone")
    WECHAT_OPENID = "wechat_openid", _("WeChat openid")
    WECHAT_UNIONID = "wechat_unionid", _("WeChat unionid")
    WECOM_EXTERNAL_ID = "wecom_external_id", _("WeCom external user id")
    ANONYMOUS_ID = "anonymous_id", _("Anonymous cookie id")
    EXTERNAL_ID = "external_id", _("External id (source system)")


class TouchpointKind(models.TextChoices):
    PAGE_VIEW = "page_view", _("Page view")
    FORM_SUBMIT = "form_submit", _("Form submitted")
    CONTENT_DOWNLOAD = "content_download", _("Content download")
    WEBINAR_REGISTER = "webinar_register", _("Webinar registration")
    WEBINAR_ATTEND = "webinar_attend", _("Webinar attended")
    EVENT_CHECKIN = "event_checkin", _("Event check-in")
    EMAIL_OPEN = "email_open", _("Email opened")
    EMAIL_CLICK = "email_click", _("Email clicked")
    EMAIL_REPLY = "email_reply", _("Email replied")
    CALL = "call", _("Call")
    EMAIL_SENT = "email_sent", _("Email sent")
    MEETING = "meeting", _("Meeting")
    DEMO_REQUEST = "demo_request", _("Demo request")
    TRIAL_SIGNUP = "trial_signup", _("Trial sign-up")
    PRODUCT_USAGE = "product_usage", _("Product usage")
    CHAT = "chat", _("Chat")
    WECOM_MESSAGE = "wecom_message", _("WeCom message")
    AD_CLICK = "ad_click", _("Ad click")
    OTHER = "other", _("Other")


class ChannelCategory(models.TextChoices):
    SEARCH_ADS = "search_ads", _("Search ads")
    SEO = "seo", _("SEO")
    CONTENT = "content", _("Content")
    SOCIAL = "social", _("Social")
    WEBINAR = "webinar", _("Webinar")
    EVENT = "event", _("Event")
    EMAIL = "email", _("Email")
    REFERRAL = "referral", _("Referral")
    PARTNER = "partner", _("Partner")
    SALES_SOURCED = "sales_sourced", _("Sales sourced")
    ABM = "abm", _("ABM")
    DIRECT = "direct", _("Direct")
    OTHER = "other", _("Other")


class ChannelRoute(models.TextChoices):
    SDR = "sdr", _("SDR at once")
    PRE_NURTURE = "pre_nurture", _("Pre-nurture pool")
    SALES = "sales", _("Straight to sales")


class CostCategory(models.TextChoices):
    MEDIA = "media", _("Media")
    CONTENT = "content", _("Content")
    EVENTS = "events", _("Events")
    TOOLS = "tools", _("Tools")
    MARKETING_SALARIES = "marketing_salaries", _("Marketing salaries")
    SALES_SALARIES = "sales_salaries", _("Sales salaries")


class OpportunityStatus(models.TextChoices):
    OPEN = "open", _("Open")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


class LeadEventKind(models.TextChoices):
    CREATED = "created", _("Created")
    OWNER_CHANGED = "owner_changed", _("Owner changed")
    TEMPERATURE_CHANGED = "temperature_changed", _("Temperature changed")
    BANT_CHANGED = "bant_changed", _("BANT changed")
    CONSENT_CHANGED = "consent_changed", _("Consent changed")
    MERGED = "merged", _("Merged")
    CUSTOMER_CHECK = "customer_check", _("Customer check")
    ERASED = "erased", _("Personal data erased")


class CallOutcome(models.TextChoices):
    """How a logged call or meeting went: kept on the touchpoint, tested by qualification rules."""

    CONNECTED = "connected", _("Connected")
    NO_ANSWER = "no_answer", _("No answer")
    VOICEMAIL = "voicemail", _("Left a voicemail")
    CALL_BACK = "call_back", _("Asked to call back")
    MEETING_BOOKED = "meeting_booked", _("Meeting booked")
    NOT_INTERESTED = "not_interested", _("Not interested")
    WRONG_CONTACT = "wrong_contact", _("Wrong contact")


# What a person can log on a lead from the SDR queue or the lead page.
ACTIVITY_KINDS = ("call", "email_sent", "meeting", "wecom_message")


class OwnerSide(models.TextChoices):
    SDR = "sdr", _("SDR")
    SALES = "sales", _("Sales")


BANT_POINTS = ("budget", "authority", "need", "timing")


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", _("Uploaded")
    MAPPED = "mapped", _("Columns mapped")
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Importing")
    DONE = "done", _("Done")
    FAILED = "failed", _("Stopped")


class ImportFileType(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "Excel (.xlsx)"


class ImportRowStatus(models.TextChoices):
    CREATED = "created", _("Created")
    UPDATED = "updated", _("Updated")
    FAILED = "failed", _("Failed")
