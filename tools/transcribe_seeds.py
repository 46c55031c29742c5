"""Rebuild data/trials/NCT06610773.json and NCT07176143.json from the seed pages in ../shared/seeds/.

The seed pages are trial listings copied as text. This script copies their wording verbatim (by
slicing the seed text, not retyping it) into the ClinicalTrials.gov API v2 layout. Facts the seed does
not give are left out; `trialkitProvenance.notes` says which labels were read how.
Run: python tools/transcribe_seeds.py [SEEDS_DIR]
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEEDS = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "seeds"


def between(text: str, start: str, end: str) -> str:
    i = text.index(start) + len(start)
    j = text.index(end, i)
    return text[i:j].strip()


def numbered(block: str) -> list[str]:
    """The items of a seed's numbered list, verbatim, without their numbers."""
    items = re.findall(r"^\s*(\d+)\.\s+(.*)$", block, re.MULTILINE)
    assert [int(n) for n, _ in items] == list(range(1, len(items) + 1)), items
    return [t.strip() for _, t in items]


def criteria_markdown(inclusion: list[str], exclusion: list[str]) -> str:
    inc = "\n".join(f"{i}. {t}" for i, t in enumerate(inclusion, 1))
    exc = "\n".join(f"{i}. {t}" for i, t in enumerate(exclusion, 1))
    return f"Inclusion Criteria:\n\n{inc}\n\nExclusion Criteria:\n\n{exc}"


def hpv() -> dict:
    seed = next(SEEDS.glob("000_*.txt")).read_text(encoding="utf-8")
    title = "HUC-MSC for Treatment of High-risk HPV Infection"
    assert title in seed
    overview = between(seed, "\nOverview\n", "\nDescription\n")
    description = between(seed, "\nDescription\n", "\nEligibility\n")
    inclusion = numbered(between(seed, "Inclusion Criteria:", "Exclusion Criteria:"))
    exclusion = numbered(between(seed, "Exclusion Criteria:", "Study details"))
    details = [l.strip() for l in between(seed, "Study details", "NCT06610773").splitlines() if l.strip()]
    assert len(inclusion) == 5 and len(exclusion) == 10, (len(inclusion), len(exclusion))
    assert "Recruiting" in seed and "25-60 years" in seed and "Female" in seed and "Phase 1/2" in seed
    assert "Shanghai East Hospital" in seed
    return {
        "protocolSection": {
            "identificationModule": {"nctId": "NCT06610773", "briefTitle": title},
            "statusModule": {"overallStatus": "RECRUITING"},
            "sponsorCollaboratorsModule": {"leadSponsor": {"name": "Shanghai East Hospital"}},
            "descriptionModule": {"briefSummary": overview, "detailedDescription": description},
            "conditionsModule": {"conditions": details},
            "designModule": {"phases": ["PHASE1", "PHASE2"]},
            "eligibilityModule": {
                "eligibilityCriteria": criteria_markdown(inclusion, exclusion),
                "sex": "FEMALE",
                "minimumAge": "25 Years",
                "maximumAge": "60 Years",
            },
            "contactsLocationsModule": {"locations": [{"facility": "Shanghai East Hospital"}]},
        },
        "trialkitProvenance": {
            "source": f"shared/seeds/{next(SEEDS.glob('000_*.txt')).name}",
            "notes": [
                "Transcribed by hand from a trial listing page, not downloaded from ClinicalTrials.gov.",
                "Status 'Recruiting', ages '25-60 years', sex 'Female' and 'Phase 1/2' are as the page states them.",
                "The page names 'Shanghai East Hospital' beside the NCT id without a label; it is recorded as the "
                "lead sponsor and as the one study location. Its city and country are not stated on the page.",
                "The page lists 'Human Papillomavirus Viruses' and 'Mesenchymal Stem Cells' under 'Study details'; "
                "they are recorded as the study's conditions.",
                "The page shows the date '29 August 2025' without saying what it is; it is not recorded.",
                "Study type, design, enrollment, arms, interventions, contacts and dates are not stated on the page.",
            ],
        },
    }


