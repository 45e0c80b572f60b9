"""Record models for the curated evidence tables.

One YAML file in ``data/`` holds a mapping with a ``records`` list; each record is a ``Study`` (one
study or cohort as the source prints it) or, in the targets file, a ``TargetEntry``. Every
reported number carries where it is in the source and a verbatim quote. Validation errors are
collected, never raised one at a time, so a curator sees every problem in one run.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Annotated, Literal, TypeAlias

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from celltx import diseases, vocab
from celltx.safe_yaml import short

RecordId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9._-]*$", max_length=80)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
# Every number has an upper bound, checked before any arithmetic: an uploaded n of 1e308 must be
# refused here, not overflow later in a derived count or a confidence interval.
MAX_COUNT = 10_000_000  # patients or events in one study
MAX_MONTHS = 1_200.0  # a century of follow-up
MAX_DOSE = 1e9  # in the dose unit (1e6 cells), far above any infused dose
MAX_OUTCOMES = 200  # values per record (the curated maximum is 8)
MAX_ARMS = 50
Pct = Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)]
Months = Annotated[float, Field(ge=0, le=MAX_MONTHS, allow_inf_nan=False)]
Days = Annotated[float, Field(ge=0, le=MAX_MONTHS * 31, allow_inf_nan=False)]
DoseValue = Annotated[float, Field(ge=0, le=MAX_DOSE, allow_inf_nan=False)]
Count = Annotated[int, Field(ge=1, le=MAX_COUNT)]
# The controlled vocabularies are defined once, in celltx.vocab
if TYPE_CHECKING:  # built from vocab at run time; to a type checker they are strings
    Modality: TypeAlias = str
    ArmRole: TypeAlias = str
    DonorType: TypeAlias = str
    DoseUnit: TypeAlias = str
else:
    Modality = Literal[tuple(vocab.MODALITIES)]
    ArmRole = Literal[tuple(vocab.ARM_ROLES)]
    DonorType = Literal[tuple(vocab.DONOR_TYPES)]
    DoseUnit = Literal[tuple(vocab.DOSE_UNITS)]
# Where in a source a value stands, as the source names it ('Table 1', 'Figure 2', 'text'). Which
# labels a source has is declared in its origin block (Origin.locations) and checked there, so a new
# source needs no code change. No comma: 'Table 1, ref 5' is how a location and a reference are
# written together in CSV.
Location = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40, pattern=r"^[^,\n]+$")
]

DAYS_PER_MONTH = 365.25 / 12


class Strict(BaseModel):
    """Unknown fields are errors: a misspelt 'value_pc' must not vanish silently."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class SourceRef(Strict):
    """Where a value stands: the source file, a table or the body text, and the reference number."""

    file: Text = Field(description="File name in shared/seeds, e.g. 004_446006b2dc687136.txt")
    location: Location = Field(
        description="A table or figure as printed ('Table 1', 'Figure 2'), 'text' or 'interview', as the "
        "source's origin block declares; any short label (e.g. 'other') for a user's own source"
    )
    ref: Annotated[int, Field(ge=1)] | list[Annotated[int, Field(ge=1)]] | None = Field(
        default=None,
        description="The review's reference number(s) printed for the passage on the study, by the "
        "rule in docs/curation.md; a list where several are printed together (56,57)",
    )

    @field_validator("ref")
    @classmethod
    def _one_list(cls, v: int | list[int] | None) -> int | list[int] | None:
        if isinstance(v, list) and (len(v) < 2 or len(set(v)) != len(v)):
            raise ValueError("a list of reference numbers needs two or more different numbers")
        return v

    @property
    def refs(self) -> tuple[int, ...]:
        """Every printed reference number, in the printed order."""
        if self.ref is None:
            return ()
        return tuple(self.ref) if isinstance(self.ref, list) else (self.ref,)


class Dose(Strict):
    """Cell dose as printed; low == high for a single dose. Units are converted only by powers of ten."""

    low: DoseValue | None = None
    high: DoseValue | None = None
    unit: DoseUnit
    stat: Literal["range", "single", "median", "maximum", "levels"] = "range"
    text: Text | None = Field(default=None, description="The dose as printed")

    @model_validator(mode="after")
    def _order(self) -> Dose:
        if self.low is None and self.high is None:
            raise ValueError("dose needs low or high")
        if self.low is not None and self.high is not None and self.low > self.high:
            raise ValueError(f"dose low ({self.low:g}) is greater than high ({self.high:g})")
        return self


class Arm(Strict):
    """An arm of a study (e.g. HID and ISD, NK and control, a dose subgroup) with its own sample size."""

    name: Text
    n: Count | None = None
    role: ArmRole = Field(description="treatment or comparator, see celltx.vocab.ARM_ROLES")
    donor_type: DonorType | None = Field(
        default=None,
        description="The transplant donor that defines this arm in a donor-type comparison "
        "(celltx.vocab.DONOR_TYPES); absent for arms not defined by their donor",
    )
    description: Text | None = None


