"""The patient header written in Python (templatetags/patient_blocks.py) gives the markup the
template gave: the template as it was is kept in tests/reference/ and rendered beside the tag
for every protection level, shown to a participant or not, a reserve number and a name that
needs escaping, in Swedish and English. Only the length of runs of whitespace may differ."""

import re
from pathlib import Path

import pytest
from django.template import Context, Engine
from django.utils import translation

from samplan.patients.display import patient_display
from samplan.patients.models import Protection
from samplan.patients.templatetags.patient_blocks import patient_header
from samplan.patients.testing import PatientFactory, ReservePatientFactory

REFERENCE = Path(__file__).parent / "reference"


def reference_engine() -> Engine:
    """The default engine's settings, with the old partial in front of the app templates."""
    templates = {
        f"patients/{path.name}": path.read_text(encoding="utf-8")
        for path in REFERENCE.glob("*.html")
    }
    return Engine(
        loaders=[
            ("django.template.loaders.locmem.Loader", templates),
            "django.template.loaders.app_directories.Loader",
        ],
        libraries={"i18n": "django.templatetags.i18n"},
    )


def squeeze(html: str) -> str:
    return re.sub(r"\s+", " ", str(html)).strip()


def assert_same(display) -> str:
    old = reference_engine().get_template("patients/_patient_header.html")
    new = patient_header(display)
    assert squeeze(new) == squeeze(old.render(Context({"display": display})))
    return squeeze(new)


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["sv", "en"])
@pytest.mark.parametrize("protection", Protection.values)
@pytest.mark.parametrize("participant", [True, False])
def test_the_header_gives_the_old_templates_markup(language, protection, participant):
    patient = PatientFactory(
        first_name='Greta "G" <b>', last_name="Gran & Son", protection=protection
    )
    with translation.override(language):
        html = assert_same(patient_display(patient, participant=participant))
    if participant or protection == Protection.NONE:
        assert "Greta &quot;G&quot; &lt;b&gt; Gran &amp; Son" in html
    else:
        assert "Greta" not in html and 'class="placeholder"' in html
    assert ("patient-header--protected" in html) == (protection != Protection.NONE)
    assert ('data-testid="protected-badge"' in html) == (protection != Protection.NONE)


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["sv", "en"])
def test_a_reserve_number(language):
    patient = ReservePatientFactory(first_name="Okänd", last_name="Man")
    with translation.override(language):
        assert_same(patient_display(patient, participant=False))
