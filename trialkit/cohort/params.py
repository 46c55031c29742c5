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

from trialkit.i18n import N_
from trialkit.message import Message, coded, word

#: What :attr:`ParamSpec.provenance` says for a value without a published figure.
ASSUMPTION = N_("assumption")

#: Where the missing-data level comes from (background.md): pre-screening data were 43–62% missing.
MISSING_SOURCE = N_("Pre-screening data are 43–62% missing in published studies (trialkit background notes); "
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
    """A parameter; its label, unit and note are :class:`~trialkit.message.Message` values (English, said in
    the page's language); a source is a literature citation, quoted as written."""

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
        return self.source if self.source else word(ASSUMPTION)


def _words(text: str) -> Message:
    return text if isinstance(text, Message) or not text else word(text)


def _p(key, label, unit, default, source=None, note="", lo=None, hi=None, fields=()):
    return ParamSpec(key, _words(label), _words(unit), float(default), source, _words(note), lo, hi, tuple(fields))


def _field_words(name: str, written: str | None = None) -> Message | str:
    """A field's name as these labels write it (``written``, default "preparing pregnancy"), said as the
    field's label in other languages."""
    from trialkit.criteria.fields import FIELDS

    words = name.replace("_", " ") if written is None else written
    return coded(words, FIELDS[name].label, "field") if name in FIELDS else words


#: Every parameter, with the generic default; populations below override some defaults.
PARAMS: list[ParamSpec] = [
    # -- demographics
    _p("age.mean", N_("Age, mean"), N_("years"), 40, None, N_("normal, truncated to [min, max]"), 0, 120, ("age",)),
    _p("age.sd", N_("Age, SD"), N_("years"), 12, None, "", 0.1, 60, ("age",)),
    _p("age.min", N_("Age, lowest"), N_("years"), 18, None, "", 0, 120, ("age",)),
    _p("age.max", N_("Age, highest"), N_("years"), 75, None, "", 0, 120, ("age",)),
    _p("sex.female", N_("Share female"), N_("fraction"), 0.5, None, "", 0, 1, ("sex",)),
    # -- anthropometry
    _p("bmi.mean", N_("BMI at 30 y, mean"), N_("kg/m²"), 22.0, None,
       N_("log-normal; BMI rises with age"), 10, 60, ("bmi",)),
    _p("bmi.sd", N_("BMI, SD"), N_("kg/m²"), 3.3, None, "", 0.1, 20, ("bmi",)),
    _p("bmi.per_year", N_("BMI change per year of age"), N_("kg/m² per year"), 0.08, None, "", -1, 1, ("bmi",)),
    # -- menstrual cycle
    _p("cycle_length.mean", N_("Cycle length at 33 y, mean"), N_("days"), 29.3, SRC_BULL, "", 15, 60, ("cycle_length",)),
    _p("cycle_length.per_year", N_("Cycle length change per year of age"), N_("days per year"), -0.18, SRC_BULL, "",
       -2, 2, ("cycle_length",)),
    _p("cycle_length.sd", N_("Cycle length, SD"), N_("days"), 4.0, SRC_CHIAZZE, "", 0.1, 20, ("cycle_length",)),
    _p("cycle_length.irregular", N_("Share with irregular/long cycles"), N_("fraction"), 0.10, None,
       N_("drawn from 36–60 days (oligomenorrhoea)"), 0, 1, ("cycle_length",)),
    # -- ovarian reserve (one latent 'reserve' ties AFC and FSH: low AFC goes with high FSH)
    _p("afc.at30", N_("AFC at 30 y, mean"), N_("follicles"), 14.0, None, N_("gamma–Poisson"), 0, 60, ("afc",)),
    _p("afc.per_year", N_("AFC change per year of age"), N_("follicles per year"), -0.50, SRC_AFC, "", -3, 3, ("afc",)),
    _p("afc.cv", N_("AFC, coefficient of variation"), N_("fraction"), 0.45, None, "", 0.01, 3, ("afc",)),
    _p("fsh.median_at30", N_("Day 2–4 FSH at 30 y, median"), N_("IU/L"), 6.5, None, N_("log-normal"), 0.5, 40, ("fsh",)),
    _p("fsh.growth_per_year", N_("FSH growth per year of age"), N_("fraction per year"), 0.03, None,
       N_("multiplicative: FSH rises with age"), -0.5, 0.5, ("fsh",)),
    _p("fsh.log_sd", N_("FSH, log SD"), N_("log units"), 0.30, None, "", 0.01, 3, ("fsh",)),
    _p("reserve.link", N_("AFC–FSH link (latent reserve)"), N_("0–1"), 0.5, None,
       N_("0: independent given age; 1: strongly linked"), 0, 1, ("afc", "fsh")),
    _p("good_blastocysts.at30", N_("Frozen good-quality blastocysts at 30 y, mean"), N_("count"), 2.5, None,
       N_("Poisson"), 0, 30, ("good_blastocysts",)),
    _p("good_blastocysts.per_year", N_("Blastocysts change per year of age"), N_("count per year"), -0.08, None, "",
       -2, 2, ("good_blastocysts",)),
    # -- imaging
    _p("ovarian_cyst.prevalence", N_("Share with an ovarian cyst"), N_("fraction"), 0.10, None,
       N_("others get 0 mm"), 0, 1, ("ovarian_cyst_size",)),
    _p("ovarian_cyst.median", N_("Ovarian cyst size, median"), N_("mm"), 22, None, N_("log-normal, log SD 0.4"), 1, 200,
       ("ovarian_cyst_size",)),
    _p("fibroid.prevalence", N_("Share with a uterine fibroid"), N_("fraction"), 0.15, None, N_("others get 0 mm"), 0, 1,
       ("fibroid_size",)),
    _p("fibroid.median", N_("Fibroid size, median"), N_("mm"), 20, None, N_("log-normal, log SD 0.5"), 1, 300,
       ("fibroid_size",)),
    # -- blood count
    _p("hemoglobin.mean", N_("Haemoglobin, mean"), N_("g/L"), 128, None,
       Message("normal; with SD 12 about 25% fall below the WHO anaemia cut-off ({source})", source=SRC_WHO_HB),
       40, 200,
       ("hemoglobin",)),
    _p("hemoglobin.sd", N_("Haemoglobin, SD"), N_("g/L"), 12, None, "", 0.1, 60, ("hemoglobin",)),
    _p("platelets.mean", N_("Platelets, mean"), N_("10⁹/L"), 255, None,
       N_("normal; most of the population within the usual 150–400 reference interval"), 10, 1000, ("platelets",)),
    _p("platelets.sd", N_("Platelets, SD"), N_("10⁹/L"), 60, None, "", 0.1, 400, ("platelets",)),
    # -- HPV
    _p("hpv.any_high_risk", N_("Share of HPV-positive women with ≥1 high-risk type"), N_("fraction"), 0.80, SRC_HPV_TYPES,
       N_("the rest carry low-risk types only; 0.80 ≈ 11.3/(11.3+2.7)"), 0, 1, ("hpv_types",)),
    _p("hpv.multiple", N_("Share with a second type"), N_("fraction"), 0.20, SRC_HPV_MULTI, "", 0, 1, ("hpv_types",)),
    # -- time since first intercourse, regular cycles
    _p("sexual_debut.mean", N_("Age at first intercourse, mean"), N_("years"), 22, None, N_("normal, SD 3 years"), 10, 40,
       ("sexual_history_years",)),
    _p("regular_cycle.short_share", N_("Share with regular cycles for less than 12 months"), N_("fraction"), 0.10, None,
       N_("the others: 12–120 months"), 0, 1, ("regular_cycle_months",)),
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
PARAMS += [_p(f"{f}.prevalence", Message("Share with: {field}", field=_field_words(f)), N_("fraction"), prev, None,
              "", 0, 1, (f,)) for f, (prev, _m) in FACT_DEFAULTS.items()]
PARAMS += [_p(f"{f}.ever", Message("Share who ever had the event ({field})", field=_field_words(f)), N_("fraction"),
              ever, None, Message("time since it uniform over 0–{spread:g} months; others never", spread=spread),
              0, 1, (f,)) for f, (ever, spread, _m) in WINDOW_DEFAULTS.items()]
PARAMS += [_p(f"{f}.spread", Message("Longest time since ({field})", field=_field_words(f)), N_("months"), spread,
              None, "", 0.1, 600, (f,)) for f, (ever, spread, _m) in WINDOW_DEFAULTS.items()]

#: Missing share per field (MCAR; haemoglobin and platelets go missing together: one blood count).
MISSING_DEFAULTS: dict[str, float] = {
    "age": 0.0, "sex": 0.0, "bmi": 0.30, "cycle_length": 0.45, "afc": 0.55, "fsh": 0.55,
    "good_blastocysts": 0.45, "ovarian_cyst_size": 0.55, "fibroid_size": 0.55, "hemoglobin": 0.45,
    "platelets": 0.45, "hpv_types": 0.10, "sexual_history_years": 0.40, "regular_cycle_months": 0.50,
    **{f: m for f, (_p, m) in FACT_DEFAULTS.items()}, **{f: m for f, (_e, _s, m) in WINDOW_DEFAULTS.items()},
}
PARAMS += [_p(f"missing.{f}", Message("Missing: {field}", field=_field_words(f, f)),
              N_("fraction"), v, None, MISSING_SOURCE, 0, 1, (f,))
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
        return word(ASSUMPTION)
    return SPECS[key].provenance


def validate_params(values: dict[str, float]) -> dict[str, float]:
    """Complete ``values`` with defaults and check every value against its allowed range."""
    from trialkit.errors import TrialkitError

    out = {p.key: p.default for p in PARAMS}
    for key, v in values.items():
        if key not in SPECS:
            raise TrialkitError(Message("unknown simulation parameter {key!r}", key=key))
        try:
            v = float(v)
        except (TypeError, ValueError):
            raise TrialkitError(Message("simulation parameter {key}: {value!r} is not a number", key=key,
                                        value=v)) from None
        spec = SPECS[key]
        if v != v or (spec.minimum is not None and v < spec.minimum) or (spec.maximum is not None and v > spec.maximum):
            raise TrialkitError(Message("simulation parameter {key}: {value} is outside [{minimum}, {maximum}]",
                                        key=key, value=v, minimum=spec.minimum, maximum=spec.maximum))
        out[key] = v
    if out["age.min"] > out["age.max"]:
        raise TrialkitError(Message("simulation parameter age.min ({low}) is above age.max ({high})",
                                    low=out["age.min"], high=out["age.max"]))
    return out


def params_hash(values: dict[str, float]) -> str:
    """A short stable fingerprint of a parameter set (cache key, file provenance)."""
    blob = json.dumps({k: float(values[k]) for k in sorted(values)}, sort_keys=True).encode()
    return hashlib.sha256(blob).hexdigest()[:16]
