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

# One (colour, marker shape) per target group on every page. Okabe-Ito's seven colours come
# first with circles; when they run out the same colours return with a second shape (square,
# then diamond), so no two targets look alike and colour is never the only channel for them.
# 'CD19;CD22' is the dual-target CAR; 'no target' is NK and transplant results.
TARGET_STYLE: dict[str, tuple[str, str]] = {
    "CD19": ("blue", "circle"),
    "CD22": ("orange", "circle"),
    "CD19;CD22": ("reddish purple", "circle"),
    "BCMA": ("bluish green", "circle"),
    "CD30": ("vermillion", "circle"),
    "CD7": ("sky blue", "circle"),
    "CD33": ("yellow", "circle"),
    "no target": ("grey", "circle"),
    "CD20": ("blue", "square"),
    "CD79b": ("orange", "square"),
    "CXCR5": ("reddish purple", "square"),
    "CD5": ("bluish green", "square"),
    "CD4": ("vermillion", "square"),
    "CDTRBC1": ("sky blue", "square"),
    "CD3": ("yellow", "square"),
    "CD38": ("blue", "diamond"),
    "CD138": ("orange", "diamond"),
    "SLAMF7": ("reddish purple", "diamond"),
    "CD44v6": ("bluish green", "diamond"),
    "CD123": ("vermillion", "diamond"),
    "CD117": ("sky blue", "diamond"),
    "CLL-1": ("yellow", "diamond"),
}
TARGET_COLORS: dict[str, str] = {t: OKABE_ITO[c] for t, (c, _) in TARGET_STYLE.items()}
TARGET_SYMBOLS: dict[str, str] = {t: shape for t, (_, shape) in TARGET_STYLE.items()}
DONOR_COLORS: dict[str, str] = {"HID": OKABE_ITO["vermillion"], "ISD": OKABE_ITO["blue"]}
# NK comparisons: the NK-treated arm and its comparator
ROLE_NOT_STATED = "role not stated"  # an outcome's arm the record does not declare
ROLE_COLORS: dict[str, str] = {
    "treatment": OKABE_ITO["bluish green"],
    "comparator": OKABE_ITO["black"],
    ROLE_NOT_STATED: OKABE_ITO["grey"],
}
# by name, so adding or reordering a modality cannot shift every colour
MODALITY_COLORS: dict[str, str] = {
    "CAR-T": OKABE_ITO["blue"],
    "CAR-NK": OKABE_ITO["reddish purple"],
    "NK": OKABE_ITO["bluish green"],
    "allo-HSCT": OKABE_ITO["orange"],
    "virus-specific T cells": OKABE_ITO["sky blue"],
}

# Every plotted field: column -> (axis or legend title, unit). Charts take their axis, legend and
# colour-bar titles from here (tests/unit/test_vocab.py fails on an unused entry).
FIELDS: dict[str, tuple[str, str]] = {
    "value_pct": ("Proportion of patients", "%"),
    "survival_pct": ("Estimated survival", "%"),  # value_pct of a survival endpoint
    "time_months": ("Landmark", "months"),
    "median_months": ("Median or printed range", "months"),  # medians and duration ranges
    "dose": ("CAR dose", ""),  # unit per panel from DOSE_UNITS
    "patients": ("Patients", "sum of printed n"),
    "disease": ("Disease", ""),
    "target": ("Target antigen", ""),
    "modality": ("Modality", ""),
    "status": ("Status", ""),  # a target's status in the source (candidate ... clinical)
    "arm_role": ("Arm", ""),
    "donor_type": ("Donor", ""),
}


def axis_title(column: str, unit_override: str | None = None) -> str:
    """'Proportion of patients (%)' from FIELDS: axis titles never repeat literals."""
    title, unit = FIELDS[column]
    unit = unit_override if unit_override is not None else unit
    return f"{title} ({unit})" if unit else title
