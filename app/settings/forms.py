"""Settings forms (Flask-WTF, so every POST carries a CSRF token)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

ROLE_CHOICES = [("bookkeeper", "Bookkeeper"), ("admin", "Admin")]
FREQUENCY_CHOICES = [("hourly", "Every hour"), ("daily", "Once a day"),
                     ("weekly", "Once a week"), ("never", "Never")]


class AddUserForm(FlaskForm):
    email = StringField(
        "Email address",
        validators=[DataRequired(message="Enter the new user's email address."),
                    Length(max=254, message="That address is too long.")],
        render_kw={"type": "email", "autocomplete": "off"},
    )
    role = SelectField("Role", choices=ROLE_CHOICES, default="bookkeeper",
                       validate_choice=False)  # the service says which roles exist


class RoleForm(FlaskForm):
    role = SelectField("Role", choices=ROLE_CHOICES, validate_choice=False)


class ActionForm(FlaskForm):
    """Remove / resend: nothing to fill in but the token."""


class NotificationsForm(FlaskForm):
    frequency = SelectField("How often", choices=FREQUENCY_CHOICES, default="daily",
                            validate_choice=False)
    extra = TextAreaField(
        "Other addresses",
        validators=[Length(max=5000, message="That is too much text for a list of addresses.")],
        render_kw={"rows": 3, "placeholder": "accounts@yourbookkeeper.co.uk"},
    )
