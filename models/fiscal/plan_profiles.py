"""How a plan is invoiced (admins): the NFCom item's classification and the taxes it carries.

Nothing here has a default rate: tax rates depend on the ISP's state, regime and municipality,
and a made-up one is a wrong invoice. A telecom plan with no profile, or none for the
customer's state, cannot be invoiced and the invoice says why (models/fiscal/issuing.py).

ICMS is per state (`icms_by_uf`: {"SP": {"cst": "00", "rate": "25.00"}}): the service is taxed
where it is provided, the customer's address. PIS/COFINS, FUST/FUNTTEL and the IBS/CBS group
(NT 2025.001, from 2026) are the same everywhere and optional, as the schema has them.
"""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, ForeignKey, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from models.audit import Audited
from models.clock import utcnow
from models.db import UTCDateTime, db
from models.errors import Conflict, NotFound
from models.fiscal.nfcom_documents import Contribution, IbsCbs, Icms
from models.service.plans import Plan, get_plan

# Plans whose bills are communication services (ICMS): an NFCom each. E-mail and hosting are
# not (municipal ISS, another invoice).
TELECOM_KINDS = ("internet", "voip")
ICMS_CSTS = ("00", "20", "40", "41", "51", "90", "SN")


class PlanFiscalProfile(Audited, db.Model):
    """The NFCom item of a plan: cClass, tpServUtil, CFOP and the taxes, per plan."""

    __tablename__ = "plan_fiscal_profiles"
    __audit_ignore__ = frozenset({"created_at", "updated_at"})

    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), primary_key=True)
    classification: Mapped[str] = mapped_column(String(7))  # cClass
    service_type: Mapped[int] = mapped_column(Integer)  # tpServUtil: 4 = internet access
    cfop: Mapped[str | None] = mapped_column(String(4))
    icms_by_uf: Mapped[dict] = mapped_column(JSON, default=dict)
    pis_cst: Mapped[str | None] = mapped_column(String(2))
    pis_rate: Mapped[Decimal | None] = mapped_column(Numeric(7, 4))
    cofins_cst: Mapped[str | None] = mapped_column(String(2))
    cofins_rate: Mapped[Decimal | None] = mapped_column(Numeric(7, 4))
    fust_rate: Mapped[Decimal | None] = mapped_column(Numeric(7, 4))
    funttel_rate: Mapped[Decimal | None] = mapped_column(Numeric(7, 4))
    ibs_cbs_cst: Mapped[str | None] = mapped_column(String(3))
    ibs_cbs_classification: Mapped[str | None] = mapped_column(String(6))  # cClassTrib
    ibs_uf_rate: Mapped[Decimal | None] = mapped_column(Numeric(7, 4))
    ibs_mun_rate: Mapped[Decimal | None] = mapped_column(Numeric(7, 4))
    cbs_rate: Mapped[Decimal | None] = mapped_column(Numeric(7, 4))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    def icms_for(self, uf: str) -> Icms | None:
        """The ICMS group for a customer in `uf`, None when the plan has no rate there."""
        entry = (self.icms_by_uf or {}).get(uf)
        if entry is None:
            return None
        rate, reduction = entry.get("rate"), entry.get("base_reduction")
        return Icms(
            cst=entry["cst"],
            rate=Decimal(rate) if rate is not None else None,
            base_reduction=Decimal(reduction) if reduction is not None else None,
        )

    def pis(self) -> Contribution | None:
        return Contribution(self.pis_cst, self.pis_rate) if self.pis_cst else None

    def cofins(self) -> Contribution | None:
        return Contribution(self.cofins_cst, self.cofins_rate) if self.cofins_cst else None

    def ibs_cbs(self) -> IbsCbs | None:
        if not self.ibs_cbs_cst:
            return None
        return IbsCbs(
            cst=self.ibs_cbs_cst,
            classification=self.ibs_cbs_classification,
            ibs_uf_rate=self.ibs_uf_rate,
            ibs_mun_rate=self.ibs_mun_rate,
            cbs_rate=self.cbs_rate,
        )


def profile_of(plan_id: int) -> PlanFiscalProfile | None:
    """The plan's profile, if it has one."""
    return db.session.get(PlanFiscalProfile, plan_id)


def telecom_plan(plan_id: int) -> Plan:
    """The plan, NotFound when there is none; a Conflict when its bills are no NFCom's."""
    plan: Plan = get_plan(plan_id)
    if plan.kind not in TELECOM_KINDS:
        raise Conflict(
            f"Planos de {plan.kind} não são serviço de comunicação: não levam NFCom nem dados "
            "fiscais de NFCom.",
            {"kind": [f"One of {', '.join(TELECOM_KINDS)}."]},
        )
    return plan


def get_profile(plan_id: int) -> PlanFiscalProfile:
    """The profile of a telecom plan; NotFound saying so when it has none yet."""
    plan = telecom_plan(plan_id)
    profile = profile_of(plan.id)
    if profile is None:
        raise NotFound(
            f"O plano {plan.name} ainda não tem dados fiscais (classificação e impostos): "
            "cadastre-os com PUT."
        )
    return profile


def save_profile(plan_id: int, data: dict) -> tuple[PlanFiscalProfile, bool]:
    """Create or replace the plan's profile (validated input); whether it is new. Rates are
    stored as given (strings in `icms_by_uf`, so JSON keeps every decimal)."""
    plan = telecom_plan(plan_id)
    profile = profile_of(plan.id)
    created = profile is None
    if created:
        profile = PlanFiscalProfile(plan_id=plan.id)
        db.session.add(profile)
    for name, value in data.items():
        setattr(profile, name, value)
    db.session.flush()
    return profile, created
