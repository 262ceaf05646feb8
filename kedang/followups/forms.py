"""The outcome form of one call: result, the questionnaire's scores, remarks, issue (R-F2)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import CallOutcome, QuestionItem


class CallForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("结果"), choices=CallOutcome.choices, widget=forms.RadioSelect, initial=CallOutcome.REACHED
    )
    remarks = forms.CharField(label=_("备注"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    issue = forms.CharField(
        label=_("客户反映的问题"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    open_complaint = forms.BooleanField(label=_("转为投诉"), required=False)

    def __init__(self, *args: Any, items: list[QuestionItem], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.items = items
        for item in items:
            # required-ness and the scale are checked by the service, which names the item in its error
            self.fields[f"q_{item.pk}"] = forms.CharField(label=item.text, required=False)

    def answers(self) -> dict[str, str]:
        return {str(item.pk): self.cleaned_data.get(f"q_{item.pk}", "") for item in self.items}

    def questions(self) -> list[dict[str, Any]]:
        """Each item with its bound field and the scale's points, for the template."""
        return [
            {"item": item, "field": self[f"q_{item.pk}"], "points": range(1, item.scale_max + 1)}
            for item in self.items
        ]
