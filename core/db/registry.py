"""Imports every model module so Base.metadata is complete (Alembic, tests). Add new model modules here."""

from core.audit import models as audit_models
from core.conversations import models as conversation_models
from core.identity import member_models as identity_member_models
from core.identity import models as identity_models
from core.identity import ratelimit_pg as rate_limit_models
from core.identity import staff_models as identity_staff_models
from core.join_requests import models as join_request_models
from core.ledger import models as ledger_models
from core.loans import models as loan_models
from core.members import models as member_models
from core.messaging import models as messaging_models
from core.ops import models as ops_models
from core.organizations import models as organization_models
from core.payments import models as payment_models
from core.payments import recon_models as reconciliation_models

MODEL_MODULES = (
    organization_models,
    member_models,
    ledger_models,
    identity_models,
    identity_staff_models,
    identity_member_models,
    rate_limit_models,
    audit_models,
    ops_models,
    payment_models,
    reconciliation_models,
    conversation_models,
    join_request_models,
    loan_models,
    messaging_models,
)
