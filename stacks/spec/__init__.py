"""The spec users write: YAML with positions, the pydantic models, structural validation, the
JSON Schema and the starter spec. Imports only the catalog; no Pulumi, no boto3, no planner.
"""
