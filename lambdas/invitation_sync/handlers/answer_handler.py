"""Lambda entry point for answering an invitation (invoked synchronously: the CLI, chat buttons, any caller
with lambda:InvokeFunction). The result is returned, never raised, for any request; `requestedBy` stays
out of the logs (it is kept in the invitation's audit record only). A deployment whose settings are wrong
answers `refused`, naming the setting."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from invitation_sync.answer import refused_request
from invitation_sync.budgets import AWS_CALL_WORST_CASE
from invitation_sync.observability import logger, tracer
from invitation_sync.wiring.answer import answer_services


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: Any, context: LambdaContext) -> dict[str, Any]:
    # arn:aws:lambda:us-east-1:123456789012:function:name: the account that receives the invitations.
    account_id = context.invoked_function_arn.split(":")[4]
    try:
        answers = answer_services()
    except Exception as error:  # a misconfigured deployment: a result that names it, never a Lambda error
        logger.exception("answer function cannot run")
        result = refused_request(event, f"the answer function cannot run: {error}; nothing was sent")
    else:
        result = answers.answer(
            event,
            account_id,
            time_left=lambda: context.get_remaining_time_in_millis() / 1000 - AWS_CALL_WORST_CASE,
        )
    logger.info(
        "answer",
        outcome=result.outcome,
        invitation_id=result.invitation_id,
        decision=result.decision,
        reason_code=result.reason_code,
    )
    return result.model_dump(mode="json", by_alias=True)
