"""From a valid spec to one resolved `Deployment`: the compatibility rules, the capacity
arithmetic, the self-hosted planner, replica ranges and the cost estimate. Pure functions over
the catalog; no Pulumi, no boto3.
"""
