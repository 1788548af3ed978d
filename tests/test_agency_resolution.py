"""Agency name resolution: exact, alias, normalized form, and near matches only suggested."""
import pytest

from agencies.models import Agency, AgencyAlias
from agencies.resolution import AgencyDirectory, normalize, own_level, place_names

ZUNYI = place_names("遵义市人民政府")


def test_place_names_are_the_leading_run_of_places():
    assert ZUNYI == ["遵义市", "遵义"]
    assert place_names("济南市槐荫区人民政府")[:2] == ["济南市", "槐荫区"]


def test_own_level_is_the_issuers_level():
    assert own_level("遵义市人民政府") == "市"
    assert own_level("济南市槐荫区人民政府") == "区"
    assert own_level("", "") == "市"


@pytest.mark.parametrize("spelling", [
    "市市场监管局(知识产权局)",
    "市市场监管局(市知识产权局)",
    "市市场监管局 (市知识产权局)",
    "市市场监管局（市知识产权局）",
    "遵义市市场监管局(市知识产权局)",
])
def test_one_normalized_form_for_the_spellings_in_seed_001(spelling):
    assert normalize(spelling, ZUNYI) == "市场监管局(知识产权局)"


def test_a_place_prefix_and_the_own_level_are_dropped():
    assert normalize("遵义银保监分局", ZUNYI) == normalize("银保监分局", ZUNYI)
    assert normalize("市国资委", ZUNYI) == normalize("国资委", ZUNYI)


def test_a_districts_bureau_is_not_the_citys():
    assert normalize("区财政局", [], "区") != normalize("市财政局", [], "区")
    assert normalize("市财政局", [], "市") != normalize("区财政局", [], "市")


@pytest.mark.django_db
class TestDirectory:
    def test_exact_alias_and_normalized(self):
        office = Agency.objects.create(name="市市场监管局(市知识产权局)")
        AgencyAlias.objects.create(agency=office, name="市市场监管局(知识产权局)", key="")
        resolution = AgencyDirectory(ZUNYI).resolve_all([
            "市市场监管局(市知识产权局)", "市市场监管局(知识产权局)",
            "遵义市市场监管局（知识产权局）",
        ])
        hows = [m.how for m in resolution.matches.values()]
        assert hows == ["exact", "alias", "normalized"]
        assert {m.agency_id for m in resolution.matches.values()} == {office.pk}
        assert resolution.new() == []

    def test_new_names_are_reported_with_a_near_match(self):
        Agency.objects.create(name="人行遵义中心支行")
        resolution = AgencyDirectory(ZUNYI).resolve_all(["人民银行遵义市中心支行"])
        match = resolution.matches["人民银行遵义市中心支行"]
        assert (match.how, match.agency_id, match.suggestion) == ("new", None, "人行遵义中心支行")
        assert resolution.new() == ["人民银行遵义市中心支行"]
        assert resolution.suggestions()[0]["candidate"] == "人行遵义中心支行"

    def test_near_matches_within_one_reading_are_suggested(self):
        resolution = AgencyDirectory(ZUNYI).resolve_all(["市综合执法局", "市综合行政执法局"])
        assert resolution.new() == ["市综合执法局", "市综合行政执法局"]
        assert resolution.matches["市综合行政执法局"].suggestion == "市综合执法局"

    def test_a_second_name_in_brackets_is_suggested(self):
        Agency.objects.create(name="市市场监管局(市知识产权局)")
        match = AgencyDirectory(ZUNYI).resolve_all(["市市场监管局"]).matches["市市场监管局"]
        assert match.suggestion == "市市场监管局(市知识产权局)"

    def test_unrelated_and_other_level_names_are_not_suggested(self):
        Agency.objects.create(name="市农业农村局")
        Agency.objects.create(name="市检察院")
        resolution = AgencyDirectory([], "区").resolve_all(["市林业局", "区检察院"])
        assert resolution.suggestions() == []

    def test_the_most_frequent_spelling_names_a_new_agency(self):
        names = ["市市场监管局(知识产权局)"] + ["市市场监管局(市知识产权局)"] * 3
        resolution = AgencyDirectory(ZUNYI).resolve_all(names)
        assert resolution.new() == ["市市场监管局(市知识产权局)"]
