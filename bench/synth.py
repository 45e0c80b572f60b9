"""SYNTHETIC study generator for the benchmarks: many records in the celltx schema, none of them real.

Writes ``OUT/data/`` (study YAML files plus a ``sources.yaml`` with an origin block per synthetic
source) and ``OUT/seeds/`` (the synthetic source texts that hold every quote, so the loader's quote
check passes exactly as it does for curated data). Point the app at it with
``CELLTX_DATA=OUT/data CELLTX_SEEDS=OUT/seeds``. Everything is marked synthetic: file titles, ids
(``synthetic-``), study labels (``SYNTHETIC study N``), source names and citations. Refuses to write
inside the curated ``data/`` folder, so synthetic records are never mixed with curated ones.

    python bench/synth.py OUT --studies 10000 --seed 1
    python -m celltx validate OUT/data   # with CELLTX_SEEDS=OUT/seeds: prints "valid"
"""

from __future__ import annotations

import argparse
import random
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
CURATED = ROOT / "data"
STUDIES_PER_FILE = 500  # curated files hold tens of records; 20 files at 10,000 studies
STUDIES_PER_SOURCE = 100  # one synthetic "review" text per 100 studies
MARK = "SYNTHETIC"
# Where a synthetic value stands; every synthetic origin block declares exactly these.
LOCATIONS = ("Table 1", "Table 3", "Table 4", "text")

# Realistic mixes, loosely following the curated tables (not their values).
MODALITIES = [
    ("CAR-T", 0.55),
    ("allo-HSCT", 0.2),
    ("NK", 0.1),
    ("CAR-NK", 0.08),
    ("virus-specific T cells", 0.07),
]
DISEASES = {
    "CAR-T": ["B-ALL", "NHL", "CLL", "MM", "ALL", "T-ALL", "HL", "AML", "lymphoma"],
    "CAR-NK": ["AML", "NHL", "CLL", "mixed", "MM"],
    "NK": ["AML", "MDS", "mixed", "ALL"],
    "allo-HSCT": ["AML", "ALL", "MDS", "B-ALL", "mixed"],
    "virus-specific T cells": ["mixed", "AML", "ALL"],
}
TARGETS = {
    "B-ALL": [["CD19"], ["CD19"], ["CD22"], ["CD19", "CD22"]],
    "ALL": [["CD19"], ["CD22"]],
    "NHL": [["CD19"], ["CD19"], ["CD20"], ["CD79b"], ["CD19", "CD22"]],
    "lymphoma": [["CD19"], ["CD30"]],
    "CLL": [["CD19"], ["CD20"]],
    "MM": [["BCMA"], ["BCMA"], ["CD38"], ["SLAMF7"], ["CD138"]],
    "T-ALL": [["CD7"], ["CD5"]],
    "HL": [["CD30"]],
    "AML": [["CD33"], ["CD123"], ["CLL-1"], ["CD117"]],
    "mixed": [["CD19"]],
    "MDS": [["CD123"]],
}
ENDPOINTS = {
    "CAR-T": ["CR", "CR/CRi", "OR", "CRS", "CRS", "neurotoxicity", "EFS", "OS", "PFS", "response duration"],
    "CAR-NK": ["CR", "OR", "CRS", "OS"],
    "NK": ["CR", "remission", "OS", "relapse", "DFS"],
    "allo-HSCT": ["OS", "DFS", "LFS", "relapse", "NRM", "aGvHD", "TRM"],
    "virus-specific T cells": ["CMV clearance", "CMV recurrence", "OS", "response"],
}
COUNTABLE = {"response", "toxicity", "other"}
FAMILY = {
    "CR": "response", "CR/CRi": "response", "OR": "response", "remission": "response",
    "response": "response", "CMV clearance": "response", "CRS": "toxicity", "neurotoxicity": "toxicity",
    "aGvHD": "toxicity", "EFS": "survival", "OS": "survival", "PFS": "survival", "DFS": "survival",
    "LFS": "survival", "relapse": "incidence", "NRM": "incidence", "TRM": "incidence",
    "CMV recurrence": "incidence", "response duration": "duration",
}  # fmt: skip
SETTINGS = ["relapsed/refractory", "first-line consolidation", "MRD-positive", None, None]
UNITS = [("1e6/kg", 0.7), ("1e6 total", 0.2), ("1e6/m2", 0.1)]


@dataclass(frozen=True)
class Written:
    data: Path
    seeds: Path
    studies: int
    values: int


def _pick(rng: random.Random, weighted: list[tuple[str, float]]) -> str:
    names, weights = zip(*weighted, strict=True)
    return rng.choices(names, weights)[0]


