"""Controlled vocabularies and field definitions, each defined once.

Charts, hover text, validation and the JSON Schema all read from here, so an axis title or a
unit is never a literal in chart code (house style: "define each field once").
"""

from __future__ import annotations

from pathlib import Path

from celltx import diseases

# The disease hierarchy is curated data (data/diseases.yaml, WHO classification of
# haematolymphoid tumours); this is the one place that reads it. A bad file stops the import with
# an error naming the file, line and term.
DISEASE_FILE = Path(__file__).resolve().parent.parent / "data" / "diseases.yaml"
DISEASE_TREE: diseases.Tree = diseases.read(DISEASE_FILE)
DISEASES: dict[str, str] = {t.id: t.label for t in DISEASE_TREE}

MODALITIES: dict[str, str] = {
    "CAR-T": "Chimeric antigen receptor T cells",
    "CAR-NK": "Chimeric antigen receptor NK cells",
    "NK": "Adoptively transferred (non-CAR) NK cells",
    "allo-HSCT": "Allogeneic haematopoietic stem-cell transplantation",
    "virus-specific T cells": "Adoptive virus-specific (e.g. CMV-specific) T cells",
}

# Target antigens named in the sources (Table 2 and the text). A study that names a target outside
# this list is rejected, so a typo ("CD-19") cannot create a new colour group.
TARGETS: tuple[str, ...] = (
    "CD19",
    "CD20",
    "CD22",
    "CD79b",
    "CXCR5",
    "CD7",
    "CD5",
    "CD4",
    "CD30",
    "CDTRBC1",
    "CD3",
    "BCMA",
    "CD38",
    "CD138",
    "SLAMF7",
    "CD44v6",
    "CD33",
    "CD123",
    "CD117",
    "CLL-1",
)

DOSE_UNITS: dict[str, str] = {
    "1e6/kg": "× 10⁶ cells/kg",
    "1e6 total": "× 10⁶ cells (total)",
    "1e6/m2": "× 10⁶ cells/m²",
}

# What an arm of a study is. The role is curated from the source, never guessed from the arm's name.
ARM_ROLES: dict[str, str] = {
    "treatment": "receives the therapy under study (NK cells, CAR-T cells; the haploidentical donor "
    "in a donor comparison); subgroups of one treated population are all treatment arms",
    "comparator": "the control or reference arm a treatment arm is compared against (a control "
    "group, chemotherapy alone, a historic cohort; the identical-sibling donor, the standard choice)",
}

# The transplant donor that defines an arm in donor-type comparisons (allo-HSCT).
DONOR_TYPES: dict[str, str] = {
    "HID": "haploidentical donor",
    "ISD": "HLA-identical sibling donor",
}

