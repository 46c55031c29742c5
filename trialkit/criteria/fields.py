"""The candidate fields the criteria engine knows (contracts §2), one :class:`FieldSpec` each.

A field has a name (what rules, query parameters, CSV columns and ``--set`` use), a label a person reads
("FSH (IU/L)"), a kind, and for numbers a canonical unit (values are stored and compared in it) and a
plausible range (the what-if sliders never go beyond it; an extracted threshold outside it is refused).

Kinds:

* ``number``: a float in the canonical unit (``unit``; ``pint_unit`` is how the units library spells it);
  ``allow_never`` marks a time-since-an-event field where "never" (infinitely long ago) is a valid answer;
* ``yesno``: True / False;
* ``set``: a set of codes (``hpv_types``: HPV type numbers);
* ``sex``: ``female`` / ``male``.

Units come from the protocol texts and background.md (FSH 1 IU/L = 1 mIU/mL; platelets 10⁹/L = 10³/µL
= /nL; haemoglobin g/L = 10 × g/dL, Hb monomer 16 114.5 g/mol for mmol/L).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from trialkit.errors import CandidateError
from trialkit.message import Message, word

FieldKind = Literal["number", "yesno", "set", "sex"]


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: str  # "FSH" (the unit is added by :attr:`display`)
    kind: FieldKind
    unit: str = ""  # canonical unit as people write it ("IU/L", "×10⁹/L"); "" for counts and facts
    pint_unit: str | None = None  # canonical unit for pint; None: a dimensionless number (count, score)
    low: float = 0.0  # plausible range, canonical unit
    high: float = 100.0
    step: float = 1.0  # slider step / resolution of "nearest passing value"
    integer: bool = False  # counts and scores
    allow_never: bool = False  # time since an event: "never" is a valid value (stored as +inf)
    molar_mass: str | None = None  # e.g. "16114.5 g/mol": lets mmol/L convert to a mass concentration
    #: Words that name the field in criteria text (regular expressions, for extract.py).
    aliases: tuple[str, ...] = ()
    help: str = ""
    #: For kind "set": the allowed codes, if the set is closed (None: any code matching ``code_pattern``).
    code_pattern: str = r"\d{1,3}"
    choices: tuple[str, ...] = field(default=())

    @property
    def display(self) -> str:
        """Label with unit: "FSH (IU/L)", "Age (years)", "AFC (count)"."""
        if self.kind != "number" or self.allow_never:
            return self.label
        return f"{self.label} ({self.unit})" if self.unit else self.label

    @property
    def label_word(self) -> Message:
        """:attr:`label` as a catalog word (English in files, translated where a page says it)."""
        return word(self.label, "field")

    @property
    def display_word(self) -> Message:
        """:attr:`display` as a message: "FSH (IU/L)" in English, the label and unit translated elsewhere."""
        if self.kind != "number" or self.allow_never or not self.unit:
            return self.label_word
        return Message("{label} ({unit})", label=self.label_word,
                       unit=word(self.unit, "unit of age" if self.name == "age" else "unit"))

    def format(self, value) -> str:
        """A canonical value as a person reads it: "10.4 IU/L", "6", "never", "yes"."""
        if self.kind == "number":
            if value == float("inf"):
                return "never"
            text = format_number(value)
            if not self.unit:
                return text
            sep = "" if self.unit.startswith("×") or self.unit == "%" else " "
            return f"{text}{sep}{self.unit}"
        if self.kind == "yesno":
            return "yes" if value else "no"
        if self.kind == "set":
            return ", ".join(sorted(value, key=_code_key)) if value else "none"
        return str(value)


def _code_key(code: str):
    return (0, int(code)) if code.isdigit() else (1, code)


def format_number(value: float) -> str:
    """10.0 -> "10", 10.4 -> "10.4", 0.98630 -> "0.986"."""
    v = float(value)
    if v == int(v) and abs(v) < 1e15:
        return str(int(v))
    return f"{v:.3g}" if abs(v) < 1 else f"{round(v, 2):g}"


def _num(name, label, unit, pint_unit, low, high, step=1.0, *, integer=False, aliases=(), help="", **kw):
    return FieldSpec(name, label, "number", unit, pint_unit, low, high, step, integer, aliases=tuple(aliases),
                     help=help, **kw)


def _fact(name, label, help=""):
    return FieldSpec(name, label, "yesno", help=help)


def _since(name, label, help=""):
    return FieldSpec(name, label, "number", "months", "month", 0.0, 60.0, 1.0, allow_never=True, help=help)


HR_HPV_TYPES = ("16", "18", "31", "33", "35", "39", "45", "51", "52", "53", "56", "58", "59", "66", "68")

FIELDS: dict[str, FieldSpec] = {f.name: f for f in [
    # -- demographics (contracts §2) ---------------------------------------------------------------
    _num("age", "Age", "years", "year", 0, 100, 1, aliases=(r"\baged?\b", r"\bage of\b"),
         help="Age at screening."),
    FieldSpec("sex", "Sex", "sex", choices=("female", "male")),
    _num("bmi", "BMI", "kg/m²", "kg/m**2", 12, 50, 0.1,
         aliases=(r"\bBMI\b", r"body mass index"), help="Body mass index."),
    # -- reproductive (NCT07176143) -------------------------------------------------------------------
    _num("cycle_length", "Cycle length", "days", "day", 15, 60, 1, help="Usual menstrual cycle length."),
    _num("regular_cycle_months", "Regular-cycle duration", "months", "month", 0, 60, 1,
         help="How long the cycles have been regular."),
    _num("afc", "AFC", "", None, 0, 40, 1, integer=True, aliases=(r"antral follicle count", r"\bAFC\b"),
         help="Antral follicle count."),
    _num("fsh", "FSH", "IU/L", "IU/L", 0, 40, 0.1, aliases=(r"\bFSH\b", r"follicle[- ]stimulating hormone"),
         help="Follicle-stimulating hormone on cycle days 2–4 (1 IU/L = 1 mIU/mL)."),
    _num("good_blastocysts", "Good-quality blastocysts", "", None, 0, 15, 1, integer=True,
         help="Good-quality D5/D6 blastocysts (Gardner grading)."),
    _num("ovarian_cyst_size", "Ovarian cyst", "mm", "mm", 0, 80, 1,
         help="Largest ovarian cyst diameter; 0 when there is none."),
    _num("fibroid_size", "Uterine fibroid", "mm", "mm", 0, 100, 1,
         help="Largest submucosal/intramural fibroid diameter; 0 when there is none."),
    # -- blood counts and chemistry --------------------------------------------------------------------
    _num("hemoglobin", "Haemoglobin", "g/L", "g/L", 40, 200, 1, molar_mass="16114.5 g/mol",
         aliases=(r"h(?:a)?emoglobin", r"\bHg?b\b"), help="g/L = 10 × g/dL."),
    _num("platelets", "Platelets", "×10⁹/L", "1/nL", 0, 600, 1,
         aliases=(r"platelets?(?: count)?", r"\bPLT\b", r"thrombocytopenia"),
         help="10⁹/L = 10³/µL = K/µL."),
    _num("anc", "ANC", "×10⁹/L", "1/nL", 0, 15, 0.1,
         aliases=(r"absolute neutrophil count(?: \(ANC\))?", r"\bANC\b"), help="Absolute neutrophil count."),
    _num("wbc", "WBC", "×10⁹/L", "1/nL", 0, 30, 0.1,
         aliases=(r"white blood cell(?: \(WBC\))?(?: count)?", r"\bWBC\b"), help="White blood cell count."),
    _num("creatinine", "Creatinine", "mg/dL", "mg/dL", 0.1, 10, 0.1, molar_mass="113.12 g/mol",
         aliases=(r"creatinine?\b(?! clearance)",), help="Serum creatinine (88.4 µmol/L = 1 mg/dL)."),
    _num("creatinine_clearance", "Creatinine clearance", "mL/min", "mL/min", 0, 200, 1,
         aliases=(r"creatinine clearance",)),
    _num("bilirubin", "Bilirubin", "mg/dL", "mg/dL", 0, 20, 0.1, molar_mass="584.66 g/mol",
         aliases=(r"(?:total )?bilirubin",)),
    _num("crp", "CRP", "mg/L", "mg/L", 0, 300, 1, aliases=(r"C-reactive protein", r"\bCRP\b")),
    _num("lvef", "LVEF", "%", "percent", 10, 80, 1,
         aliases=(r"left ventricular ejection fraction", r"\bLVEF\b")),
    _num("ecog", "ECOG performance status", "", None, 0, 5, 1, integer=True,
         aliases=(r"Eastern Cooperative(?: Oncology)? Group \(ECOG\)", r"Eastern Cooperative Oncology Group",
                  r"\bECOG\b")),
    _num("life_expectancy", "Life expectancy", "months", "month", 0, 120, 1,
         aliases=(r"life expectancy", r"expected survival")),
    # -- HPV (NCT06610773) ------------------------------------------------------------------------------
    FieldSpec("hpv_types", "HPV types", "set", help="HPV types detected, e.g. 16, 52 (none: no HPV)."),
    _num("sexual_history_years", "Sexual history", "years", "year", 0, 45, 0.5,
         help="Years since first sexual intercourse."),
    # -- time since an event (WindowRule fields; "never" allowed) -------------------------------------
    _since("months_since_other_trial", "Months since last other drug/device trial",
           "Months since she last took part in another interventional trial (0: taking part now)."),
    _since("months_since_negative_serology", "Months since negative HIV/TPA/HBsAg/HCV serology",
           "Months since the last complete negative serology panel."),
    _since("months_since_normal_hysteroscopy", "Months since hysteroscopy confirming a normal cavity",
           "Months since hysteroscopy confirmed normal uterine cavity morphology."),
    _since("months_since_abnormal_cytology", "Months since abnormal cervical cytology (TCT)",
           "Months since an abnormal TCT result; never if none."),
    # -- yes/no facts -------------------------------------------------------------------------------------
    _fact("informed_consent", "Signed informed consent"),
    _fact("pregnant", "Pregnant"),
    _fact("breastfeeding", "Breastfeeding"),
    _fact("preparing_pregnancy", "Preparing for pregnancy"),
    _fact("hsil_or_cervical_cancer", "HSIL or cervical cancer (pathology)"),
    _fact("hpv_vaccinated", "Previous HPV vaccination"),
    _fact("hpv_persistent_infection", "Persistent HR-HPV infection confirmed (HPV-24 test)"),
    _fact("recent_anti_hpv_therapy", "Recent other anti-HPV drug or intervention"),
    _fact("contraception_agreed", "Agrees to effective contraception (or no fertility potential)"),
    _fact("severe_drug_allergy", "Severe drug allergy"),
    _fact("biologic_allergy", "Allergy to stem-cell products or other biologics"),
    _fact("prior_cervical_treatment", "Previous cervical physical therapy or surgery"),
    _fact("recent_immune_drugs", "Recent antivirals, immunosuppressants, immunomodulators or steroids"),
    _fact("acute_genital_inflammation", "Acute genital tract or pelvic inflammation"),
    _fact("sex_hormones_normal", "Baseline sex hormones within normal laboratory ranges"),
    _fact("severe_iua_treated", "Severe IUA diagnosed by hysteroscopy and treated with electroresection"),
    _fact("cancelled_fet_thin_endometrium", "Cancelled frozen embryo transfer for thin endometrium (<6 mm)"),
    _fact("recurrent_implantation_failure", "Recurrent implantation failure (≥3 transfers, ≥6 good embryos)"),
    _fact("unexplained_vaginal_bleeding", "Unexplained abnormal vaginal bleeding"),
    _fact("active_pid", "Active pelvic inflammatory disease"),
    _fact("thromboembolism_history", "History of thrombophlebitis or thromboembolism"),
    _fact("recurrent_miscarriage", "History of recurrent miscarriage"),
    _fact("chromosomal_abnormality", "Chromosomal abnormality in either partner"),
    _fact("teratogenic_exposure", "Teratogenic radiation, toxin or medication exposure (either partner)"),
    # -- issue 15: more quantities protocols state as thresholds (aliases read by extract.py) -------------
    _num("weight", "Body weight", "kg", "kg", 2, 250, 0.5,
         aliases=(r"body ?weight", r"\bweigh(?:t|s|ing)\b"), help="Body weight."),
    _num("height", "Height", "cm", "cm", 40, 230, 1, aliases=(r"\bheight\b",), help="Body height."),
    _num("hematocrit", "Haematocrit", "%", "percent", 10, 70, 1,
         aliases=(r"h(?:a)?ematocrit", r"\bHct\b"), help="Haematocrit (volume %)."),
    _num("egfr", "eGFR per 1.73 m²", "mL/min", "mL/min", 0, 200, 1,
         aliases=(r"estimated glomerular filtration rate(?: \(e?GFR\))?", r"glomerular filtration rate(?: \(GFR\))?",
                  r"\be?GFR\b"),
         help="Estimated glomerular filtration rate (per 1.73 m² body surface)."),
    _num("alt", "ALT", "IU/L", "IU/L", 0, 2000, 1,
         aliases=(r"alanine (?:amino)?transaminase(?: \((?:ALT|SGPT)(?:/SGPT)?\))?", r"\bALT\b(?: \(SGPT\))?",
                  r"\bSGPT\b", r"\bGPT\b"), help="Alanine aminotransferase (1 U/L = 1 IU/L)."),
    _num("ast", "AST", "IU/L", "IU/L", 0, 2000, 1,
         aliases=(r"aspartate (?:amino)?transaminase(?: \((?:AST|SGOT)(?:/SGOT)?\))?", r"\bAST\b(?: \(SGOT\))?",
                  r"\bSGOT\b", r"\bGOT\b"), help="Aspartate aminotransferase (1 U/L = 1 IU/L)."),
    # pint would "convert" 53 mmol/mol (IFCC) to 5.3 %, but IFCC and NGSP are two scales, not units
    # (background.md): a field in percent takes only "%" (units.convert), so "7 %" and a bare 7 are accepted.
    _num("hba1c", "HbA1c", "%", "percent", 3, 20, 0.1,
         aliases=(r"\bH(?:b|g)?A1c\b", r"glycated h(?:a)?emoglobin(?: \(HbA1c\))?", r"glycosylated h(?:a)?emoglobin",
                  r"\bA1C\b", r"hemoglobin A1c"),
         help="HbA1c in % (NGSP/DCCT). mmol/mol (IFCC) is a different scale, not a unit: enter %."),
    _num("glucose", "Glucose", "mg/dL", "mg/dL", 10, 1000, 1, molar_mass="180.156 g/mol",
         aliases=(r"(?:fasting )?(?:plasma |blood |serum )?glucose", r"\bFPG\b", r"\bFBG\b"),
         help="Blood glucose (18 mg/dL ≈ 1 mmol/L)."),
    _num("inr", "INR", "", None, 0.5, 10, 0.1,
         aliases=(r"international normali[sz]ed ratio(?: \(INR\))?", r"\bINR\b"),
         help="International normalised ratio (a ratio: no unit)."),
    _num("albumin", "Albumin", "g/L", "g/L", 10, 60, 1, aliases=(r"(?:serum )?albumin",), help="Serum albumin."),
    _num("potassium", "Potassium", "mmol/L", "mmol/L", 1, 9, 0.1,
         aliases=(r"(?:serum )?potassium", r"\bK\+"), help="Serum potassium (mmol/L = mEq/L)."),
    _num("sodium", "Sodium", "mmol/L", "mmol/L", 100, 180, 1,
         aliases=(r"(?:serum )?sodium", r"\bNa\+"), help="Serum sodium."),
    _num("sbp", "Systolic blood pressure", "mmHg", "mmHg", 50, 260, 1,
         aliases=(r"systolic(?: blood pressure)?(?: \(SBP\))?", r"\bSBP\b"), help="Systolic blood pressure."),
    _num("dbp", "Diastolic blood pressure", "mmHg", "mmHg", 30, 160, 1,
         aliases=(r"diastolic(?: blood pressure)?(?: \(DBP\))?", r"\bDBP\b"), help="Diastolic blood pressure."),
    _num("heart_rate", "Heart rate", "/min", "1/min", 20, 250, 1,
         aliases=(r"heart rate", r"pulse(?: rate)?"), help="Resting heart rate."),
    _num("qtc", "QTc", "ms", "ms", 300, 700, 1,
         aliases=(r"\bQTc[FB]?\b(?: interval)?", r"corrected QT(?: interval)?(?: \(QTc[FB]?\))?", r"\bQT interval"),
         help="Corrected QT interval."),
    _num("karnofsky", "Karnofsky performance status", "", None, 0, 100, 10, integer=True,
         aliases=(r"Karnofsky(?: performance)?(?: status| score| scale)?(?: \(KPS\))?", r"\bKPS\b"),
         help="Karnofsky score, 0 to 100 in steps of 10."),
    _num("amh", "AMH", "ng/mL", "ng/mL", 0, 20, 0.1,
         aliases=(r"anti-?m(?:ü|u)llerian hormone(?: \(AMH\))?", r"\bAMH\b"), help="Anti-Müllerian hormone."),
    _num("testosterone", "Testosterone", "ng/dL", "ng/dL", 0, 1500, 1, molar_mass="288.42 g/mol",
         aliases=(r"(?:serum )?testosterone",), help="Total testosterone."),
    _num("psa", "PSA", "ng/mL", "ng/mL", 0, 1000, 0.1, aliases=(r"prostate[- ]specific antigen(?: \(PSA\))?",
                                                                 r"\bPSA\b"), help="Prostate-specific antigen."),
    _num("cd4", "CD4 count", "cells/µL", "1/uL", 0, 2000, 1,
         aliases=(r"CD4\+?(?: T[- ]cell)?(?: (?:cell )?count)?", r"CD4\+? lymphocytes?"), help="CD4 T-cell count."),
    _num("lymphocytes", "Lymphocytes", "×10⁹/L", "1/nL", 0, 20, 0.1,
         aliases=(r"(?:absolute )?lymphocyte(?:s| count)?(?: \(ALC\))?", r"\bALC\b"),
         help="Absolute lymphocyte count."),
    _num("troponin", "Troponin", "ng/L", "ng/L", 0, 10000, 1, aliases=(r"troponin(?: [IT])?",)),
    _num("tsh", "TSH", "mIU/L", "mIU/L", 0, 100, 0.1,
         aliases=(r"thyroid[- ]stimulating hormone(?: \(TSH\))?", r"\bTSH\b"), help="TSH (mIU/L = µIU/mL)."),
    _num("ldl", "LDL cholesterol", "mg/dL", "mg/dL", 10, 500, 1, molar_mass="386.65 g/mol",
         aliases=(r"LDL(?:-C)?(?: cholesterol)?", r"low[- ]density lipoprotein(?: cholesterol)?(?: \(LDL-?C?\))?")),
    _num("triglycerides", "Triglycerides", "mg/dL", "mg/dL", 10, 5000, 1, molar_mass="885.7 g/mol",
         aliases=(r"triglycerides?(?: \(TG\))?",), help="Serum triglycerides (as triolein)."),
    _num("uacr", "Urine albumin-to-creatinine ratio", "mg/g", "mg/g", 0, 10000, 1,
         aliases=(r"(?:urine |urinary )?albumin[- ](?:to[- ])?creatinine ratio(?: \(u?ACR\))?", r"\bu?ACR\b")),
    _num("oxygen_saturation", "Oxygen saturation", "%", "percent", 50, 100, 1,
         aliases=(r"oxygen saturation(?: \(SpO2\))?", r"\bSpO2\b", r"\bSaO2\b")),
    _num("fev1", "FEV1 (% predicted)", "%", "percent", 5, 150, 1,
         aliases=(r"\bFEV1\b(?: % predicted| percent predicted)?", r"forced expiratory volume in (?:one|1) second(?: \(FEV1\))?")),
    _num("nyha_class", "NYHA class", "", None, 1, 4, 1, integer=True,
         aliases=(r"New York Heart Association(?: \(NYHA\))?(?: functional)?(?: class)?", r"\bNYHA\b(?: functional)?(?: class)?")),
    _num("gestational_age", "Gestational age", "weeks", "week", 0, 45, 1, aliases=(r"gestational age", r"gestation\b")),
    _num("disease_duration", "Disease duration", "years", "year", 0, 80, 0.5,
         help="Years since diagnosis."),
    # -- limits relative to the lab's upper limit of normal (unit "x ULN"; never turned into an absolute
    #    number: the candidate gives the ratio, or the value and the lab's ULN; see trialkit/criteria/uln.py)
    _num("alt_x_uln", "ALT × ULN", "× ULN", None, 0, 50, 0.1, help="ALT as a multiple of the lab's ULN."),
    _num("ast_x_uln", "AST × ULN", "× ULN", None, 0, 50, 0.1, help="AST as a multiple of the lab's ULN."),
    _num("bilirubin_x_uln", "Bilirubin × ULN", "× ULN", None, 0, 50, 0.1,
         help="Total bilirubin as a multiple of the lab's ULN."),
    _num("creatinine_x_uln", "Creatinine × ULN", "× ULN", None, 0, 50, 0.1,
         help="Serum creatinine as a multiple of the lab's ULN."),
    _num("alp_x_uln", "ALP × ULN", "× ULN", None, 0, 50, 0.1, help="Alkaline phosphatase as a multiple of ULN."),
    _num("inr_x_uln", "INR × ULN", "× ULN", None, 0, 50, 0.1, help="INR as a multiple of the lab's ULN."),
    _num("alt_uln", "ALT upper limit of normal (lab)", "IU/L", "IU/L", 1, 500, 1, help="The lab's ULN for ALT."),
    _num("ast_uln", "AST upper limit of normal (lab)", "IU/L", "IU/L", 1, 500, 1, help="The lab's ULN for AST."),
    _num("bilirubin_uln", "Bilirubin upper limit of normal (lab)", "mg/dL", "mg/dL", 0.1, 10, 0.1,
         molar_mass="584.66 g/mol", help="The lab's ULN for total bilirubin."),
    _num("creatinine_uln", "Creatinine upper limit of normal (lab)", "mg/dL", "mg/dL", 0.1, 10, 0.1,
         molar_mass="113.12 g/mol", help="The lab's ULN for creatinine."),
    _num("alp", "ALP", "IU/L", "IU/L", 0, 3000, 1, aliases=(r"alkaline phosphatase(?: \(ALP\))?", r"\bALP\b")),
    _num("alp_uln", "ALP upper limit of normal (lab)", "IU/L", "IU/L", 1, 1000, 1, help="The lab's ULN for ALP."),
    _num("inr_uln", "INR upper limit of normal (lab)", "", None, 0.5, 5, 0.1, help="The lab's ULN for INR."),
]}


def get_field(name: str) -> FieldSpec:
    """The field called ``name``; an unknown name raises CandidateError listing a few known ones."""
    try:
        return FIELDS[name]
    except KeyError:
        raise CandidateError(Message("unknown field {name!r} (known fields include: {names}, …)", name=name,
                                     names=", ".join(list(FIELDS)[:12]))) from None


def field_message(name: str, reason: object) -> Message:
    """``"<field name>: <reason>"``, the form every refused value of a field takes."""
    return Message("{field}: {reason}", field=name, reason=reason)


def row_problem(row: object, name: str, reason: object) -> Message:
    """``"row <N>: <field name>: <reason>"``, a problem of one cell of a file."""
    return Message("row {row}: {field}: {reason}", row=row, field=name, reason=reason)


#: A file lists its first problems by row (:mod:`trialkit.cohort.io`: 200). One check over one column writes
#: out at most this many problems, in row order; each further bad cell is only counted (``None``): a message
#: per cell of a million-row file would cost seconds and nobody reads past the first ones.
DETAILED_PROBLEMS = 200


def cell_problems(positions, make) -> list:
    """``make(i)`` for the first :data:`DETAILED_PROBLEMS` of ``positions`` (ascending), then one ``None`` per
    further position (counted in the file's total, never written out)."""
    head = [make(int(i)) for i in positions[:DETAILED_PROBLEMS]]
    return head + [None] * max(0, len(positions) - DETAILED_PROBLEMS)


def reason_of(exc: BaseException) -> object:
    """The reason of an error made by :func:`field_message` (without the field's name), as a message."""
    m = exc.args[0] if len(exc.args) == 1 else None
    if isinstance(m, Message) and m.values and "reason" in m.values and "field" in m.values:
        return m.values["reason"]
    return str(exc).split(": ", 1)[-1]
