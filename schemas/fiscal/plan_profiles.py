"""A plan's NFCom data: the item's classification and its taxes (admins write, staff read)."""

import re
from decimal import Decimal

from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from models.fiscal.plan_profiles import ICMS_CSTS
from schemas.common import InputSchema, Uf, WholeNumber

# CSTs of PIS/COFINS this API takes: taxed at a rate (01, 02), zero-rated, exempt, suspended or
# not levied (06-09), other operations (49).
CONTRIBUTION_CSTS = ("01", "02", "06", "07", "08", "09", "49")
RATED = ("00", "20")  # the ICMS CSTs that need a rate; 90 may have one, the others none
IBS_CBS_RATES = ("ibs_uf_rate", "ibs_mun_rate", "cbs_rate")


class Rate(fields.Field):
    """A percentage from 0 to 100 as a string ("25.00"), up to `places` decimals: never a
    float, so no decimal is lost."""

    def __init__(self, places: int = 2, **kwargs):
        self.pattern = f"^(?:100(?:\\.0{{1,{places}}})?|[0-9]{{1,2}}(?:\\.[0-9]{{1,{places}}})?)$"
        self.places = places
        metadata = {"type": "string", "pattern": self.pattern, "example": "25.00"}
        kwargs["metadata"] = {**metadata, **kwargs.get("metadata", {})}
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or not re.fullmatch(self.pattern[1:-1], value):
            raise ValidationError(
                f'A percentage from 0 to 100 as a string, up to {self.places} decimals: "25.00".'
            )
        return Decimal(value)

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return format(Decimal(value).normalize(), "f")  # 25.0000 (Numeric(7, 4)) as 25


def _digits(count: int, what: str, **kwargs) -> fields.String:
    pattern = f"^[0-9]{{{count}}}$"
    return fields.String(
        validate=validate.Regexp(pattern, error=f"{what}: {count} digits."),
        metadata={"pattern": pattern, **kwargs.pop("metadata", {})},
        **kwargs,
    )


class IcmsInput(InputSchema):
    """The ICMS of the customers in one state: rate for CST 00 and 20 (and 20's base
    reduction), optional for 90, none for 40, 41, 51 and SN (Simples Nacional)."""

    cst = fields.String(required=True, validate=validate.OneOf(ICMS_CSTS))
    rate = Rate()
    base_reduction = Rate(metadata={"description": "Percentage the base is reduced by (CST 20)"})

    @validates_schema
    def _by_cst(self, data, **_kwargs):
        cst, errors = data.get("cst"), {}
        if cst in RATED and data.get("rate") is None:
            errors["rate"] = [f"Required for CST {cst}."]
        if cst not in (*RATED, "90") and "rate" in data:
            errors["rate"] = [f"CST {cst} has no rate."]
        if cst == "20" and "base_reduction" not in data:
            errors["base_reduction"] = ["Required for CST 20."]
        if cst != "20" and "base_reduction" in data:
            errors["base_reduction"] = ["Only for CST 20."]
        if errors:
            raise ValidationError(errors)

    @post_load
    def _as_stored(self, data, **_kwargs):
        """Rates as strings: the JSON column keeps every decimal."""
        return {name: str(value) if name != "cst" else value for name, value in data.items()}


class PlanFiscalInput(InputSchema):
    """The whole profile (a PUT replaces it): what is left out is cleared."""

    classification = _digits(7, "cClass", required=True, metadata={"example": "0100101"})
    service_type = WholeNumber(
        required=True,
        validate=validate.Range(min=1, max=7),
        metadata={"description": "tpServUtil: 1 telephony, 2 data, 3 TV, 4 internet, ..."},
    )
    cfop = _digits(4, "CFOP", allow_none=True, load_default=None)
    icms_by_uf = fields.Dict(
        keys=Uf(),
        values=fields.Nested(IcmsInput),
        required=True,
        metadata={"description": "ICMS per state of the customers' addresses"},
    )
    pis_cst = fields.String(
        allow_none=True, load_default=None, validate=validate.OneOf(CONTRIBUTION_CSTS)
    )
    pis_rate = Rate(4, allow_none=True, load_default=None)
    cofins_cst = fields.String(
        allow_none=True, load_default=None, validate=validate.OneOf(CONTRIBUTION_CSTS)
    )
    cofins_rate = Rate(4, allow_none=True, load_default=None)
    fust_rate = Rate(4, allow_none=True, load_default=None)
    funttel_rate = Rate(4, allow_none=True, load_default=None)
    ibs_cbs_cst = _digits(3, "CST of IBS/CBS", allow_none=True, load_default=None)
    ibs_cbs_classification = _digits(6, "cClassTrib", allow_none=True, load_default=None)
    ibs_uf_rate = Rate(4, allow_none=True, load_default=None)
    ibs_mun_rate = Rate(4, allow_none=True, load_default=None)
    cbs_rate = Rate(4, allow_none=True, load_default=None)

    @validates_schema
    def _pairs(self, data, **_kwargs):
        errors = {}
        for tax in ("pis", "cofins"):
            if (data.get(f"{tax}_cst") is None) != (data.get(f"{tax}_rate") is None):
                errors[f"{tax}_rate"] = [f"{tax}_cst and {tax}_rate go together: both or neither."]
        group = (data.get("ibs_cbs_cst"), data.get("ibs_cbs_classification"))
        if (group[0] is None) != (group[1] is None):
            errors["ibs_cbs_classification"] = ["ibs_cbs_cst and it go together."]
        for name in IBS_CBS_RATES:
            if data.get(name) is not None and None in group:
                errors[name] = ["Needs ibs_cbs_cst and ibs_cbs_classification."]
        if errors:
            raise ValidationError(errors)


class IcmsOutput(Schema):
    cst = fields.String(required=True)
    rate = fields.String(allow_none=True)
    base_reduction = fields.String(allow_none=True)


class PlanFiscalOutput(Schema):
    plan_id = fields.Integer(required=True)
    classification = fields.String(required=True)
    service_type = fields.Integer(required=True)
    cfop = fields.String(allow_none=True)
    icms_by_uf = fields.Dict(keys=fields.String(), values=fields.Nested(IcmsOutput), required=True)
    pis_cst = fields.String(allow_none=True)
    pis_rate = Rate(4, allow_none=True)
    cofins_cst = fields.String(allow_none=True)
    cofins_rate = Rate(4, allow_none=True)
    fust_rate = Rate(4, allow_none=True)
    funttel_rate = Rate(4, allow_none=True)
    ibs_cbs_cst = fields.String(allow_none=True)
    ibs_cbs_classification = fields.String(allow_none=True)
    ibs_uf_rate = Rate(4, allow_none=True)
    ibs_mun_rate = Rate(4, allow_none=True)
    cbs_rate = Rate(4, allow_none=True)
    updated_at = fields.AwareDateTime(allow_none=True)
