"""Connect wizard forms (Flask-WTF: every POST carries a CSRF token)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any

from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, PasswordField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Optional, ValidationError


class ConfirmForm(FlaskForm):
    """A button that changes something: just the CSRF token."""


class ChooseOrganisationForm(FlaskForm):
    tenant_id = RadioField("Organisation", validators=[
        InputRequired(message="Choose the organisation to send records to.")])
    replace = HiddenField(default="")


BAD_DATE = "Enter the cut-off date as a date, for example 01/04/2026."


class UkDateField(DateField):
    """A date field whose complaint says what to type."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError as exc:
            raise ValueError(BAD_DATE) from exc


class ScheduleForm(FlaskForm):
    schedule = RadioField(
        "When records are sent",
        choices=[SelectChoice("automatic", "Automatically, every two hours"),
                 SelectChoice("manual", "Only when someone presses Send Data")],
        validators=[InputRequired(message="Choose when records are sent.")],
    )
    # Shown only where the package has draft invoices (Connector.draft_invoices).
    invoice_status = RadioField(
        "New invoices",
        choices=[SelectChoice("approved", "Approved, ready for payments"),
                 SelectChoice("draft", "Draft, for someone to check and approve")],
        validators=[Optional()],
        default="approved",
    )
    # HTML date inputs send ISO dates; people typing by hand in the UK write dd/mm/yyyy.
    cutoff_date = UkDateField(
        "Financial cut-off date", format=["%Y-%m-%d", "%d/%m/%Y"], validators=[Optional()],
    )

    def validate_cutoff_date(self, field: DateField) -> None:
        if field.data is None:
            return
        if field.data < date(2000, 1, 1):
            raise ValidationError("That date is too far back to be a financial cut-off date.")
        if field.data > date.today() + timedelta(days=366):
            raise ValidationError("That date is more than a year away: nothing dated before it "
                                  "would be sent until then. Check the year.")



def credentials_form(fields: Sequence[Mapping[str, Any]], data: Any = None) -> FlaskForm:
    """A form for a package's declared login fields (KashFlow: username, password, word)."""

    class CredentialsForm(FlaskForm):
        pass

    for spec in fields:
        kind = PasswordField if spec.get("secret") else StringField
        label = str(spec.get("label") or spec["name"])
        setattr(CredentialsForm, spec["name"], kind(
            label, validators=[DataRequired(message=f"Enter your {label.lower()}.")],
            description=str(spec.get("help", "")),
        ))
    return CredentialsForm(formdata=data)
