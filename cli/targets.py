"""Finding the endpoint a command calls (`invoke`, `chat`, `bench`, `eval`): one place, one set of options.

Named by hand (`--endpoint URL` / `--model-id ID`) the spec is only read and Pulumi is never
touched; otherwise the target comes from the deployed stack's outputs.
"""

from __future__ import annotations

from typing import Any, Optional

import typer

EndpointOpt = typer.Option(
    None,
    "--endpoint",
    help="Call this OpenAI-compatible base URL (e.g. http://127.0.0.1:8000/v1) instead of the stack's endpoint.",
)
ModelIdOpt = typer.Option(None, "--model-id", help="Call this Bedrock model id or ARN instead of the stack's.")
ApiKeyOpt = typer.Option(
    None, "--api-key", envvar="DEPLOY_API_KEY", help="API key of the endpoint (default: the stack's key)."
)


def find(
    spec: str,
    *,
    endpoint: Optional[str],
    model_id: Optional[str],
    api_key: Optional[str],
    stack: Optional[str],
    backend: Optional[str],
    secrets: Optional[str],
    install_pulumi: bool,
) -> tuple[Any, Any]:
    """(the spec, the Target): named by hand, or from the stack's outputs; `--api-key` overrides the stack's."""
    from dataclasses import replace

    from deepseek_deploy.stacks.call.target import by_hand, from_outputs, gateway_by_hand
    from deepseek_deploy.stacks.sizing.gateway import is_gateway_file

    if endpoint or model_id:
        if is_gateway_file(spec):
            from deepseek_deploy.stacks.errors import BAD_INPUT, DeployError
            from deepseek_deploy.stacks.spec.loader import load_any

            if model_id or not endpoint:
                raise DeployError("a gateway is OpenAI-compatible: give its base URL with --endpoint URL", BAD_INPUT)
            gateway = load_any(spec).spec
            return gateway, gateway_by_hand(gateway, endpoint, api_key)
        from deepseek_deploy.stacks.sizing.deployment import resolve_file

        loaded = resolve_file(spec).spec
        return loaded, by_hand(loaded, endpoint=endpoint, model_id=model_id, api_key=api_key)
    from .lifecycle import _stack_outputs

    deployment, _, result = _stack_outputs(spec, stack, backend, secrets, install_pulumi)
    target = from_outputs(deployment.spec, result.outputs)
    return deployment.spec, replace(target, api_key=api_key) if api_key else target
