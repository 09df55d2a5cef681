"""Case records. Every model holding case data has history (a test checks)."""

from cases.models.codes import Code, CodeList
from cases.models.consultations import (
    AbuseReport,
    CaseAssignment,
    Consultation,
    Diagnosis,
    Measure,
    Meeting,
    Reporter,
    SafetyCheck,
)
from cases.models.notes import ProgressNote
from cases.models.people import Person, Relationship
from cases.models.protection import Protection

__all__ = [
    "AbuseReport",
    "CaseAssignment",
    "Code",
    "CodeList",
    "Consultation",
    "Diagnosis",
    "Measure",
    "Meeting",
    "Person",
    "ProgressNote",
    "Protection",
    "Relationship",
    "Reporter",
    "SafetyCheck",
]
