from django.shortcuts import render
from django.views.decorators.http import require_GET


@require_GET
def contact_list(request):
    return render(request, "contacts/list.html", {})
