"""Sign-in and company-switch forms (Flask-WTF, so every POST carries a CSRF token)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, IntegerField, PasswordField, StringField
from wtforms.validators import DataRequired, Length


class LoginForm(FlaskForm):
    # A plain string field: the Email validator would need the email_validator package, and a
    # mistyped address simply fails to sign in like a wrong password does.
    email = StringField(
        "Email",
        validators=[DataRequired(message="Enter your email address."), Length(max=254)],
        render_kw={"type": "email", "autocomplete": "username", "autofocus": True},
    )
    password = PasswordField(
        "Password",
        validators=[DataRequired(message="Enter your password."), Length(max=500)],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField("Keep me signed in on this computer")
    next = HiddenField()


class LogoutForm(FlaskForm):
    """Signing out is a POST with a CSRF token, so another site cannot sign a user out."""


class CompanySwitchForm(FlaskForm):
    company_id = IntegerField("Company", validators=[DataRequired()])
    next = HiddenField()


class ForgotPasswordForm(FlaskForm):
    email = StringField(
        "Email",
        validators=[DataRequired(message="Enter the email address you sign in with."),
                    Length(max=254)],
        render_kw={"type": "email", "autocomplete": "username", "autofocus": True},
    )


class NewPasswordForm(FlaskForm):
    # Length is checked by app.auth.reset.password_problem, which says why in a sentence.
    password = PasswordField(
        "New password",
        validators=[DataRequired(message="Choose a password.")],
        render_kw={"autocomplete": "new-password", "autofocus": True},
    )
    confirm = PasswordField(
        "Type it again",
        validators=[DataRequired(message="Type the password a second time.")],
        render_kw={"autocomplete": "new-password"},
    )


class ChangePasswordForm(NewPasswordForm):
    current = PasswordField(
        "Your current password",
        validators=[DataRequired(message="Enter the password you signed in with."),
                    Length(max=500)],
        render_kw={"autocomplete": "current-password", "autofocus": True},
    )
