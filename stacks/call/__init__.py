"""Calling a deployment: where it is (`target`), one request (`invoke`), its health (`health`), and the
clients per mode (`serverless`, `marketplace`, `custom_import`, `openai_compat`), with the guardrail
(`guardrail`), the chat template (`template`), the port-forward (`portforward`) and the error mapping
(`failures`) they share.

This layer sits beside `run`: it reads a deployment's stack outputs (or an endpoint named by hand)
and talks to the endpoint with boto3 or HTTP. It never builds or changes infrastructure.
"""