def iua() -> dict:
    seed = next(SEEDS.glob("004_*.txt")).read_text(encoding="utf-8")
    title = "hBMSC Uterine Artery Infusion for Severe IUA-Related Infertility"
    about = between(seed, "\nAbout\n", "\nEnrollment\n")
    inclusion = numbered(between(seed, "Inclusion criteria", "Exclusion criteria"))
    exclusion = numbered(between(seed, "Exclusion criteria", "Trial design"))
    assert len(inclusion) == 9 and len(exclusion) == 18, (len(inclusion), len(exclusion))
    intervention = "Delivering human bone marrow mesenchymal stem cells via the uterine artery"
    assert f"Procedure: {intervention}" in seed
    stem_desc = between(seed, "Experimental group\nDescription:\n", "\nTreatment:")
    control_desc = between(seed, "No Intervention group\nDescription:\n", "\nTrial contacts")
    for text in ("Not yet enrolling", "60 estimated patients", "20 to 38 years old", "No Healthy Volunteers",
                 "Non-Randomized", "Parallel Assignment", "None (Open label)", "Treatment", "Guihua Liu",
                 "2024ZSLYFEC-013", "Interventional", "Intrauterine Adhesions"):
        assert text in seed, text
    objectives = [
        {"measure": between(seed, "Primary Objective: ", "\n")},
    ]
    secondary = numbered(between(seed, "Secondary Objectives:", "By tracking"))
    return {
        "protocolSection": {
            "identificationModule": {
                "nctId": "NCT07176143",
                "briefTitle": title,
                "secondaryIdInfos": [{"id": "2024ZSLYFEC-013"}],
            },
            "statusModule": {"overallStatus": "NOT_YET_RECRUITING"},
            "sponsorCollaboratorsModule": {"leadSponsor": {"name": "Sun Yat-sen University", "class": "OTHER"}},
            "descriptionModule": {"briefSummary": about},
            "conditionsModule": {"conditions": ["Intrauterine Adhesions"]},
            "designModule": {
                "studyType": "INTERVENTIONAL",
                "designInfo": {
                    "allocation": "NON_RANDOMIZED",
                    "interventionModel": "PARALLEL",
                    "primaryPurpose": "TREATMENT",
                    "maskingInfo": {"masking": "NONE"},
                },
                "enrollmentInfo": {"count": 60, "type": "ESTIMATED"},
            },
            "armsInterventionsModule": {
                "armGroups": [
                    {"label": "Stem cell therapy group", "type": "EXPERIMENTAL", "description": stem_desc,
                     "interventionNames": [f"Procedure: {intervention}"]},
                    {"label": "Control group", "type": "NO_INTERVENTION", "description": control_desc},
                ],
                "interventions": [
                    {"type": "PROCEDURE", "name": intervention, "armGroupLabels": ["Stem cell therapy group"]},
                ],
            },
            "outcomesModule": {
                "primaryOutcomes": objectives,
                "secondaryOutcomes": [{"measure": s} for s in secondary],
            },
            "eligibilityModule": {
                "eligibilityCriteria": criteria_markdown(inclusion, exclusion),
                "healthyVolunteers": False,
                "sex": "FEMALE",
                "minimumAge": "20 Years",
                "maximumAge": "38 Years",
            },
            "contactsLocationsModule": {"centralContacts": [{"name": "Guihua Liu", "role": "CONTACT"}]},
        },
        "trialkitProvenance": {
            "source": f"shared/seeds/{next(SEEDS.glob('004_*.txt')).name}",
            "notes": [
                "Transcribed by hand from a trial listing page (ClinicalTrials.Veeva, 'Data sourced from "
                "clinicaltrials.gov'), not downloaded from ClinicalTrials.gov.",
                "'Not yet enrolling' is recorded as NOT_YET_RECRUITING; 'Funder types: Other' as the lead "
                "sponsor's class OTHER.",
                "The page's primary and secondary objectives are recorded as the primary and secondary outcomes.",
                "The page lists 0 locations and gives no phase, dates, or contact phone or email; none is recorded.",
            ],
        },
    }


def main() -> None:
    out = ROOT / "data" / "trials"
    out.mkdir(parents=True, exist_ok=True)
    for study in (hpv(), iua()):
        nct = study["protocolSection"]["identificationModule"]["nctId"]
        (out / f"{nct}.json").write_text(json.dumps(study, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print("wrote", out / f"{nct}.json")


if __name__ == "__main__":
    main()
