from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from .models import Row


@login_required
def rows(request):
    """The newest 50 rows of the table, as a list page of any Django project shows them."""
    return render(request, "bare/rows.html", {"rows": Row.objects.order_by("-id")[:50]})
