"""NamedIdChoiceField: the same select and the same cleaning as IdChoiceField, without a
model instance per option."""

from django import forms
from django.forms.renderers import DjangoTemplates

from samplan.core.choice_fields import IdChoiceField, NamedIdChoiceField
from samplan.core.form_renderer import FormRenderer
from samplan.organizations.models import Unit
from samplan.testing import OrganizationFactory, UnitFactory


class Both(forms.Form):
    plain = IdChoiceField(queryset=Unit.objects.none(), required=False, empty_label="All <x>")
    named = NamedIdChoiceField(queryset=Unit.objects.none(), required=False, empty_label="All <x>")

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["plain"].queryset = units
        self.fields["named"].queryset = units


def test_the_select_and_the_cleaning_are_id_choice_fields(db, django_assert_num_queries):
    organization = OrganizationFactory()
    units = [UnitFactory(organization=organization, name=name) for name in ("B & <b>", "A", "C")]
    UnitFactory(name="Another organisation's")
    queryset = Unit.objects.filter(organization=organization).only("pk", "name").order_by("name")
    for data in (None, {"plain": units[0].pk, "named": units[0].pk}, {"plain": "", "named": ""}):
        for renderer in (FormRenderer(), DjangoTemplates()):
            form = Both(data, units=queryset, renderer=renderer)
            plain = str(form["plain"]).replace('"plain"', "NAME").replace("id_plain", "ID")
            with django_assert_num_queries(1):
                named = str(form["named"]).replace('"named"', "NAME").replace("id_named", "ID")
            assert named == plain
        if data:
            assert form.is_valid()
            assert form.cleaned_data["named"] == form.cleaned_data["plain"]
    assert "B &amp; &lt;b&gt;" in named and "All &lt;x&gt;" in named
    other = Unit.objects.exclude(organization=organization).get()
    form = Both({"named": other.pk}, units=queryset)
    assert not form.is_valid() and "named" in form.errors
