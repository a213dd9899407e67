# --- Dead-letter queue and log group ---------------------------------------------------------------

# Events that still fail after Lambda's retries land here, whole, to be inspected and replayed.
resource "aws_sqs_queue" "dead_letters" {
  name                      = local.dead_letter_queue
  message_retention_seconds = 1209600 # 14 days, the most SQS allows
  sqs_managed_sse_enabled   = true
}

# Created here, before the function, so that its retention applies from the first log line (Lambda
# would otherwise create it with no expiry) and so that the role can be scoped to it.
resource "aws_cloudwatch_log_group" "function" {
  name              = local.log_group_name
  retention_in_days = var.log_retention_days
}
