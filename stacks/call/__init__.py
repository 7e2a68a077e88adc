"""Calling a deployment: where it is (`target`), one request (`invoke`), and the clients per mode.

This layer sits beside `run`: it reads a deployment's stack outputs (or an endpoint named by hand)
and talks to the endpoint with boto3 or HTTP. It never builds or changes infrastructure.
"""
