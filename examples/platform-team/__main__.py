"""A platform team's own Pulumi program: DeepSeek-R1 on Bedrock behind the team's guardrail,
invocable only by the team's service role. No YAML involved: the components take typed args.

    pulumi stack init dev && pulumi config set aws:region us-west-2 && pulumi up
"""

import pulumi

from deepseek_deploy.components import (
    DeniedTopicArgs,
    Guardrail,
    GuardrailArgs,
    InvokeAccess,
    InvokeAccessArgs,
    ServerlessModel,
    ServerlessModelArgs,
)

TAGS = {"team": "search", "cost-center": "4711"}

guardrail = Guardrail(
    "search-assistant",
    GuardrailArgs(
        content_filters={
            "hate": "high",
            "insults": "medium",
            "sexual": "high",
            "violence": "medium",
            "misconduct": "medium",
            "prompt_attack": "high",
        },
        denied_topics=[
            DeniedTopicArgs("legal-advice", "Advice on specific legal cases or contracts.", ["Can I break my lease?"])
        ],
        pii={"EMAIL": "anonymize"},
        tags=TAGS,
    ),
)

model = ServerlessModel(
    "search-assistant",
    ServerlessModelArgs(
        region="us-west-2",
        model_id="deepseek.r1-v1:0",
        profile_id="us.deepseek.r1-v1:0",
        destination_regions=["us-east-1", "us-east-2", "us-west-2"],
        tags=TAGS,
    ),
)

access = InvokeAccess(
    "search-assistant",
    InvokeAccessArgs(
        resource_arns=model.resource_arns,
        principals=["arn:aws:iam::123456789012:role/search-service"],
        guardrail_arn=guardrail.guardrail_arn,
        guardrail_version=guardrail.version,
        enforce_guardrail=True,
        tags=TAGS,
    ),
)

pulumi.export("model_id", model.invoke_model_id)
pulumi.export("guardrail", pulumi.Output.concat(guardrail.guardrail_id, ":", guardrail.version))
pulumi.export("invoke_policy_arn", access.policy_arn)
