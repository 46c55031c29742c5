"""Parameters of the simulated reference cohort: each one editable, each with its source or marked an
assumption.

A *population* is the kind of people a trial would screen (women referred for frozen embryo transfer,
women with a positive HPV test, or a generic adult population). Each population gives defaults for
the same parameter keys; a user may edit any value (the page shows every parameter with its source).

Sources are published figures; where no figure was at hand the parameter says ``assumption`` and the
value is a plausible round number that a user is expected to replace with their own site's data.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from trialkit.i18n import N_  # labels are English data; pages translate them with _() when drawing

#: Where the missing-data level comes from (background.md): pre-screening data were 43–62% missing.
MISSING_SOURCE = ("Pre-screening data are 43–62% missing in published studies (trialkit background notes); "
                  "per-field rates here are assumptions within that range")

SRC_BULL = ("Bull JR et al. Real-world menstrual cycle characteristics of more than 600,000 menstrual cycles. "
            "NPJ Digit Med 2019;2:83 — mean cycle 29.3 days, falling 0.18 days per year of age (25–45 y)")
SRC_CHIAZZE = ("Chiazze L Jr et al. JAMA 1968;203:377–380 — cycles 15–45 days: mean 28.1, SD 4 days "
               "(30,000+ cycles, 2,300+ women)")
SRC_AFC = ("Age-specific nomograms for AFC in fertile and infertile Indian women, Indian J Radiol Imaging "
           "2023;33(4):463–470 (doi 10.1055/s-0043-1768964) — AFC falls 0.50 follicle/year in infertile women "
           "(0.44 in fertile); Bozdag G et al. Eur J Obstet Gynecol Reprod Biol 2016;206:120 — 0.41/year")
SRC_HPV_TYPES = ("Yu YQ et al. HPV genotype distribution in 856,535 Chinese women, J Cytol 2022;39(4):137–147 "
                 "— type prevalence HPV16 2.6%, 52 2.4%, 58 1.7%, 18 0.9%, 33 0.8%; HR 11.3% vs LR 2.7%")
SRC_HPV_MULTI = ("Jiangsu study, BMC Public Health 2019 (doi 10.1186/s12889-019-6487-9) — healthy women: "
                 "8.5% single-type vs 2.1% multiple-type infection, i.e. about 20% of positives multiple")
SRC_HPV_AGE = ("J Cancer 2019;10(8):1902–1908 — 414,540 women screened for hrHPV in central/eastern China, "
               "mean age 39.9 years")
SRC_WHO_HB = ("WHO: anaemia in non-pregnant women is haemoglobin < 120 g/L; 29.9% of women 15–49 were "
              "anaemic worldwide in 2019 (WHO Global Health Observatory)")


@dataclass(frozen=True)
class ParamSpec:
    key: str
    label: str
    unit: str
    default: float
    #: A published figure with its citation, or None when the value is an assumption.
    source: str | None = None
    #: Free text shown beside the value (how the parameter is used).
    note: str = ""
    minimum: float | None = None
    maximum: float | None = None
    #: The candidate fields this parameter shapes (the page shows only parameters of fields in use).
    fields: tuple[str, ...] = ()

    @property
    def provenance(self) -> str:
        return self.source if self.source else "assumption"


def _p(key, label, unit, default, source=None, note="", lo=None, hi=None, fields=()):
    return ParamSpec(key, label, unit, float(default), source, note, lo, hi, tuple(fields))


#: Every parameter, with the generic default; populations below override some defaults.
PARAMS: list[ParamSpec] = [
    # -- demographics
    _p("age.mean", "Age, mean", "years", 40, None, "normal, truncated to [min, max]", 0, 120, ("age",)),
    _p("age.sd", "Age, SD", "years", 12, None, "", 0.1, 60, ("age",)),
    _p("age.min", "Age, lowest", "years", 18, None, "", 0, 120, ("age",)),
    _p("age.max", "Age, highest", "years", 75, None, "", 0, 120, ("age",)),
    _p("sex.female", "Share female", "fraction", 0.5, None, "", 0, 1, ("sex",)),
    # -- anthropometry
    _p("bmi.mean", "BMI at 30 y, mean", "kg/m²", 22.0, None,
       "log-normal; BMI rises with age", 10, 60, ("bmi",)),
    _p("bmi.sd", "BMI, SD", "kg/m²", 3.3, None, "", 0.1, 20, ("bmi",)),
    _p("bmi.per_year", "BMI change per year of age", "kg/m² per year", 0.08, None, "", -1, 1, ("bmi",)),
    # -- menstrual cycle
    _p("cycle_length.mean", "Cycle length at 33 y, mean", "days", 29.3, SRC_BULL, "", 15, 60, ("cycle_length",)),
    _p("cycle_length.per_year", "Cycle length change per year of age", "days per year", -0.18, SRC_BULL, "",
       -2, 2, ("cycle_length",)),
    _p("cycle_length.sd", "Cycle length, SD", "days", 4.0, SRC_CHIAZZE, "", 0.1, 20, ("cycle_length",)),
    _p("cycle_length.irregular", "Share with irregular/long cycles", "fraction", 0.10, None,
       "drawn from 36–60 days (oligomenorrhoea)", 0, 1, ("cycle_length",)),
    # -- ovarian reserve (one latent 'reserve' ties AFC and FSH: low AFC goes with high FSH)
    _p("afc.at30", "AFC at 30 y, mean", "follicles", 14.0, None, "gamma–Poisson", 0, 60, ("afc",)),
    _p("afc.per_year", "AFC change per year of age", "follicles per year", -0.50, SRC_AFC, "", -3, 3, ("afc",)),
    _p("afc.cv", "AFC, coefficient of variation", "fraction", 0.45, None, "", 0.01, 3, ("afc",)),
    _p("fsh.median_at30", "Day 2–4 FSH at 30 y, median", "IU/L", 6.5, None, "log-normal", 0.5, 40, ("fsh",)),
    _p("fsh.growth_per_year", "FSH growth per year of age", "fraction per year", 0.03, None,
       "multiplicative: FSH rises with age", -0.5, 0.5, ("fsh",)),
    _p("fsh.log_sd", "FSH, log SD", "log units", 0.30, None, "", 0.01, 3, ("fsh",)),
    _p("reserve.link", "AFC–FSH link (latent reserve)", "0–1", 0.5, None,
       "0: independent given age; 1: strongly linked", 0, 1, ("afc", "fsh")),
    _p("good_blastocysts.at30", "Frozen good-quality blastocysts at 30 y, mean", "count", 2.5, None,
       "Poisson", 0, 30, ("good_blastocysts",)),
    _p("good_blastocysts.per_year", "Blastocysts change per year of age", "count per year", -0.08, None, "",
       -2, 2, ("good_blastocysts",)),
    # -- imaging
    _p("ovarian_cyst.prevalence", "Share with an ovarian cyst", "fraction", 0.10, None,
       "others get 0 mm", 0, 1, ("ovarian_cyst_size",)),
    _p("ovarian_cyst.median", "Ovarian cyst size, median", "mm", 22, None, "log-normal, log SD 0.4", 1, 200,
       ("ovarian_cyst_size",)),
    _p("fibroid.prevalence", "Share with a uterine fibroid", "fraction", 0.15, None, "others get 0 mm", 0, 1,
       ("fibroid_size",)),
    _p("fibroid.median", "Fibroid size, median", "mm", 20, None, "log-normal, log SD 0.5", 1, 300,
       ("fibroid_size",)),
    # -- blood count
    _p("hemoglobin.mean", "Haemoglobin, mean", "g/L", 128, None,
       "normal; with SD 12 about 25% fall below the WHO anaemia cut-off (" + SRC_WHO_HB + ")", 40, 200,
       ("hemoglobin",)),
    _p("hemoglobin.sd", "Haemoglobin, SD", "g/L", 12, None, "", 0.1, 60, ("hemoglobin",)),
    _p("platelets.mean", "Platelets, mean", "10⁹/L", 255, None,
       "normal; most of the population within the usual 150–400 reference interval", 10, 1000, ("platelets",)),
    _p("platelets.sd", "Platelets, SD", "10⁹/L", 60, None, "", 0.1, 400, ("platelets",)),
    # -- HPV
    _p("hpv.any_high_risk", "Share of HPV-positive women with ≥1 high-risk type", "fraction", 0.80, SRC_HPV_TYPES,
       "the rest carry low-risk types only; 0.80 ≈ 11.3/(11.3+2.7)", 0, 1, ("hpv_types",)),
    _p("hpv.multiple", "Share with a second type", "fraction", 0.20, SRC_HPV_MULTI, "", 0, 1, ("hpv_types",)),
    # -- time since first intercourse, regular cycles
    _p("sexual_debut.mean", "Age at first intercourse, mean", "years", 22, None, "normal, SD 3 years", 10, 40,
       ("sexual_history_years",)),
    _p("regular_cycle.short_share", "Share with regular cycles for less than 12 months", "fraction", 0.10, None,
       "the others: 12–120 months", 0, 1, ("regular_cycle_months",)),
]

#: Yes/no facts: (share with "yes", share missing, what the share is among). All assumptions: round
#: numbers for the population named, to be replaced by a site's own figures.
FACT_DEFAULTS: dict[str, tuple[float, float]] = {
    "pregnant": (0.03, 0.50), "breastfeeding": (0.03, 0.50), "preparing_pregnancy": (0.05, 0.60),
    "hsil_or_cervical_cancer": (0.08, 0.45), "hpv_vaccinated": (0.05, 0.60),
    "hpv_persistent_infection": (0.60, 0.50), "recent_anti_hpv_therapy": (0.10, 0.60),
    "contraception_agreed": (0.85, 0.70), "severe_drug_allergy": (0.03, 0.50), "biologic_allergy": (0.01, 0.60),
    "prior_cervical_treatment": (0.10, 0.50), "recent_immune_drugs": (0.03, 0.55),
    "acute_genital_inflammation": (0.08, 0.50), "sex_hormones_normal": (0.85, 0.55),
    "severe_iua_treated": (0.10, 0.40), "cancelled_fet_thin_endometrium": (0.08, 0.40),
    "recurrent_implantation_failure": (0.10, 0.45), "unexplained_vaginal_bleeding": (0.03, 0.50),
    "active_pid": (0.02, 0.50), "thromboembolism_history": (0.01, 0.55), "recurrent_miscarriage": (0.05, 0.45),
    "chromosomal_abnormality": (0.03, 0.60), "teratogenic_exposure": (0.02, 0.60),
}
#: Not simulated on purpose: consent is given at the screening visit, after pre-screening.
NOT_SIMULATED_NOTES: dict[str, str] = {
    "informed_consent": N_("consent is obtained at the screening visit, so a pre-screening cohort does not have "
                           "it"),
}
#: Time since an event, in months: (share who ever had it, spread in months: uniform 0–spread, missing).
#: Those who never had it get "never" (infinitely long ago). All assumptions.
WINDOW_DEFAULTS: dict[str, tuple[float, float, float]] = {
    "months_since_other_trial": (0.04, 36, 0.60),
    "months_since_negative_serology": (0.80, 12, 0.50),
    "months_since_normal_hysteroscopy": (0.50, 12, 0.50),
    "months_since_abnormal_cytology": (0.08, 60, 0.55),
}
PARAMS += [_p(f"{f}.prevalence", f"Share with: {f.replace('_', ' ')}", "fraction", prev, None, "", 0, 1, (f,))
           for f, (prev, _m) in FACT_DEFAULTS.items()]
PARAMS += [_p(f"{f}.ever", f"Share who ever had the event ({f.replace('_', ' ')})", "fraction", ever, None,
              f"time since it uniform over 0–{spread:g} months; others never", 0, 1, (f,))
           for f, (ever, spread, _m) in WINDOW_DEFAULTS.items()]
PARAMS += [_p(f"{f}.spread", f"Longest time since ({f.replace('_', ' ')})", "months", spread, None, "", 0.1, 600,
              (f,)) for f, (ever, spread, _m) in WINDOW_DEFAULTS.items()]

#: Missing share per field (MCAR; haemoglobin and platelets go missing together: one blood count).
MISSING_DEFAULTS: dict[str, float] = {
    "age": 0.0, "sex": 0.0, "bmi": 0.30, "cycle_length": 0.45, "afc": 0.55, "fsh": 0.55,
    "good_blastocysts": 0.45, "ovarian_cyst_size": 0.55, "fibroid_size": 0.55, "hemoglobin": 0.45,
    "platelets": 0.45, "hpv_types": 0.10, "sexual_history_years": 0.40, "regular_cycle_months": 0.50,
    **{f: m for f, (_p, m) in FACT_DEFAULTS.items()}, **{f: m for f, (_e, _s, m) in WINDOW_DEFAULTS.items()},
}
PARAMS += [_p(f"missing.{f}", f"Missing: {f}", "fraction", v, None, MISSING_SOURCE, 0, 1, (f,))
           for f, v in MISSING_DEFAULTS.items()]

SPECS: dict[str, ParamSpec] = {p.key: p for p in PARAMS}


@dataclass(frozen=True)
class Population:
    key: str
    label: str
    description: str
    overrides: dict[str, float] = field(default_factory=dict)
    #: Sources of the overridden values (key -> citation); absent -> assumption.
    sources: dict[str, str] = field(default_factory=dict)


POPULATIONS: dict[str, Population] = {
    "fertility": Population(
        "fertility", N_("Women referred for frozen embryo transfer"),
        N_("Women seen at an assisted-reproduction centre for frozen embryo transfer, many of them after a "
           "cancelled transfer or intrauterine adhesions."),
        {"age.mean": 32, "age.sd": 4.5, "age.min": 20, "age.max": 45, "sex.female": 1.0,
         "severe_iua_treated.prevalence": 0.30, "cancelled_fet_thin_endometrium.prevalence": 0.35}),
    "hpv": Population(
        "hpv", N_("Women with a positive HPV test"),
        N_("Women whose cervical HPV genotyping test (e.g. an HPV-24 panel) came back positive."),
        {"age.mean": 40, "age.sd": 10, "age.min": 18, "age.max": 70, "sex.female": 1.0},
        {"age.mean": SRC_HPV_AGE}),
    "general": Population("general", N_("Adults (generic)"), N_("A generic adult population (all assumptions).")),
}

FERTILITY_FIELDS = {"afc", "fsh", "good_blastocysts", "cycle_length", "ovarian_cyst_size"}
HPV_FIELDS = {"hpv_types", "hsil_or_cervical_cancer", "hpv_vaccinated"}


def population_for(fields: set[str] | list[str]) -> Population:
    """The population a trial screens, guessed from the fields its rules use (the page lets users change it)."""
    fields = set(fields)
    if fields & FERTILITY_FIELDS:
        return POPULATIONS["fertility"]
    if fields & HPV_FIELDS:
        return POPULATIONS["hpv"]
    return POPULATIONS["general"]


def default_params(population: Population | str) -> dict[str, float]:
    pop = POPULATIONS[population] if isinstance(population, str) else population
    values = {p.key: p.default for p in PARAMS}
    values.update({k: float(v) for k, v in pop.overrides.items()})
    return values


def source_of(key: str, population: Population | str | None = None) -> str:
    pop = POPULATIONS.get(population, None) if isinstance(population, str) else population
    if pop is not None and key in pop.sources:
        return pop.sources[key]
    if pop is not None and key in pop.overrides:
        return "assumption"
    return SPECS[key].provenance


def validate_params(values: dict[str, float]) -> dict[str, float]:
    """Complete ``values`` with defaults and check every value against its allowed range."""
    from trialkit.errors import TrialkitError

    out = {p.key: p.default for p in PARAMS}
    for key, v in values.items():
        if key not in SPECS:
            raise TrialkitError(f"unknown simulation parameter {key!r}")
        try:
            v = float(v)
        except (TypeError, ValueError):
            raise TrialkitError(f"simulation parameter {key}: {v!r} is not a number") from None
        spec = SPECS[key]
        if v != v or (spec.minimum is not None and v < spec.minimum) or (spec.maximum is not None and v > spec.maximum):
            raise TrialkitError(f"simulation parameter {key}: {v} is outside [{spec.minimum}, {spec.maximum}]")
        out[key] = v
    if out["age.min"] > out["age.max"]:
        raise TrialkitError(f"simulation parameter age.min ({out['age.min']}) is above age.max ({out['age.max']})")
    return out


def params_hash(values: dict[str, float]) -> str:
    """A short stable fingerprint of a parameter set (cache key, file provenance)."""
    blob = json.dumps({k: float(values[k]) for k in sorted(values)}, sort_keys=True).encode()
    return hashlib.sha256(blob).hexdigest()[:16]