class Outcome(Strict):
    """One reported value. Percentages are 0-100; time points are months."""

    endpoint: str = Field(description="Short standard name, see celltx.vocab.ENDPOINTS")
    scope: Text | None = Field(
        default=None, description="CRS grade scope (any, severe, grade>=3, unspecified) or a qualifier"
    )
    arm: Text = Field(default="all", description="'all' for single-arm results; else the arm name")
    n: Count | None = Field(default=None, description="Denominator when it differs from the record's")
    events: int | None = Field(
        default=None, ge=0, le=MAX_COUNT, description="Event count, only where printed"
    )
    value_pct: Pct | None = None
    value_low_pct: Pct | None = None
    value_high_pct: Pct | None = None
    time_months: Months | None = Field(default=None, description="Landmark in months")
    time_days: Days | None = Field(default=None, description="Landmark printed in days")
    median_months: Months | None = None
    median_low_months: Months | None = None
    median_high_months: Months | None = None
    duration_low_months: Months | None = None
    duration_high_months: Months | None = None
    p_value: float | None = Field(default=None, ge=0, le=1)
    p_operator: Literal["=", "<", ">"] = "="
    p_scope: Text | None = Field(default=None, description="e.g. 'overall' for a three-arm test")
    source: SourceRef | None = Field(default=None, description="Defaults to the record's source")
    quote: Text | None = Field(default=None, description="Verbatim; defaults to the record's quote")
    note: Text | None = None

    @field_validator("endpoint")
    @classmethod
    def _known_endpoint(cls, v: str) -> str:
        if v not in vocab.ENDPOINTS:
            raise ValueError(f"unknown endpoint {short(v)}; known: {', '.join(vocab.ENDPOINTS)}")
        return v

    @model_validator(mode="after")
    def _consistent(self) -> Outcome:
        for name in (
            "value_pct",
            "value_low_pct",
            "value_high_pct",
            "p_value",
            "time_months",
            "median_months",
        ):
            v = getattr(self, name)
            if v is not None and not math.isfinite(v):
                raise ValueError(f"{name} must be a finite number")
        if self.events is not None and self.n is not None and self.events > self.n:
            raise ValueError(f"events ({self.events}) larger than n ({self.n})")
        for low, high in (
            ("value_low_pct", "value_high_pct"),
            ("median_low_months", "median_high_months"),
            ("duration_low_months", "duration_high_months"),
        ):
            lo, hi = getattr(self, low), getattr(self, high)
            if lo is not None and hi is not None and lo > hi:
                raise ValueError(f"{low} ({lo:g}) is greater than {high} ({hi:g})")
        if self.time_months is not None and self.time_days is not None:
            raise ValueError("give time_months or time_days, not both")
        if self.endpoint == "CRS" and self.scope not in vocab.CRS_SCOPES:
            raise ValueError(
                f"CRS needs a grade scope, one of {', '.join(vocab.CRS_SCOPES)}; got {short(self.scope)}"
            )
        has_value = any(
            getattr(self, f) is not None
            for f in (
                "value_pct",
                "value_low_pct",
                "value_high_pct",
                "events",
                "median_months",
                "median_low_months",
                "median_high_months",
                "duration_low_months",
                "duration_high_months",
                "p_value",
            )
        )
        if not has_value:
            raise ValueError("outcome carries no value (value_pct, events, a median or a P value)")
        return self

    @property
    def landmark_months(self) -> float | None:
        if self.time_months is not None:
            return self.time_months
        if self.time_days is not None:
            return self.time_days / DAYS_PER_MONTH
        return None


