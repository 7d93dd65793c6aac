"""The forms that write a plan's text: goals, interventions, the coordinator and contacts.

They carry the version and revision the form was opened on (samplan.sip.versions checks
them) and offer only the plan's own units, principals and SIP role holders; the services
check the ids again.
"""

from __future__ import annotations

from collections.abc import Sequence

from django import forms
from django.utils.translation import gettext_lazy as _

from samplan.core.choice_fields import IdChoiceField
from samplan.organizations.models import Organization, OrganizationKind, Profession, Unit
from samplan.sip.access import sip_role_holders
from samplan.sip.content import ContactData, InterventionData, PlanText, plan_text_of
from samplan.sip.forms import date_input, textarea
from samplan.sip.models import InterventionStatus, SipPlan, SipVersion
from samplan.sip.selectors import principal_of


class InterventionForm(forms.Form):
    what = forms.CharField(label=_("Intervention"), widget=textarea(2), required=False)
    unit = IdChoiceField(label=_("Responsible unit"), queryset=Unit.objects.none(), required=False)
    profession = IdChoiceField(
        label=_("Profession"),
        queryset=Profession.objects.none(),
        required=False,
        empty_label=_("Not stated"),
    )
    starts_on = forms.DateField(label=_("From"), required=False, widget=date_input())
    ends_on = forms.DateField(label=_("To"), required=False, widget=date_input())
    status = forms.ChoiceField(
        label=_("Status"), choices=InterventionStatus.choices, initial=InterventionStatus.PLANNED
    )

    def __init__(
        self, *args: object, units: Sequence[Unit] = (), professions=None, **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = Unit.objects.filter(pk__in=[u.pk for u in units])
        self.fields["unit"].choices = [("", _("Not stated"))] + [
            (u.pk, f"{u.name} ({u.organization.name})") for u in units
        ]
        if professions is not None:
            self.fields["profession"].queryset = professions

    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return not (data.get("what") or "").strip()

    def clean(self) -> dict:
        data = super().clean()
        if (data.get("what") or "").strip():
            if data.get("unit") is None:
                self.add_error("unit", _("Choose the unit responsible for the intervention."))
            start, end = data.get("starts_on"), data.get("ends_on")
            if start and end and end < start:
                self.add_error("ends_on", _("The end date is before the start date."))
        return data


class BaseInterventionFormSet(forms.BaseFormSet):
    def __init__(self, *args: object, units: Sequence[Unit] = (), **kwargs: object) -> None:
        self.units = units
        self.professions = Profession.objects.order_by("name")
        super().__init__(*args, **kwargs)
        # A new plan usually has an intervention per unit: offer a row for each at first.
        if not self.initial:
            self.extra = max(self.extra, len(units))

    def get_form_kwargs(self, index: int | None) -> dict:
        return {"units": self.units, "professions": self.professions}

    def interventions(self) -> tuple[InterventionData, ...]:
        result = []
        for form in self.forms:
            if form.is_blank() or (self.can_delete and self._should_delete_form(form)):
                continue
            data = form.cleaned_data
            result.append(
                InterventionData(
                    what=data["what"].strip(),
                    unit=data["unit"],
                    profession=data["profession"],
                    starts_on=data["starts_on"],
                    ends_on=data["ends_on"],
                    status=data["status"],
                )
            )
        return tuple(result)


InterventionFormSet = forms.formset_factory(
    InterventionForm, formset=BaseInterventionFormSet, extra=2, can_delete=True, max_num=50
)


class PlanForm(forms.Form):
    """The plan's text, carrying the version and revision it was opened on."""

    version_number = forms.IntegerField(widget=forms.HiddenInput)
    revision = forms.IntegerField(widget=forms.HiddenInput)
    goals = forms.CharField(label=_("The person's goals"), widget=textarea(), required=False)
    others_do = forms.CharField(
        label=_("What others do"),
        widget=textarea(),
        required=False,
        help_text=_("Others than the region and the municipality, e.g. the school or relatives."),
    )
    responsible_principal = IdChoiceField(
        label=_("Principal with overall responsibility"),
        queryset=Organization.objects.none(),
        required=False,
        empty_label=_("Not decided"),
    )
    coordinator = forms.ChoiceField(label=_("Coordinator"), required=False)
    participation = forms.CharField(
        label=_("The person's participation and views"), widget=textarea(), required=False
    )
    relatives_views = forms.CharField(
        label=_("Relatives' participation and views"), widget=textarea(), required=False
    )
    follow_up_date = forms.DateField(label=_("Follow-up date"), required=False, widget=date_input())
    follow_up_how = forms.CharField(
        label=_("How the plan is followed up"), widget=textarea(2), required=False
    )

    def __init__(
        self,
        *args: object,
        plan_units: Sequence[Unit],
        party_units: Sequence[Unit],
        **kwargs: object,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.party_units = list(party_units)
        principals = {}
        for unit in plan_units:
            principal = principal_of(unit.organization)
            if principal.kind in (OrganizationKind.REGION, OrganizationKind.MUNICIPALITY):
                principals[principal.pk] = principal
        self.fields["responsible_principal"].queryset = Organization.objects.filter(
            pk__in=list(principals)
        ).order_by("name")
        memberships = (
            sip_role_holders(self.party_units)
            .select_related("user", "unit")
            .order_by("unit__name", "user__last_name", "user__first_name")
        )
        choices: dict[str, str] = {}
        for membership in memberships:
            user = membership.user
            key = f"{membership.unit_id}-{user.pk}"
            choices[key] = f"{user.get_full_name() or user.username} ({membership.unit.name})"
        self.fields["coordinator"].choices = [("", _("Not decided")), *choices.items()]
        self._people = {
            f"{m.unit_id}-{m.user_id}": (m.user, m.unit) for m in memberships
        }  # the query ran once above
        for unit in self.party_units:
            self.fields[f"contact_name_{unit.pk}"] = forms.CharField(
                label=_("Contact person, %(unit)s") % {"unit": unit.name},
                max_length=200,
                required=False,
            )
            self.fields[f"contact_phone_{unit.pk}"] = forms.CharField(
                label=_("Phone, %(unit)s") % {"unit": unit.name}, max_length=40, required=False
            )

    def contact_fields(self) -> list[tuple[Unit, forms.BoundField, forms.BoundField]]:
        return [
            (unit, self[f"contact_name_{unit.pk}"], self[f"contact_phone_{unit.pk}"])
            for unit in self.party_units
        ]

    @staticmethod
    def initial_for(version: SipVersion, text: PlanText) -> dict[str, object]:
        initial: dict[str, object] = {
            "version_number": version.number,
            "revision": version.revision,
            "goals": text.goals,
            "others_do": text.others_do,
            "responsible_principal": text.responsible_principal.pk
            if text.responsible_principal
            else None,
            "coordinator": f"{text.coordinator_unit.pk}-{text.coordinator.pk}"
            if text.coordinator and text.coordinator_unit
            else "",
            "participation": text.participation,
            "relatives_views": text.relatives_views,
            "follow_up_date": text.follow_up_date,
            "follow_up_how": text.follow_up_how,
        }
        for contact in text.contacts:
            initial[f"contact_name_{contact.unit.pk}"] = contact.name
            initial[f"contact_phone_{contact.unit.pk}"] = contact.phone
        return initial

    def plan_text(self, interventions: tuple[InterventionData, ...]) -> PlanText:
        data = self.cleaned_data
        coordinator, coordinator_unit = self._people.get(data["coordinator"], (None, None))
        contacts = tuple(
            ContactData(
                unit=unit,
                name=data[f"contact_name_{unit.pk}"].strip(),
                phone=data[f"contact_phone_{unit.pk}"].strip(),
            )
            for unit in self.party_units
            if data[f"contact_name_{unit.pk}"].strip()
        )
        return PlanText(
            goals=data["goals"],
            others_do=data["others_do"],
            responsible_principal=data["responsible_principal"],
            coordinator=coordinator,
            coordinator_unit=coordinator_unit,
            participation=data["participation"],
            relatives_views=data["relatives_views"],
            follow_up_date=data["follow_up_date"],
            follow_up_how=data["follow_up_how"],
            interventions=interventions,
            contacts=contacts,
        )


def plan_forms(
    data: object, *, plan: SipPlan, units: tuple[Sequence[Unit], Sequence[Unit]]
) -> tuple[PlanForm, BaseInterventionFormSet]:
    """The plan's text form and its interventions, opened on the current version.

    `units`: (units the text may name, parties), from selectors.plan_units.
    """
    plan_units, party_units = units
    version = plan.current_version
    text = plan_text_of(version)
    form = PlanForm(
        data,
        initial=PlanForm.initial_for(version, text),
        plan_units=plan_units,
        party_units=party_units,
    )
    formset = InterventionFormSet(
        data,
        units=plan_units,
        prefix="insats",
        initial=[
            {
                "what": item.what,
                "unit": item.unit.pk,
                "profession": item.profession.pk if item.profession else None,
                "starts_on": item.starts_on,
                "ends_on": item.ends_on,
                "status": item.status,
            }
            for item in text.interventions
        ],
    )
    return form, formset