def _pct(rng: random.Random, n: int, family: str, lo: float, hi: float) -> tuple[float, str]:
    """A percentage; for countable families a whole count of n (as a printed table would give)."""
    if family in COUNTABLE:
        events = max(0, min(n, round(n * rng.uniform(lo, hi) / 100)))
        pct = round(events / n * 100, 1)
    else:
        pct = round(rng.uniform(lo, hi), 1)
    return pct, f"{pct:g}%"


def _outcome(rng: random.Random, endpoint: str, n: int, arm: str | None) -> tuple[dict, str]:
    family = FAMILY[endpoint]
    o: dict = {"endpoint": endpoint}
    if arm:
        o["arm"] = arm
    if family == "duration":
        months = round(rng.uniform(3, 36), 1)
        o["median_months"] = months
        return o, f"median {endpoint} {months:g} months"
    if endpoint == "CRS":
        scope = rng.choice(["any", "severe", "grade>=3", "unspecified"])
        o["scope"] = scope
        pct, text = _pct(rng, n, family, 5, 95 if scope == "any" else 40)
        o["value_pct"] = pct
        return o, f"CRS {text} ({scope})"
    if family in ("survival", "incidence"):
        t = rng.choice([6, 12, 18, 24, 36, 60])
        o["time_months"] = t
        pct, text = _pct(
            rng, n, family, 20 if family == "survival" else 2, 90 if family == "survival" else 45
        )
        o["value_pct"] = pct
        return o, f"{t} m {endpoint} {text}"
    lo, hi = (40, 95) if family == "response" else (2, 60)
    pct, text = _pct(rng, n, family, lo, hi)
    o["value_pct"] = pct
    return o, f"{endpoint} {text}"


def study(rng: random.Random, i: int, source_file: str) -> tuple[dict, list[str]]:
    """One synthetic study record and the source sentences that hold its quotes."""
    modality = _pick(rng, MODALITIES)
    diseases = [rng.choice(DISEASES[modality])]
    if rng.random() < 0.1:
        other = rng.choice(DISEASES[modality])
        # 'mixed' (diseases not stated) stands alone: listed with others it is a data error
        if other not in diseases and "mixed" not in (other, diseases[0]):
            diseases.append(other)
    label = f"{MARK} study {i}"
    rec: dict = {
        "id": f"synthetic-{i:05d}",
        "study": label,
        "year": rng.randint(1998, 2024),
        "modality": modality,
        "disease": diseases,
        "disease_text": f"{'/'.join(diseases)} ({MARK})",
    }
    if modality in ("CAR-T", "CAR-NK"):
        rec["target"] = list(rng.choice(TARGETS[diseases[0]]))
    setting = rng.choice(SETTINGS)
    if setting:
        rec["setting"] = setting
    dose_text = ""
    if modality in ("CAR-T", "CAR-NK", "NK", "virus-specific T cells") and rng.random() < 0.85:
        unit = _pick(rng, UNITS)
        low = round(rng.uniform(0.02, 5) * (100 if unit != "1e6/kg" else 1), 2)
        if rng.random() < 0.3:
            rec["dose"] = {"low": low, "high": low, "unit": unit, "stat": "single", "text": f"{low:g}"}
            dose_text = f"{low:g}"
        else:
            high = round(low * rng.uniform(1.5, 30), 2)
            dose_text = f"{low:g}–{high:g}"
            rec["dose"] = {"low": low, "high": high, "unit": unit, "stat": "range", "text": dose_text}
    arms: list[tuple[str, int]] = []
    if modality == "allo-HSCT" and rng.random() < 0.4:
        arms = [("HID", rng.randint(20, 400)), ("ISD", rng.randint(20, 300))]
        rec["arms"] = [
            {"name": a, "n": an, "role": "treatment" if a == "HID" else "comparator", "donor_type": a}
            for a, an in arms
        ]
        n = sum(an for _, an in arms)
    else:
        n = rng.randint(5, 300)
        rec["n"] = n
    location = rng.choice([*LOCATIONS[:1], *LOCATIONS])
    rec["source"] = {"file": source_file, "location": location}
    k = rng.randint(2, 5)
    endpoints = rng.sample(ENDPOINTS[modality], min(k, len(ENDPOINTS[modality])))
    outcomes, phrases, sentences = [], [], []
    for j, ep in enumerate(endpoints):
        if arms:
            for arm, an in arms:
                o, text = _outcome(rng, ep, an, arm)
                outcomes.append(o)
                phrases.append(f"{arm} {text}")
        else:
            o, text = _outcome(rng, ep, n, None)
            if j == len(endpoints) - 1 and rng.random() < 0.3:
                # a body-text result carries its own sentence as quote, as curated text records do
                quote = f"In {label}, {text} was reported ({MARK} sentence {i}.{j})."
                o["quote"] = quote
                sentences.append(quote)
            outcomes.append(o)
            phrases.append(text)
    if arms and rng.random() < 0.5:
        outcomes[0]["p_value"] = round(rng.uniform(0.001, 0.9), 3)
    n_text = " vs. ".join(f"{a} {an}" for a, an in arms) if arms else str(n)
    target_text = "/".join(rec.get("target", [])) or "no target"
    quote = f"{label} {rec['year']} {rec['disease_text']} {target_text} {dose_text} {n_text} " + "; ".join(
        phrases
    )
    rec["quote"] = " ".join(quote.split())
    rec["outcomes"] = outcomes
    return rec, [rec["quote"], *sentences]


