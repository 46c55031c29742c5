"""The offline gazetteer behind Find trials' place box and ``search --near`` (trialkit.geo)."""
import pytest

from trialkit.geo import PlaceNotFound, candidates, distance_mi, resolve_place


@pytest.mark.parametrize("text, name, country, lat, lon", [
    ("Shanghai", "Shanghai", "CN", 31.22, 121.46),
    ("Guangzhou", "Guangzhou", "CN", 23.12, 113.25),
    ("广州", "Guangzhou", "CN", 23.12, 113.25),
    ("上海", "Shanghai", "CN", 31.22, 121.46),
    ("  guangzhou , China ", "Guangzhou", "CN", 23.12, 113.25),
    ("Boston", "Boston", "US", 42.36, -71.06),  # the most populous Boston
    ("Boston, UK", "Boston", "GB", 52.98, -0.03),  # the country narrows it
    ("Sao Paulo", "São Paulo", "BR", -23.55, -46.64),  # accents do not matter
])
def test_cities_resolve_offline(text, name, country, lat, lon):
    p = resolve_place(text)
    assert (p.name, p.country_code) == (name, country)
    assert p.latitude == pytest.approx(lat, abs=0.01) and p.longitude == pytest.approx(lon, abs=0.01)


def test_a_point_is_taken_as_it_is():
    p = resolve_place("31.2304, 121.4737")
    assert (p.latitude, p.longitude, p.country) == (31.2304, 121.4737, None)
    with pytest.raises(PlaceNotFound, match="latitude must be within"):
        resolve_place("131.2, 10")


def test_unknown_place_names_the_text():
    with pytest.raises(PlaceNotFound, match="no city called 'Xyzzyville' in the offline gazetteer"):
        resolve_place("Xyzzyville")
    assert candidates("") == []


def test_ambiguous_names_offer_candidates_most_populous_first():
    found = candidates("Springfield")
    own = [p for p in found if p.name == "Springfield"]
    assert len(own) > 3 and found[:len(own)] == own  # the city's own name before other cities' alternate names
    assert [p.population for p in own] == sorted((p.population for p in own), reverse=True)


def test_distance_shanghai_guangzhou():
    a, b = resolve_place("Shanghai"), resolve_place("Guangzhou")
    assert distance_mi(a.latitude, a.longitude, b.latitude, b.longitude) == pytest.approx(753, abs=5)
    assert distance_mi(0, 0, 0, 0) == 0
