"""Pydantic models of a study, named after the ClinicalTrials.gov API v2 / CDISC vocabulary.

A :class:`Trial` is what the app understands of one ClinicalTrials.gov study. Every field a
record may leave out is optional here: absent means "not stated" and is shown that way, never guessed.
"""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from trialkit.criteria.rules import Rule

CriterionKind = Literal["inclusion", "exclusion"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Sponsor(_Model):
    name: str
    sponsor_class: str | None = None  # "OTHER", "INDUSTRY", "NIH", ...


class Contact(_Model):
    name: str | None = None
    role: str | None = None
    phone: str | None = None
    email: str | None = None


class GeoPoint(_Model):
    lat: float
    lon: float


class Location(_Model):
    """A study site (``contactsLocationsModule.locations[]``)."""

    facility: str | None = None
    status: str | None = None
    city: str | None = None
    state: str | None = None
    zip: str | None = None
    country: str | None = None
    geo_point: GeoPoint | None = None
    contacts: list[Contact] = Field(default_factory=list)


class Intervention(_Model):
    type: str | None = None  # "DRUG", "PROCEDURE", ...
    name: str
    description: str | None = None
    arm_group_labels: list[str] = Field(default_factory=list)
    other_names: list[str] = Field(default_factory=list)


class ArmGroup(_Model):
    label: str
    type: str | None = None  # "EXPERIMENTAL", "NO_INTERVENTION", ...
    description: str | None = None
    intervention_names: list[str] = Field(default_factory=list)  # carry a type prefix: "Drug: X"


class Outcome(_Model):
    measure: str
    description: str | None = None
    time_frame: str | None = None


class Design(_Model):
    study_type: str | None = None
    phases: list[str] = Field(default_factory=list)
    allocation: str | None = None
    intervention_model: str | None = None
    primary_purpose: str | None = None
    masking: str | None = None
    who_masked: list[str] = Field(default_factory=list)


class Enrollment(_Model):
    count: int | None = None
    type: str | None = None  # "ESTIMATED" or "ACTUAL"


class EligibilityCriterion(_Model):
    """One inclusion or exclusion criterion, its text verbatim (unescaped, list marker dropped)."""

    id: str  # "I1", "E10" (contracts §1)
    kind: CriterionKind
    text: str
    rules: list[Rule] = Field(default_factory=list)
    #: True when the rules were drafted automatically and nobody has reviewed them yet.
    rules_unreviewed: bool = False


class Eligibility(_Model):
    sex: str | None = None  # "FEMALE", "MALE", "ALL"
    minimum_age: str | None = None  # as written: "20 Years"
    maximum_age: str | None = None
    minimum_age_years: float | None = None
    maximum_age_years: float | None = None
    healthy_volunteers: bool | None = None
    std_ages: list[str] = Field(default_factory=list)
    criteria_text: str | None = None  # the raw Markdown of ``eligibilityCriteria``
    criteria: list[EligibilityCriterion] = Field(default_factory=list)
    #: Lead-in text that is not a criterion, by section ("general", "inclusion", "exclusion"),
    #: e.g. "Subjects who meet each of the following inclusion criteria are eligible…".
    lead_in: dict[str, str] = Field(default_factory=dict)


class Dates(_Model):
    """Dates as the registry gives them: ``yyyy``, ``yyyy-MM`` or ``yyyy-MM-dd``."""

    status_verified: str | None = None
    start: str | None = None
    start_type: str | None = None
    primary_completion: str | None = None
    primary_completion_type: str | None = None
    completion: str | None = None
    completion_type: str | None = None
    first_posted: str | None = None
    last_update_posted: str | None = None


class Trial(_Model):
    nct_id: str
    org_study_id: str | None = None
    secondary_ids: list[str] = Field(default_factory=list)
    brief_title: str | None = None
    official_title: str | None = None
    acronym: str | None = None
    overall_status: str | None = None
    why_stopped: str | None = None
    dates: Dates = Field(default_factory=Dates)
    lead_sponsor: Sponsor | None = None
    collaborators: list[Sponsor] = Field(default_factory=list)
    conditions: list[str] = Field(default_factory=list)
    keywords: list[str] = Field(default_factory=list)
    design: Design = Field(default_factory=Design)
    enrollment: Enrollment = Field(default_factory=Enrollment)
    arm_groups: list[ArmGroup] = Field(default_factory=list)
    interventions: list[Intervention] = Field(default_factory=list)
    primary_outcomes: list[Outcome] = Field(default_factory=list)
    secondary_outcomes: list[Outcome] = Field(default_factory=list)
    brief_summary: str | None = None
    detailed_description: str | None = None
    eligibility: Eligibility = Field(default_factory=Eligibility)
    central_contacts: list[Contact] = Field(default_factory=list)
    overall_officials: list[Contact] = Field(default_factory=list)
    locations: list[Location] = Field(default_factory=list)
    #: Where this record came from (a file path or "upload"), for provenance lines on screen.
    source: str | None = None
    #: Notes on how a hand-transcribed record was made (which facts the source did not give).
    provenance_notes: list[str] = Field(default_factory=list)

    # -- conveniences -------------------------------------------------------------------------
    @property
    def title(self) -> str:
        return self.brief_title or self.official_title or self.nct_id

    @property
    def criteria(self) -> list[EligibilityCriterion]:
        return self.eligibility.criteria

    @property
    def inclusion(self) -> list[EligibilityCriterion]:
        return [c for c in self.eligibility.criteria if c.kind == "inclusion"]

    @property
    def exclusion(self) -> list[EligibilityCriterion]:
        return [c for c in self.eligibility.criteria if c.kind == "exclusion"]

    def criterion(self, criterion_id: str) -> EligibilityCriterion | None:
        for c in self.eligibility.criteria:
            if c.id == criterion_id:
                return c
        return None

    @property
    def registry_url(self) -> str:
        return f"https://clinicaltrials.gov/study/{self.nct_id}"

    @property
    def arm_labels(self) -> list[str]:
        return [a.label for a in self.arm_groups]