def _check_target(out: Path) -> None:
    curated = CURATED.resolve()
    for d in (out.resolve(), (out / "data").resolve()):
        if d == curated or curated in d.parents:
            raise SystemExit(f"refusing to write synthetic data at {out}: never mix it with curated data/")


def write(out: Path | str, studies: int, seed: int = 1) -> Written:
    """Write ``studies`` synthetic records to OUT/data and their source texts to OUT/seeds."""
    out = Path(out)
    _check_target(out)
    data, seeds = out / "data", out / "seeds"
    for d in (data, seeds):
        d.mkdir(parents=True, exist_ok=True)
        for old in [*d.glob("synthetic_*.yaml"), *d.glob("synthetic_*.txt"), *d.glob("sources.yaml")]:
            old.unlink()
    rng = random.Random(seed)
    n_sources = max(1, -(-studies // STUDIES_PER_SOURCE))
    sources = [f"synthetic_source_{k:04d}.txt" for k in range(n_sources)]
    texts: dict[str, list[str]] = {s: [] for s in sources}
    records: list[dict] = []
    for i in range(1, studies + 1):
        src = sources[(i - 1) // STUDIES_PER_SOURCE]
        rec, lines = study(rng, i, src)
        records.append(rec)
        texts[src].extend(lines)
    # Every 40th record is printed twice (a table row and a text passage), linked both ways.
    for a in range(39, len(records) - 1, 40):
        ra, rb = records[a], records[a + 1]
        ra["same_study_as"], rb["same_study_as"] = [rb["id"]], [ra["id"]]
        ra["link_note"] = rb["link_note"] = f"{MARK}: linked by the generator to exercise study clusters."
    n_files = max(1, -(-studies // STUDIES_PER_FILE))
    for f in range(n_files):
        chunk = records[f * STUDIES_PER_FILE : (f + 1) * STUDIES_PER_FILE]
        doc = {
            "kind": "studies",
            "title": f"{MARK} studies for benchmarking, part {f + 1} of {n_files} (not real evidence)",
            "description": (
                f"{MARK} records generated by bench/synth.py (seed {seed}, {studies} studies). "
                "Every value and quote is invented; never use or mix with curated data."
            ),
            "records": chunk,
        }
        with (data / f"synthetic_{f:03d}.yaml").open("w", encoding="utf-8") as fh:
            yaml.dump(doc, fh, Dumper=yaml.CSafeDumper, sort_keys=False, allow_unicode=True, width=110)
    origins = [
        {
            "file": s,
            "kind": "review",
            "producer": f"{MARK} (celltx bench/synth.py)",
            "title": f"{MARK} review {k + 1} of {n_sources}",
            "citation": f"{MARK} source text generated by bench/synth.py (seed {seed}); not a publication.",
            "primary": k == 0,
            "locations": list(LOCATIONS),
        }
        for k, s in enumerate(sources)
    ]
    with (data / "sources.yaml").open("w", encoding="utf-8") as fh:
        yaml.dump(
            {"kind": "sources", "title": f"{MARK} source documents", "sources": origins},
            fh,
            Dumper=yaml.CSafeDumper,
            sort_keys=False,
            allow_unicode=True,
            width=110,
        )
    for s, lines in texts.items():
        header = f"{MARK} SOURCE TEXT generated by bench/synth.py for benchmarking. Not real evidence.\n\n"
        (seeds / s).write_text(header + "\n".join(lines) + "\n", encoding="utf-8")
    values = sum(len(r["outcomes"]) for r in records)
    return Written(data, seeds, studies, values)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", type=Path, help="folder to write data/ and seeds/ into (not the curated data/)")
    ap.add_argument("--studies", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    w = write(args.out, args.studies, args.seed)
    print(f"{w.studies} {MARK} studies ({w.values} values) in {w.data}; source texts in {w.seeds}")
    print(f"validate: CELLTX_SEEDS={w.seeds} python -m celltx validate {w.data}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