# Endpoint name -> (family, definition, direction). Direction: +1 when a higher value is better
# for the patient, -1 when lower is better, 0 when it is not a judgement (e.g. a dose count).
ENDPOINTS: dict[str, tuple[str, str, int]] = {
    "CR": ("response", "Complete remission/response", +1),
    "CR/CRi": ("response", "Complete remission or CR with incomplete count recovery", +1),
    "CRi": ("response", "CR with incomplete blood count recovery", +1),
    "CRp": ("response", "CR without platelet recovery", +1),
    "MRD-negative CR": ("response", "Complete remission without measurable residual disease", +1),
    "OR": ("response", "Objective (overall) response", +1),
    "remission": ("response", "Remission of any depth as the study defines it (CR, CRp or CRi)", +1),
    "response": ("response", "Response as the study defines it (e.g. 'effective rate')", +1),
    "durable CR": ("response", "Durable complete remission", +1),
    "MRD conversion": ("response", "MRD-positive patients who became MRD-negative", +1),
    "remained MRD-negative": ("response", "Patients who stayed MRD-negative during follow-up", +1),
    "CMV clearance": ("response", "Clearance of CMV infection", +1),
    "CRS": ("toxicity", "Cytokine release syndrome (grade scope in 'scope')", -1),
    "neurotoxicity": ("toxicity", "Neurotoxicity (CAR-T-cell-related encephalopathy syndrome)", -1),
    "aGvHD": ("toxicity", "Acute graft-versus-host disease", -1),
    "EFS": ("survival", "Event-free survival", +1),
    "OS": ("survival", "Overall survival", +1),
    "PFS": ("survival", "Progression-free survival", +1),
    "LFS": ("survival", "Leukaemia-free survival", +1),
    "DFS": ("survival", "Disease-free survival", +1),
    "RFS": ("survival", "Relapse-free survival", +1),
    "relapse": ("incidence", "Cumulative incidence of relapse (or progression, see scope)", -1),
    "relapse or death": ("incidence", "Relapse or death", -1),
    "NRM": ("incidence", "Non-relapse mortality", -1),
    "TRM": ("incidence", "Transplant-related mortality", -1),
    "MRD positivity": ("incidence", "Cumulative incidence of MRD positivity after transplant", -1),
    "CMV reactivation": ("incidence", "CMV reactivation", -1),
    "CMV recurrence": ("incidence", "CMV recurrence after clearance", -1),
    "proceeded to HSCT": ("other", "Patients who went on to allogeneic transplantation", 0),
    "protocol completion": ("other", "Patients who received all planned infusions", 0),
    "response duration": ("duration", "Duration of response (months)", +1),
    "CR duration": ("duration", "Duration of complete remission (months)", +1),
}

# CRS (and other toxicity) grade scopes. 'unspecified' where the source gives no grade.
CRS_SCOPES: dict[str, str] = {
    "any": "any grade (printed 'total')",
    "severe": "severe",
    "grade>=3": "grade ≥ 3",
    "unspecified": "grade not stated",
}

# Okabe-Ito colour-blind-safe palette (Okabe & Ito 2008), one fixed colour per target and per
# donor type on every page.
OKABE_ITO = {
    "orange": "#E69F00",
    "sky blue": "#56B4E9",
    "bluish green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish purple": "#CC79A7",
    "black": "#000000",
    "grey": "#999999",
}

TARGET_COLORS: dict[str, str] = {
    "CD19": OKABE_ITO["blue"],
    "CD22": OKABE_ITO["orange"],
    "CD19;CD22": OKABE_ITO["reddish purple"],
    "BCMA": OKABE_ITO["bluish green"],
    "CD30": OKABE_ITO["vermillion"],
    "CD7": OKABE_ITO["sky blue"],
    "CD33": OKABE_ITO["yellow"],
    "no target": OKABE_ITO["grey"],
}
DONOR_COLORS: dict[str, str] = {"HID": OKABE_ITO["vermillion"], "ISD": OKABE_ITO["blue"]}
# NK comparisons: the NK-treated arm and its comparator
ROLE_COLORS: dict[str, str] = {"treatment": OKABE_ITO["bluish green"], "comparator": OKABE_ITO["black"]}
# by name, so adding or reordering a modality cannot shift every colour
MODALITY_COLORS: dict[str, str] = {
    "CAR-T": OKABE_ITO["blue"],
    "CAR-NK": OKABE_ITO["reddish purple"],
    "NK": OKABE_ITO["bluish green"],
    "allo-HSCT": OKABE_ITO["orange"],
    "virus-specific T cells": OKABE_ITO["sky blue"],
}

FIELDS: dict[str, tuple[str, str]] = {
    # column -> (axis/hover title, unit)
    "value_pct": ("Proportion of patients", "%"),
    "time_months": ("Landmark", "months"),
    "median_months": ("Median", "months"),
    "dose_low": ("Dose, lower bound", ""),
    "dose_high": ("Dose, upper bound", ""),
    "n": ("Patients", "n"),
    "year": ("Year", ""),
    "p_value": ("P value", ""),
}


def axis_title(column: str, unit_override: str | None = None) -> str:
    """'Proportion of patients (%)' from FIELDS: axis titles never repeat literals."""
    title, unit = FIELDS[column]
    unit = unit_override if unit_override is not None else unit
    return f"{title} ({unit})" if unit else title
