"""Pulumi dynamic providers (boto3) for AWS resources the AWS provider does not cover yet.

Import the resource classes from their modules, e.g.
`deepseek_deploy.components.providers.marketplace_endpoint.MarketplaceEndpoint`.
"""
