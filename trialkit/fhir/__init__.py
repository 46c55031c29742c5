"""FHIR R4 in: one patient's Bundle -> a What-if candidate; a Bulk Data export (NDJSON) -> a cohort.

* :mod:`trialkit.fhir.resources`: reading and validating (``fhir.resources``' R4B pydantic models) with every
  malformed resource reported by file, entry or line, and field;
* :mod:`trialkit.fhir.patient`: one patient's resources -> the candidate field dict ``check`` uses, by the codes
  of the one terminology table (:mod:`trialkit.terminology`), with what could not be used listed;
* :mod:`trialkit.fhir.cohort`: a Bundle or an NDJSON folder -> the cohort the existing pipeline evaluates.
"""
