from samplan.api.tests.helpers import (  # noqa: F401 (fixtures)
    home_care_api,
    outsider_api,
    region_admin,
    ward_api,
)
from samplan.discharge.testing import build_fixture  # noqa: F401 (the `build` fixture)
from samplan.sip.tests.conftest import sip  # noqa: F401 (the `sip` fixture)
