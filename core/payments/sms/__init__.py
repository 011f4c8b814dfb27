"""Mobile-money confirmation SMS (MTN MoMo Rwanda, Airtel Money Rwanda) parsed into typed values."""

from core.payments.sms.fields import KIGALI, coerce_timestamp
from core.payments.sms.parse import parse_sms, provider_hint
from core.payments.sms.types import INCOMING_KINDS, ParsedSms, SmsKind, SmsProvider, to_json_dict

__all__ = [
    "INCOMING_KINDS",
    "KIGALI",
    "ParsedSms",
    "SmsKind",
    "SmsProvider",
    "coerce_timestamp",
    "parse_sms",
    "provider_hint",
    "to_json_dict",
]
