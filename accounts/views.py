from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from accounts import roles
from accounts.forms import LoginForm
from accounts.selectors import current_assignments


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass


HOME_TEMPLATES = {
    roles.CITY_ADMIN: "accounts/home/city_admin.html",
    roles.CENTER_DIRECTOR: "accounts/home/casework.html",
    roles.SUPERVISOR: "accounts/home/casework.html",
    roles.CASEWORKER: "accounts/home/casework.html",
    roles.PROTECTION_STAFF: "accounts/home/casework.html",
    roles.WARD_STAFF: "accounts/home/casework.html",
    roles.VENDOR_MANAGER: "accounts/home/vendor.html",
    roles.VENDOR_OPERATOR: "accounts/home/vendor.html",
    roles.MEETING_ATTENDEE: "accounts/home/attendee.html",
}


@login_required
def home(request):
    user = request.user
    role = user.primary_role
    template = HOME_TEMPLATES.get(role, "accounts/home/no_role.html")
    context = {
        "role": role,
        "role_labels": [roles.role_label(c) for c in roles.ROLES if c in user.role_codes],
        "assignments": list(current_assignments(user=user)),
    }
    return render(request, template, context)
