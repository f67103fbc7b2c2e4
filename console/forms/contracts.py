"""The contract and payment-operator forms; contracts.operations decides what the fields mean."""

from __future__ import annotations

from datetime import date

from wtforms import BooleanField, DateField, IntegerField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp

from console.forms import ConsoleForm, says, stripped
from contracts.models import Contract, Operator
from contracts.operations import CODE_RE, EMAIL_RE, MAX_REACTION_HOURS, TELEGRAM_RE


def _date(message: str) -> DateField:
    return DateField(validators=[InputRequired(says(message))], invalid_value_message=says(message))


class ContractForm(ConsoleForm):
    number = StringField(filters=[stripped], validators=[
        DataRequired(says("c_contract_number_required")), Length(max=64, message=says("c_contract_number_required"))])
    customer = StringField(filters=[stripped], validators=[
        DataRequired(says("c_contract_customer_required")),
        Length(max=255, message=says("c_contract_customer_required"))])
    portal = StringField(filters=[stripped], validators=[Length(max=255, message=says("c_contract_portal_unknown"))])
    reaction_hours = IntegerField(invalid_value_message=says("c_contract_hours_invalid"), validators=[
        InputRequired(says("c_contract_hours_invalid")),
        NumberRange(1, MAX_REACTION_HOURS, says("c_contract_hours_invalid"))])
    valid_from = _date("c_contract_date_invalid")
    valid_to = _date("c_contract_date_invalid")
    responsible_email = StringField(filters=[stripped], validators=[
        Optional(), Length(max=255, message=says("c_contract_email_invalid")),
        Regexp(EMAIL_RE, message=says("c_contract_email_invalid"))])
    responsible_telegram = StringField(filters=[stripped], validators=[
        Optional(), Regexp(TELEGRAM_RE, message=says("c_contract_telegram_invalid"))])

    @classmethod
    def of(cls, contract: Contract) -> ContractForm:
        """The form filled in from a stored contract (its portal by domain, as staff type it)."""
        return cls(formdata=None, data={
            "number": contract.number, "customer": contract.customer,
            "portal": contract.portal.domain if contract.portal else "",
            "reaction_hours": contract.reaction_hours, "valid_from": contract.valid_from,
            "valid_to": contract.valid_to, "responsible_email": contract.responsible_email or "",
            "responsible_telegram": contract.responsible_telegram or ""})

    @classmethod
    def new(cls, today: date) -> ContractForm:
        """A blank contract that runs a year from today, so only what differs is typed."""
        try:
            a_year_on = today.replace(year=today.year + 1)
        except ValueError:  # 29 February
            a_year_on = today.replace(year=today.year + 1, day=28)
        return cls(formdata=None, data={"reaction_hours": 24, "valid_from": today, "valid_to": a_year_on})


class OperatorForm(ConsoleForm):
    code = StringField(filters=[stripped], validators=[
        DataRequired(says("c_operator_code_invalid")), Regexp(CODE_RE, message=says("c_operator_code_invalid"))])
    name = StringField(filters=[stripped], validators=[
        DataRequired(says("c_operator_name_required")), Length(max=128, message=says("c_operator_name_required"))])
    recommended = BooleanField()

    @classmethod
    def of(cls, operator: Operator | None) -> OperatorForm:
        """A stored operator's form, or a new one (recommended unless unticked)."""
        if operator is None:
            return cls(formdata=None, data={"recommended": True})
        return cls(formdata=None, obj=operator)
