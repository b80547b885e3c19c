"""FHIR R4 export of signed records (docs/fhir.md): one Bundle of type collection per patient.

terminology.py  the URIs, the local CodeSystems generated from forms/, the SNOMED CT and UCUM
                codes used (each with where it was looked up)
resources.py    one builder per resource type, from records and the measure descriptions:
                plain JSON, no FHIR library at run time
export.py       which versions go out (the latest signed one of each signable record), the
                file, and the audit entry
"""
