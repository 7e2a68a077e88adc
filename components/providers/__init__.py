"""Pulumi dynamic providers (boto3): a Bedrock Marketplace endpoint and a Bedrock model import, which
the AWS provider does not cover yet, and a resumable upload of model weights to S3.

Each provider subclasses `_base.AwsResourceProvider` (the shared diff/read/update/delete plumbing);
`_aws` holds the boto3 helpers. Import the resource classes from their modules, e.g.
`deepseek_deploy.components.providers.marketplace_endpoint.MarketplaceEndpoint`.
"""