class Study(Strict):
    """One study or cohort as a source prints it (a table row or a body-text passage)."""

    id: RecordId
    study: Text = Field(description="Study label as printed, e.g. 'Maude et al. 2014'")
    year: int | None = Field(default=None, ge=1950, le=2100, description="Only where printed")
    modality: Modality
    disease: list[str] = Field(
        min_length=1,
        description="Terms of data/diseases.yaml: the disease(s) the cohort held, each term once; "
        "several terms for a cohort of several diseases; [mixed] alone when the source does not say",
        json_schema_extra={"items": {"type": "string", "enum": list(vocab.DISEASES)}},
    )
    disease_text: Text = Field(description="The disease as printed")
    disease_quote: Text | None = Field(
        default=None,
        description="Verbatim quote naming the cohort's diseases, where the record's quote does not "
        "(e.g. the text passage that names the diseases of a table row's cohort)",
    )
    disease_source: SourceRef | None = Field(
        default=None, description="Where disease_quote stands; defaults to the record's source"
    )
    target: list[str] = Field(default_factory=list, description="Target antigen(s), if any")
    setting: Text | None = None
    protocol: Text | None = Field(default=None, description="Transplant platform, e.g. 'G-CSF/ATG'")
    regimen: Text | None = Field(default=None, description="Infusion regimen as printed")
    dose: Dose | None = None
    n: Count | None = None
    n_text: Text | None = None
    arms: list[Arm] = Field(default_factory=list, max_length=MAX_ARMS)
    source: SourceRef
    quote: Text
    same_study_as: list[RecordId] = Field(default_factory=list)
    link_note: Text | None = None
    discrepancies: list[Text] = Field(default_factory=list)
    notes: Text | None = None
    outcomes: list[Outcome] = Field(default_factory=list, max_length=MAX_OUTCOMES)

    @field_validator("disease")
    @classmethod
    def _known_disease(cls, v: list[str]) -> list[str]:
        bad = [d for d in v if d not in vocab.DISEASES]
        if bad:
            raise ValueError(
                f"unknown disease {', '.join(map(short, bad[:5]))} (not a term of "
                f"{vocab.DISEASE_FILE.name}); known: {', '.join(vocab.DISEASES)}"
            )
        if len(set(v)) != len(v):
            raise ValueError(f"a disease is listed twice: {', '.join(map(short, v[:5]))}")
        if diseases.UNSTATED in v and len(v) > 1:
            raise ValueError(
                f"{diseases.UNSTATED!r} means the source does not say which diseases the cohort "
                "held; list the diseases without it, or keep it alone"
            )
        return v

    @field_validator("target")
    @classmethod
    def _known_target(cls, v: list[str]) -> list[str]:
        bad = [t for t in v if t not in vocab.TARGETS]
        if bad:
            raise ValueError(
                f"unknown target {', '.join(map(short, bad[:5]))}; known: {', '.join(vocab.TARGETS)}"
            )
        return v

    @model_validator(mode="after")
    def _consistent(self) -> Study:
        arm_n = {a.name: a.n for a in self.arms}
        if len(arm_n) != len(self.arms):
            raise ValueError("arm names must be unique")
        for i, o in enumerate(self.outcomes):
            n = o.n or arm_n.get(o.arm) or (self.n if o.arm == "all" else None)
            if o.events is not None and n is not None and o.events > n:
                raise ValueError(f"outcomes[{i}] ({o.endpoint}): events ({o.events}) larger than n ({n})")
        if self.id in self.same_study_as:
            raise ValueError("same_study_as names the record itself")
        if self.disease_source is not None and self.disease_quote is None:
            raise ValueError("disease_source without disease_quote")
        return self


class TargetEntry(Strict):
    """A candidate or investigated target antigen for a disease group (Table 2 and the text)."""

    id: RecordId
    modality: Modality
    disease_text: Text
    disease: list[str] = Field(min_length=1)
    targets: list[str] = Field(min_length=1)
    status: Literal["candidate", "preclinical", "clinical", "under investigation"]
    source: SourceRef
    quote: Text
    notes: Text | None = None

    # the same checks as Study's (a classmethod's underlying function, registered again here)
    _known_disease = field_validator("disease")(Study._known_disease.__func__)  # type: ignore[attr-defined]
    _known_target = field_validator("targets")(Study._known_target.__func__)  # type: ignore[attr-defined]


class ContextFact(Strict):
    """A quantitative statement of context (an interview, a historical figure), not a study result."""

    id: RecordId
    statement: Text
    value: Annotated[float, Field(allow_inf_nan=False)] | None = None
    value_text: Text = Field(description="The quantity as printed, e.g. 'approximately 12'")
    unit: Text | None = None
    source: SourceRef
    quote: Text


class Origin(Strict):
    """The origin block of one source document (house style: like OWID snapshot metadata)."""

    file: Text
    kind: Literal["review", "interview"]
    producer: Text
    title: Text
    citation: Text
    short_citation: Text | None = Field(default=None, description="For figure footnotes")
    date_published: Text | None = None
    doi: Text | None = None
    primary: bool = False
    locations: list[Location] = Field(
        min_length=1,
        description="Where in this document a value can stand: its tables and figures as printed "
        "('Table 1', 'Figure 2'), 'text' for the body text, 'interview' for an interview. A record's "
        "location is checked against the declaration of its own source.",
    )

    @field_validator("locations")
    @classmethod
    def _unique(cls, v: list[str]) -> list[str]:
        dup = sorted({x for x in v if v.count(x) > 1})
        if dup:
            raise ValueError(f"location(s) declared twice: {', '.join(dup)}")
        return v


class StudyFile(Strict):
    kind: Literal["studies"]
    title: Text
    description: Text | None = None
    records: list[Study]


class TargetFile(Strict):
    kind: Literal["targets"]
    title: Text
    description: Text | None = None
    records: list[TargetEntry]


class ContextFile(Strict):
    kind: Literal["context"]
    title: Text
    description: Text | None = None
    records: list[ContextFact]


class SourcesFile(Strict):
    kind: Literal["sources"]
    title: Text
    sources: list[Origin]


DiseaseFile = diseases.DiseaseFile  # data/diseases.yaml, checked further by celltx.diseases.parse

FILE_KINDS: dict[str, type[BaseModel]] = {
    "studies": StudyFile,
    "targets": TargetFile,
    "context": ContextFile,
    "sources": SourcesFile,
    "diseases": DiseaseFile,
}
